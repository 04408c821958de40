"""Marquez itself as a benchmark baseline: its schema (its own Flyway migrations, ``schema``) on a
PostgreSQL started from Debian's package (``postgres``), the mesh loaded as Marquez's rows
(``loader``), and the lineage SQL of Marquez's ``LineageDao`` verbatim (``lineage_dao``). Used by
``scripts/bench_marquez_pg.py`` and ``tests/test_marquez_baseline.py``. Marquez's files are
Apache-2.0, see ``vendor/migrations/NOTICE``."""
