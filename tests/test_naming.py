"""One naming module (ingest.naming), table-driven over the OpenLineage naming spec's examples
(``spec/Naming.md`` and the Java client's ``FilesystemDatasetUtils`` tests), and every ingester
naming a location the same way."""

from __future__ import annotations

import pytest
from openlineage_events import complete

from graph.core.model import dataset_id
from graph.core.mutations import UpsertEdge, UpsertNode
from ingest.contracts import dataset_identity
from ingest.naming import jdbc_dataset, location_dataset, normal_namespace, warehouse_namespace
from ingest.openlineage import translate

# (storage location, namespace, name): Naming.md's blob stores and file systems, and the reference
# client's spellings of the same places.
LOCATIONS = [
    ("s3://sales-metrics/orders.csv", "s3://sales-metrics", "orders.csv"),
    ("s3a://sales-metrics/orders.csv", "s3://sales-metrics", "orders.csv"),
    ("s3n://bucket/warehouse/location/", "s3://bucket", "warehouse/location"),
    ("s3://bucket", "s3://bucket", "/"),
    ("gs://sales-metrics/orders.csv", "gs://sales-metrics", "orders.csv"),
    ("gs://bucket/warehouse/location/", "gs://bucket", "warehouse/location"),
    ("hdfs://stg.foo.com:3000/salesorders.csv", "hdfs://stg.foo.com:3000", "/salesorders.csv"),
    ("hdfs://namenode:8020/warehouse/location/", "hdfs://namenode:8020", "/warehouse/location"),
    (
        "abfss://container@account.dfs.core.windows.net/warehouse/location",
        "abfss://container@account.dfs.core.windows.net",
        "warehouse/location",
    ),
    (
        "abfs://container@account.dfs.core.windows.net/warehouse",
        "abfss://container@account.dfs.core.windows.net",
        "warehouse",
    ),
    (
        "wasbs://container@bucket/warehouse/location/",
        "wasbs://container@bucket",
        "warehouse/location",
    ),
    ("wasb://container@bucket/warehouse", "wasbs://container@bucket", "warehouse"),
    ("dbfs:/warehouse/location/", "dbfs", "/warehouse/location"),
    ("file:/warehouse/location/", "file", "/warehouse/location"),
    ("file:///warehouse/location", "file", "/warehouse/location"),
    ("/warehouse/location", "file", "/warehouse/location"),
    ("/", "file", "/"),
]

# (namespace as sent, the one spelling): Naming.md's database namespaces are left as they are;
# spellings of one object store or one catalog become one.
NAMESPACES = [
    ("postgres://db.foo.com:6543", "postgres://db.foo.com:6543"),
    ("mysql://db.foo.com:6543", "mysql://db.foo.com:6543"),
    ("trino://host:8080", "trino://host:8080"),
    (
        "redshift://examplecluster.XXXXXXXXXXXX.us-west-2.redshift.amazonaws.com:5439",
        "redshift://examplecluster.XXXXXXXXXXXX.us-west-2.redshift.amazonaws.com:5439",
    ),
    ("awsathena://athena.us-west-2.amazonaws.com", "awsathena://athena.us-west-2.amazonaws.com"),
    ("snowflake://org-account", "snowflake://org-account"),
    ("bigquery", "bigquery"),
    (
        "sqlserver://XXXXXXXXXXXX.sql.azuresynapse.net:1433",
        "sqlserver://XXXXXXXXXXXX.sql.azuresynapse.net:1433",
    ),
    (
        "azurecosmos://XXXXXXXXXXXX.documents.azure.com/dbs",
        "azurecosmos://XXXXXXXXXXXX.documents.azure.com/dbs",
    ),
    ("kafka://broker:9092", "kafka://broker:9092"),
    ("arn:aws:glue:eu-west-1:123456789012", "arn:aws:glue:eu-west-1:123456789012"),
    ("file", "file"),
    ("s3://sales-metrics", "s3://sales-metrics"),
    ("s3a://sales-metrics", "s3://sales-metrics"),
    ("s3://sales-metrics/", "s3://sales-metrics"),
    ("postgresql://DB.foo.com:6543/", "postgres://db.foo.com:6543"),
    ("POSTGRES://db.foo.com:6543", "postgres://db.foo.com:6543"),
    ("mariadb://db.foo.com:3306", "mysql://db.foo.com:3306"),
    ("abfs://c@acct.dfs.core.windows.net", "abfss://c@acct.dfs.core.windows.net"),
    ("wasb://c@svc", "wasbs://c@svc"),
    ("sqlite:////srv/lake/cat.db", "sqlite:/srv/lake/cat.db"),
    ("sqlite:/srv/lake/cat.db", "sqlite:/srv/lake/cat.db"),
    ("http://catalog:8181", "http://catalog:8181"),
    ("http://catalog:8181/", "http://catalog:8181"),
    ("HTTP://Catalog:8181/api/", "http://catalog:8181/api"),
    ("https://catalog.example.com:443/", "https://catalog.example.com"),
    ("http://[::1]:8181/", "http://[::1]:8181"),
]


@pytest.mark.parametrize(("location", "namespace", "name"), LOCATIONS)
def test_locations_are_named_as_the_spec_names_them(
    location: str, namespace: str, name: str
) -> None:
    assert location_dataset(location) == (namespace, name)
    assert (
        normal_namespace(namespace) == namespace
    )  # what a location is named by is already one spelling


@pytest.mark.parametrize(("sent", "spelled"), NAMESPACES)
def test_namespaces_have_one_spelling(sent: str, spelled: str) -> None:
    assert normal_namespace(sent) == spelled
    assert normal_namespace(spelled) == spelled


def test_warehouses_and_jdbc_urls() -> None:
    assert (
        warehouse_namespace("s3a://bucket/warehouse/location/") == "s3://bucket/warehouse/location"
    )
    assert warehouse_namespace("file:///warehouse") == "file:/warehouse"
    assert warehouse_namespace("abfs://c@acct/w") == "abfss://c@acct/w"
    assert jdbc_dataset("sqlite:////srv/lake/cat.db", "db.t") == ("sqlite:/srv/lake/cat.db", "db.t")
    assert jdbc_dataset("postgresql+psycopg2://db.internal/meta", "db.t") == (
        "postgres://db.internal:5432",
        "meta.db.t",
    )


@pytest.mark.parametrize(
    "location", ["s3a://lake/raw/orders", "abfs://c@acct.dfs.core.windows.net/raw/orders"]
)
def test_every_ingester_names_a_location_alike(location: str) -> None:
    """A contract's server location and an event's dataset namespace, spelled as producers spell
    them, land on the one id the naming module gives the location."""
    expected = dataset_id(*location_dataset(location))
    contract = dataset_identity("s3", {"location": location}, "orders")
    assert contract is not None and dataset_id(contract.namespace, contract.name) == expected
    scheme_and_authority, _, key = location.partition("://")[2].partition("/")
    namespace = location.split("://")[0] + "://" + scheme_and_authority
    event = complete("j", [], [{"namespace": namespace, "name": key}], job_namespace="spark")
    written = {m.id for m in translate(event) if isinstance(m, UpsertNode)}
    assert expected in written
    assert not any(
        m.target.startswith(("dataset:s3a:", "dataset:abfs:"))
        for m in translate(event)
        if isinstance(m, UpsertEdge)
    )
