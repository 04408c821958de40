"""The way in: the ingest service every event passes (validate, authorise, keep, apply,
acknowledge), Kafka, bulk loading, write quotas and the disk check.
"""
