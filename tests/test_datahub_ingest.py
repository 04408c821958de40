"""DataHub metadata in (``lineagemesh ingest datahub``), from files the real ``acryl-datahub``
SDK writes as the seeds do (``make_dataset_urn``, ``OwnershipClass``, ``DatasetPropertiesClass``
with ``customProperties``), on every store: the same table from DataHub and from OpenLineage is
one node; schemas, owners, domains, glossary terms, data products, table and column lineage
land; a broken file is refused at its line and changes nothing."""

from __future__ import annotations

import json
from pathlib import Path

from command_line import lineagemesh, lineagemesh_ok
from datahub.emitter.mce_builder import (
    make_data_flow_urn,
    make_data_job_urn,
    make_data_job_urn_with_flow,
    make_data_product_urn,
    make_dataset_urn,
    make_domain_urn,
    make_group_urn,
    make_schema_field_urn,
    make_tag_urn,
    make_term_urn,
    make_user_urn,
)
from datahub.emitter.mcp import MetadataChangeProposalWrapper
from datahub.ingestion.sink.file import write_metadata_file
from datahub.ingestion.source.file import read_metadata_file
from datahub.metadata import schema_classes as m
from graphql_in_process import run
from openlineage_events import complete

from graph.core.model import EdgeKind, dataset_id, field_id, product_id
from graph.stores import open_store

ORDERS_DB = "postgres://orders-db:5432"
TABLE = dataset_id(ORDERS_DB, "orders.public.customer_orders")
RAW = dataset_id(ORDERS_DB, "orders.public.orders")


def _owned_by_the_orders_team(urn: str, *others: m.OwnerClass) -> MetadataChangeProposalWrapper:
    """The ownership aspect of ``urn``: the orders-team group its data owner, then ``others``."""
    team = m.OwnerClass(make_group_urn("orders-team"), m.OwnershipTypeClass.DATAOWNER)
    return MetadataChangeProposalWrapper(entityUrn=urn, aspect=m.OwnershipClass([team, *others]))


def _derived(source: tuple[str, str], target: tuple[str, str]) -> m.FineGrainedLineageClass:
    """Column lineage from one (dataset urn, column) to another, as DataHub states it."""
    return m.FineGrainedLineageClass(
        upstreamType=m.FineGrainedLineageUpstreamTypeClass.FIELD_SET,
        upstreams=[make_schema_field_urn(*source)],
        downstreamType=m.FineGrainedLineageDownstreamTypeClass.FIELD,
        downstreams=[make_schema_field_urn(*target)],
    )


def _seed_file(path: Path) -> Path:
    """What a seed script registers in DataHub, written by the SDK's file sink writer."""
    urn = make_dataset_urn("postgres", "orders.public.customer_orders", "PROD")
    raw = make_dataset_urn("postgres", "orders.public.orders", "PROD")
    field = m.SchemaFieldClass(
        fieldPath="email",
        type=m.SchemaFieldDataTypeClass(type=m.StringTypeClass()),
        nativeDataType="text",
        description="Where receipts go",
        globalTags=m.GlobalTagsClass(tags=[m.TagAssociationClass(tag=make_tag_urn("pii"))]),
    )
    records: list[m.MetadataChangeEventClass | MetadataChangeProposalWrapper] = [
        m.MetadataChangeEventClass(  # the older snapshot form, as the file sink still writes it
            proposedSnapshot=m.DatasetSnapshotClass(
                urn=raw,
                aspects=[m.DatasetPropertiesClass(description="orders as the app writes them")],
            )
        ),
        MetadataChangeProposalWrapper(
            entityUrn=urn,
            aspect=m.DatasetPropertiesClass(
                name="customer_orders",
                description="Every order a customer placed",
                customProperties={
                    "domain": "orders",
                    "slo_freshness": "2h",
                    "contains_pii": "true",
                },
            ),
        ),
        _owned_by_the_orders_team(
            urn, m.OwnerClass(make_user_urn("alice"), m.OwnershipTypeClass.TECHNICAL_OWNER)
        ),
        MetadataChangeProposalWrapper(
            entityUrn=urn,
            aspect=m.SchemaMetadataClass(
                schemaName="customer_orders",
                platform="urn:li:dataPlatform:postgres",
                version=0,
                hash="",
                platformSchema=m.OtherSchemaClass(rawSchema=""),
                fields=[field],
            ),
        ),
        MetadataChangeProposalWrapper(
            entityUrn=urn,
            aspect=m.GlossaryTermsClass(
                terms=[m.GlossaryTermAssociationClass(urn=make_term_urn("Customer"))],
                auditStamp=m.AuditStampClass(time=0, actor=make_user_urn("alice")),
            ),
        ),
        MetadataChangeProposalWrapper(
            entityUrn=urn,
            aspect=m.UpstreamLineageClass(
                upstreams=[
                    m.UpstreamClass(dataset=raw, type=m.DatasetLineageTypeClass.TRANSFORMED)
                ],
                fineGrainedLineages=[_derived((raw, "customer_email"), (urn, "email"))],
            ),
        ),
        MetadataChangeProposalWrapper(
            entityUrn=make_data_product_urn("customer-orders"),
            aspect=m.DataProductPropertiesClass(
                name="customer_orders",
                description="Orders, joined",
                assets=[m.DataProductAssociationClass(destinationUrn=urn)],
                customProperties={"slo_freshness": "1h"},
            ),
        ),
        MetadataChangeProposalWrapper(
            entityUrn=make_data_product_urn("customer-orders"),
            aspect=m.DomainsClass(domains=[make_domain_urn("orders")]),
        ),
        MetadataChangeProposalWrapper(  # a kind of aspect not mapped: said, not dropped silently
            entityUrn=urn, aspect=m.BrowsePathsV2Class(path=[m.BrowsePathEntryClass(id="orders")])
        ),
    ]
    write_metadata_file(path, records)
    return path


