"""One RunEvent carrying every standard facet of the spec, each built by the real openlineage-python
client's own classes (``openlineage.client.facet_v2``), serialized as the client sends it.

``FACET_PLACES`` says where each facet's key sits in the event (run, job, a dataset, an input's
``inputFacets`` or an output's ``outputFacets``), keyed by the facet's schema name, so a test can
look for each one where lineagemesh keeps it."""

from __future__ import annotations

from typing import Any

from openlineage.client import event_v2, facet_v2
from openlineage.client.facet_v2 import (
    base_subset_dataset,
    catalog_dataset,
    column_lineage_dataset,
    data_quality_assertions_dataset,
    data_quality_metrics_dataset,
    data_quality_metrics_input_dataset,
    dataset_type_dataset,
    dataset_version_dataset,
    datasource_dataset,
    documentation_dataset,
    documentation_job,
    environment_variables_run,
    error_message_run,
    execution_parameters_run,
    external_query_run,
    extraction_error_run,
    hierarchy_dataset,
    input_statistics_input_dataset,
    job_dependencies_run,
    job_type_job,
    lifecycle_state_change_dataset,
    lineage,
    nominal_time_run,
    output_statistics_output_dataset,
    ownership_dataset,
    ownership_job,
    parent_run,
    processing_engine_run,
    schema_dataset,
    source_code_job,
    source_code_location_job,
    sql_job,
    storage_dataset,
    symlinks_dataset,
    tags_dataset,
    tags_job,
    tags_run,
    test_run,
)
from openlineage.client.serde import Serde

NAMESPACE = "postgres://db:5432"
RUN_ID = "0191a7c0-0000-7000-8000-0000000000aa"
PARENT_RUN_ID = "0191a7c0-0000-7000-8000-0000000000ab"
TIME = "2026-03-02T12:00:00.000Z"

#: facet schema name -> (where its key sits, the key)
FACET_PLACES: dict[str, tuple[str, str]] = {}


def _at(place: str, key: str, facet: Any) -> tuple[str, Any]:
    """``facet`` under ``key`` at ``place``, noted under its schema's name (the spec's file, which
    the client names in the facet's ``_schemaURL``)."""
    schema = facet._schemaURL.split("#")[0].rsplit("/", 1)[-1].removesuffix(".json")
    FACET_PLACES[schema] = (place, key)
    return key, facet


