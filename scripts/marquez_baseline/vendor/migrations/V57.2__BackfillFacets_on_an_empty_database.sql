-- NOT a Marquez file: written for lineagemesh's benchmark (scripts/marquez_baseline/schema.py).
-- Marquez's Java migrations V56_1__FacetViews (version 56.1) and V57_1__BackfillFacets (version
-- 57.2, marquez.db.migrations) have, on a database with no lineage events, this net effect:
-- the facet views are views over the facet tables, and the facet migration lock row is written
-- (V57_1__BackfillFacets.migrate: "lineage_events table is empty -> no need to run migration").
INSERT INTO facet_migration_lock VALUES (NOW(), null);
DROP VIEW IF EXISTS run_facets_view;
DROP VIEW IF EXISTS job_facets_view;
DROP VIEW IF EXISTS dataset_facets_view;
CREATE OR REPLACE VIEW run_facets_view AS SELECT * FROM run_facets;
CREATE OR REPLACE VIEW job_facets_view AS SELECT * FROM job_facets;
CREATE OR REPLACE VIEW dataset_facets_view AS SELECT * FROM dataset_facets;