def _spark(tmp_path: Path) -> Path:
    events = tmp_path / "events.json"
    table = {"namespace": ORDERS_DB, "name": "orders.public.customer_orders"}
    events.write_text(json.dumps([complete("spark_orders", [], [table], job_namespace="spark")]))
    return events


def test_datahub_metadata_meets_lineage_on_one_node(store_args, open_test_store, tmp_path):
    lineagemesh_ok("ingest", "openlineage", *store_args, str(_spark(tmp_path)))
    seed = _seed_file(tmp_path / "datahub.json")
    done = lineagemesh_ok("ingest", "datahub", *store_args, str(seed))
    # the raw table is in no lineage yet: without a mapping it cannot be placed, and is said so
    assert (
        "no namespace known for urn:li:dataset:(urn:li:dataPlatform:postgres,orders.public.orders,PROD)"
        in done.stderr
    )
    assert "note: 1 browsePathsV2 aspects not mapped" in done.stderr
    lineagemesh_ok(
        "ingest", "datahub", *store_args, "--platform-namespace", f"postgres={ORDERS_DB}", str(seed)
    )
    with open_test_store() as store:
        nodes = store.nodes(
            [TABLE, RAW, field_id(ORDERS_DB, "orders.public.customer_orders", "email")]
        )
        table = nodes[TABLE].props
        assert table["description"] == "Every order a customer placed"
        assert table["freshnessHours"] == 2.0 and table["containsPii"] is True
        assert table["tags"] == ["Customer"]  # a glossary term, as a tag
        email = nodes[field_id(ORDERS_DB, "orders.public.customer_orders", "email")].props
        assert (email["description"], email["pii"], email["tags"]) == (
            "Where receipts go",
            True,
            ["pii"],
        )
        assert nodes[RAW].props["description"] == "orders as the app writes them"
        # one node: Spark's writer and DataHub's lineage job both write the same dataset
        writers = {e.source for e in store.edges([TABLE], [EdgeKind.WRITES], "in")}
        assert writers == {
            "job:spark:spark_orders",
            f"job:datahub:{ORDERS_DB.replace(':', '%3A')}/orders.public.customer_orders",
        }
        owners = {
            e.target: e.props["type"] for e in store.edges([TABLE], [EdgeKind.OWNED_BY], "out")
        }
        assert owners == {"owner:orders-team": "dataowner", "owner:alice": "technical_owner"}
        domains = {e.target for e in store.edges([TABLE], [EdgeKind.BELONGS_TO], "out")}
        assert domains == {"domain:orders"}
        derives = store.edges(
            [field_id(ORDERS_DB, "orders.public.customer_orders", "email")],
            [EdgeKind.DERIVES_FROM],
            "out",
        )
        # (the first, unmapped load named the raw table by its platform alone: `postgres`)
        assert field_id(ORDERS_DB, "orders.public.orders", "customer_email") in {
            e.target for e in derives
        }
        product = product_id("orders", "customer_orders")
        assert store.nodes([product])[product].props["freshnessHours"] == 1.0
        assert [e.target for e in store.edges([product], [EdgeKind.EXPOSES], "out")] == [TABLE]