def every_facet_event() -> dict[str, Any]:
    """The event as JSON (what the client's transport posts)."""
    FACET_PLACES.clear()
    run_facets = dict(
        [
            _at(
                "run",
                "environmentVariables",
                environment_variables_run.EnvironmentVariablesRunFacet(
                    [environment_variables_run.EnvironmentVariable("REGION", "eu")]
                ),
            ),
            _at("run", "errorMessage", error_message_run.ErrorMessageRunFacet("boom", "python")),
            _at(
                "run",
                "executionParameters",
                execution_parameters_run.ExecutionParametersRunFacet(
                    [execution_parameters_run.ExecutionParameter("spark.executor.memory", "4g")]
                ),
            ),
            _at(
                "run", "externalQuery", external_query_run.ExternalQueryRunFacet("q-1", "bigquery")
            ),
            _at(
                "run",
                "extractionError",
                extraction_error_run.ExtractionErrorRunFacet(
                    2, 1, [extraction_error_run.Error("unparsed", task="SELECT ?", taskNumber=1)]
                ),
            ),
            _at("run", "jobDependencies", job_dependencies_run.JobDependenciesRunFacet()),
            _at(
                "run",
                "nominalTime",
                nominal_time_run.NominalTimeRunFacet(TIME, "2026-03-02T13:00:00.000Z"),
            ),
            _at(
                "run",
                "parent",
                parent_run.ParentRunFacet(
                    parent_run.Run(PARENT_RUN_ID), parent_run.Job("airflow", "dag")
                ),
            ),
            _at(
                "run",
                "processing_engine",
                processing_engine_run.ProcessingEngineRunFacet("3.5.1", "spark", "1.54.0"),
            ),
            _at(
                "run",
                "tags",
                tags_run.TagsRunFacet([tags_run.TagsRunFacetFields("env", "prod", "MANUAL")]),
            ),
            _at(
                "run",
                "test",
                test_run.TestRunFacet([test_run.TestExecution("not_null_orders_id", "PASSED")]),
            ),
        ]
    )
    job_facets = dict(
        [
            _at(
                "job",
                "documentation",
                documentation_job.DocumentationJobFacet("Loads daily revenue."),
            ),
            _at("job", "jobType", job_type_job.JobTypeJobFacet("BATCH", "SPARK", "SQL_JOB")),
            _at(
                "job",
                "ownership",
                ownership_job.OwnershipJobFacet(
                    [ownership_job.Owner("team:finance", "MAINTAINER")]
                ),
            ),
            _at(
                "job",
                "sourceCode",
                source_code_job.SourceCodeJobFacet("python", "print('revenue')"),
            ),
            _at(
                "job",
                "sourceCodeLocation",
                source_code_location_job.SourceCodeLocationJobFacet(
                    "git", "https://git.example.com/etl/revenue.py"
                ),
            ),
            _at("job", "sql", sql_job.SQLJobFacet("SELECT sum(amount) AS revenue FROM orders")),
            _at(
                "job",
                "lineage",
                lineage.LineageJobFacet(
                    [
                        lineage.LineageJobEntry(
                            "JOB",
                            "spark",
                            "daily_revenue",
                            inputs=[lineage.LineageJobInput("JOB", "airflow", "extract_orders")],
                        )
                    ]
                ),
            ),
            _at(
                "job",
                "tags",
                tags_job.TagsJobFacet([tags_job.TagsJobFacetFields("tier", "gold", "MANUAL")]),
            ),
        ]
    )
    input_facets = dict(
        [
            _at(
                "input",
                "catalog",
                catalog_dataset.CatalogDatasetFacet("postgres", "jdbc", "orders-db"),
            ),
            _at("input", "datasetType", dataset_type_dataset.DatasetTypeDatasetFacet("TABLE")),
            _at(
                "input",
                "dataSource",
                datasource_dataset.DatasourceDatasetFacet("orders-db", NAMESPACE),
            ),
            _at(
                "input",
                "documentation",
                documentation_dataset.DocumentationDatasetFacet("Every order."),
            ),
            _at(
                "input",
                "hierarchy",
                hierarchy_dataset.HierarchyDatasetFacet(
                    [
                        hierarchy_dataset.HierarchyDatasetFacetLevel("DATABASE", "orders"),
                        hierarchy_dataset.HierarchyDatasetFacetLevel("SCHEMA", "public"),
                    ]
                ),
            ),
            _at(
                "input",
                "ownership",
                ownership_dataset.OwnershipDatasetFacet([ownership_dataset.Owner("team:orders")]),
            ),
            _at(
                "input",
                "schema",
                schema_dataset.SchemaDatasetFacet(
                    [
                        schema_dataset.SchemaDatasetFacetFields("id", "bigint", ordinal_position=1),
                        schema_dataset.SchemaDatasetFacetFields(
                            "amount", "numeric", ordinal_position=2
                        ),
                    ]
                ),
            ),
            _at("input", "storage", storage_dataset.StorageDatasetFacet("heap", "postgres")),
            _at(
                "input",
                "symlinks",
                symlinks_dataset.SymlinksDatasetFacet(
                    [symlinks_dataset.Identifier("s3://lake", "raw/orders", "TABLE")]
                ),
            ),
            _at(
                "input",
                "tags",
                tags_dataset.TagsDatasetFacet(
                    [tags_dataset.TagsDatasetFacetFields("pii", "false")]
                ),
            ),
            _at("input", "version", dataset_version_dataset.DatasetVersionDatasetFacet("v42")),
            _at(
                "input",
                "dataQualityMetrics",
                data_quality_metrics_dataset.DataQualityMetricsDatasetFacet(
                    {"amount": data_quality_metrics_dataset.ColumnMetrics(nullCount=0)}, rowCount=10
                ),
            ),
        ]
    )
    input_only = dict(
        [
            _at(
                "inputFacets",
                "dataQualityAssertions",
                data_quality_assertions_dataset.DataQualityAssertionsDatasetFacet(
                    [data_quality_assertions_dataset.Assertion("not_null", True, "amount")]
                ),
            ),
            _at(
                "inputFacets",
                "dataQualityMetrics",
                data_quality_metrics_input_dataset.DataQualityMetricsInputDatasetFacet(
                    {"amount": data_quality_metrics_input_dataset.ColumnMetrics(nullCount=0)},
                    rowCount=10,
                ),
            ),
            _at(
                "inputFacets",
                "inputStatistics",
                input_statistics_input_dataset.InputStatisticsInputDatasetFacet(rowCount=10),
            ),
            _at(
                "inputFacets",
                "subset",
                base_subset_dataset.InputSubsetInputDatasetFacet(
                    base_subset_dataset.LocationSubsetCondition(["2026-03-02"])
                ),
            ),
        ]
    )
    output_facets = dict(
        [
            _at(
                "output",
                "columnLineage",
                column_lineage_dataset.ColumnLineageDatasetFacet(
                    {
                        "revenue": column_lineage_dataset.Fields(
                            [
                                column_lineage_dataset.InputField(
                                    NAMESPACE, "public.orders", "amount"
                                )
                            ]
                        )
                    }
                ),
            ),
            _at(
                "output",
                "lifecycleStateChange",
                lifecycle_state_change_dataset.LifecycleStateChangeDatasetFacet(
                    lifecycle_state_change_dataset.LifecycleStateChange.CREATE
                ),
            ),
            # the lineage schema's dataset variant (its job one is placed above): revenue derived
            # from orders, stated on the dataset
            (
                "lineage",
                lineage.LineageDatasetFacet(
                    inputs=[
                        lineage.LineageDatasetInput(
                            namespace=NAMESPACE, name="public.orders", type="DATASET"
                        )
                    ]
                ),
            ),
        ]
    )
    output_only = dict(
        [
            _at(
                "outputFacets",
                "outputStatistics",
                output_statistics_output_dataset.OutputStatisticsOutputDatasetFacet(rowCount=1),
            ),
            # the subset schema's output variant (its input one is placed above)
            (
                "subset",
                base_subset_dataset.OutputSubsetOutputDatasetFacet(
                    base_subset_dataset.PartitionSubsetCondition(
                        [base_subset_dataset.Partition({"day": "2026-03-02"}, "day=2026-03-02")]
                    )
                ),
            ),
        ]
    )
    event = event_v2.RunEvent(
        eventType=event_v2.RunState.COMPLETE,
        eventTime=TIME,
        run=event_v2.Run(RUN_ID, facets=run_facets),
        job=event_v2.Job("spark", "daily_revenue", facets=job_facets),
        producer=facet_v2.PRODUCER,
        inputs=[
            event_v2.InputDataset(
                NAMESPACE, "public.orders", facets=input_facets, inputFacets=input_only
            )
        ],
        outputs=[
            event_v2.OutputDataset(
                NAMESPACE, "public.revenue", facets=output_facets, outputFacets=output_only
            )
        ],
    )
    return Serde.to_dict(event)
