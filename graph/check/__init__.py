"""The pull-request check (``lineagemesh check``): the blast radius of what a pull request changes.

Inputs, one module per artifact kind (``dbt_input``, ``sql_input``, ``contract_input``,
``iceberg_input``, ``node_input``), turn artifacts into classified changes placed in the graph
(``changeset``, ``planning``; the rules in ``graph.change.classifier``); ``report`` runs GraphQL
``impact`` for each (in-process, straight from the store: ``store_reads``) and merges the
answers; ``formats`` renders them; ``command`` is the CLI.
"""

from graph.check.changeset import ChangeSet, CheckError, Execute, PlannedChange
from graph.check.report import Report, build_report

__all__ = ["ChangeSet", "CheckError", "Execute", "PlannedChange", "Report", "build_report"]