def test_a_broken_datahub_file_is_refused_at_its_line(store_args, open_test_store, tmp_path):
    seed = _seed_file(tmp_path / "datahub.json")
    records = json.loads(seed.read_text())
    records[2]["entityUrn"] = "not-an-urn"
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(records, indent=4))
    starts = [i + 1 for i, text in enumerate(broken.read_text().splitlines()) if text == "    {"]
    done = lineagemesh("ingest", "datahub", *store_args, str(seed), str(broken))
    assert done.returncode == 2, done.stderr
    assert f"{broken}:{starts[2]}: entityUrn 'not-an-urn' is not a DataHub urn" in done.stderr
    with open_test_store() as store:
        assert store.nodes([TABLE]) == {}


def _pipeline_file(path: Path) -> Path:
    """An Airflow DAG and its tasks as DataHub's Airflow plugin registers them (dataFlow, dataJob,
    dataJobInputOutput in both its list and its edge form), written by the SDK's file sink writer."""
    flow = make_data_flow_urn("airflow", "orders_dag", "prod")
    load = make_data_job_urn_with_flow(flow, "load_orders")
    extract = make_data_job_urn_with_flow(flow, "extract_orders")
    raw = make_dataset_urn("postgres", "orders.public.orders", "PROD")
    customers = make_dataset_urn("postgres", "orders.public.customers", "PROD")
    table = make_dataset_urn("postgres", "orders.public.customer_orders", "PROD")
    spark = make_data_flow_urn("spark", "nightly_rollup", "prod")
    records: list[m.MetadataChangeEventClass | MetadataChangeProposalWrapper] = [
        MetadataChangeProposalWrapper(
            entityUrn=flow,
            aspect=m.DataFlowInfoClass(
                name="orders_dag", description="Loads orders every hour", project="sales"
            ),
        ),
        _owned_by_the_orders_team(flow),
        m.MetadataChangeEventClass(  # the snapshot form of a task
            proposedSnapshot=m.DataJobSnapshotClass(
                urn=extract,
                aspects=[m.DataJobInfoClass(name="extract_orders", type="COMMAND", flowUrn=flow)],
            )
        ),
        MetadataChangeProposalWrapper(
            entityUrn=load,
            aspect=m.DataJobInfoClass(
                name="load_orders",
                type="COMMAND",
                flowUrn=flow,
                description="Joins orders to customers",
                customProperties={"retries": "3"},
            ),
        ),
        MetadataChangeProposalWrapper(
            entityUrn=load,
            aspect=m.DataJobInputOutputClass(
                inputDatasets=[raw],
                outputDatasets=[],
                inputDatasetEdges=[m.EdgeClass(destinationUrn=customers)],
                outputDatasetEdges=[m.EdgeClass(destinationUrn=table)],
                inputDatajobs=[extract],
                fineGrainedLineages=[_derived((customers, "email"), (table, "email"))],
            ),
        ),
        MetadataChangeProposalWrapper(  # a flow no lineage names: placed by its orchestrator
            entityUrn=spark, aspect=m.DataFlowInfoClass(name="nightly_rollup")
        ),
    ]
    write_metadata_file(path, records)
    return path


JOB_QUERY = """query($ns: String!, $name: String!) { job(namespace: $ns, name: $name) {
  id description jobType integration owners { name } inputs { id } outputs { id } } }"""


