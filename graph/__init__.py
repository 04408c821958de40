"""lineagemesh: a lineage-centric metadata graph for data mesh platforms."""
