"""Ingesters: pure translations from source documents (OpenLineage, Iceberg, contracts, dbt) to graph mutations."""
