"""What a schema change is and means downstream: the classifier, schema diffs, the observations
batches make and each dataset's schema history.
"""