def test_datahub_flows_and_jobs_meet_their_openlineage_jobs(store_args, open_test_store, tmp_path):
    events = tmp_path / "events.json"
    raw = {"namespace": ORDERS_DB, "name": "orders.public.orders"}
    table = {"namespace": ORDERS_DB, "name": "orders.public.customer_orders"}
    events.write_text(
        json.dumps([complete("orders_dag.load_orders", [raw], [table], job_namespace="sales")])
    )
    lineagemesh_ok("ingest", "openlineage", *store_args, str(events))
    pipeline = _pipeline_file(tmp_path / "pipeline.json")
    done = lineagemesh_ok(
        "ingest",
        "datahub",
        *store_args,
        "--platform-namespace",
        f"postgres={ORDERS_DB}",
        str(pipeline),
    )
    # the DAG's namespace is the one its tasks have in the graph; the Spark flow's is unknown
    assert "no namespace known for urn:li:dataFlow:(spark,nightly_rollup,prod)" in done.stderr
    assert "orders_dag" not in done.stderr and "not mapped" not in done.stderr
    store = open_test_store()
    load = run(store, JOB_QUERY, ns="sales", name="orders_dag.load_orders")["job"]
    customers = dataset_id(ORDERS_DB, "orders.public.customers")
    assert load["id"] == "job:sales:orders_dag.load_orders"  # the OpenLineage job: one node
    assert (load["description"], load["jobType"], load["integration"]) == (
        "Joins orders to customers",
        "TASK",
        "AIRFLOW",
    )
    assert {d["id"] for d in load["inputs"]} == {RAW, customers}
    assert [d["id"] for d in load["outputs"]] == [TABLE]
    dag = run(store, JOB_QUERY, ns="sales", name="orders_dag")["job"]
    assert (dag["description"], dag["jobType"], [o["name"] for o in dag["owners"]]) == (
        "Loads orders every hour",
        "DAG",
        ["orders-team"],
    )
    assert run(store, JOB_QUERY, ns="spark", name="nightly_rollup")["job"]["jobType"] == "DAG"
    props = store.nodes([load["id"]])[load["id"]].props
    assert props["parentJob"] == "job:sales:orders_dag"
    assert props["upstreamJobs"] == ["job:sales:orders_dag.extract_orders"]
    email = field_id(ORDERS_DB, "orders.public.customer_orders", "email")
    assert {e.target for e in store.edges([email], [EdgeKind.DERIVES_FROM], "out")} == {
        field_id(ORDERS_DB, "orders.public.customers", "email")
    }


def test_a_lineage_exported_for_datahub_is_read_by_its_sdk_and_back(store_args, tmp_path):
    """``export --format datahub`` writes MCPs DataHub's own reader takes (each aspect validated
    against its model), and ``ingest datahub`` reads them back as the same datasets and jobs."""
    orders = {"namespace": ORDERS_DB, "name": "orders.public.orders"}
    table = {"namespace": ORDERS_DB, "name": "orders.public.customer_orders"}
    rollup = {"namespace": "s3://lake", "name": "rollups/by_region"}
    events = tmp_path / "events.json"
    events.write_text(
        json.dumps(
            [
                complete("orders_dag.load_orders", [orders], [table], job_namespace="sales"),
                complete("rollup", [table], [rollup], job_namespace="spark"),
            ]
        )
    )
    lineagemesh_ok("ingest", "openlineage", *store_args, str(events))
    exported = tmp_path / "datahub.json"
    lineagemesh_ok(
        "export", *store_args, TABLE, "--format", "datahub", "-o", str(exported),
        "--platform-namespace", f"postgres={ORDERS_DB}", "--platform-namespace", "airflow=sales",
    )  # fmt: skip
    read = list(read_metadata_file(exported))  # DataHub's reader: raises on what it cannot take
    assert all(isinstance(r, MetadataChangeProposalWrapper) for r in read)  # each one aspect
    wrappers = [r for r in read if isinstance(r, MetadataChangeProposalWrapper)]
    aspects = {(r.entityUrn, r.aspectName) for r in wrappers}
    load = make_data_job_urn("airflow", "orders_dag", "load_orders", "prod")
    assert (load, "dataJobInputOutput") in aspects
    assert (make_data_flow_urn("airflow", "orders_dag", "prod"), "dataFlowInfo") in aspects
    assert (
        make_dataset_urn("s3", "lake/rollups/by_region", "PROD"),
        "datasetProperties",
    ) in aspects
    [io] = [
        r.aspect for r in wrappers if (r.entityUrn, r.aspectName) == (load, "dataJobInputOutput")
    ]
    assert isinstance(io, m.DataJobInputOutputClass)  # read as DataHub's own model
    assert io.inputDatasets == [make_dataset_urn("postgres", "orders.public.orders", "PROD")]

    again = tmp_path / "again"
    lineagemesh_ok(
        "ingest", "datahub", "--data-dir", str(again), str(exported),
        "--platform-namespace", f"postgres={ORDERS_DB}", "--platform-namespace", "airflow=sales",
    )  # fmt: skip
    with open_store(data_dir=again) as store:
        load_job = run(store, JOB_QUERY, ns="sales", name="orders_dag.load_orders")["job"]
        rollup_job = run(store, JOB_QUERY, ns="spark", name="rollup")["job"]
    assert [d["id"] for d in load_job["inputs"]] == [RAW]
    assert [d["id"] for d in load_job["outputs"]] == [TABLE]
    assert [d["id"] for d in rollup_job["inputs"]] == [TABLE]
    assert [d["id"] for d in rollup_job["outputs"]] == [
        dataset_id("s3://lake", "rollups/by_region")
    ]
