"""The namespace rule, written once in the native core (``native/core/namespaces.h``) and answered by
``ingest.naming.normal_namespace``, means exactly what the Python rule it replaced meant: that rule
is kept here, verbatim, as the reference (over Python 3.11's ``urllib.parse.urlsplit``), and the two
are compared on generated namespaces built from schemes, userinfo, hosts (names, IPv4, IPv6 and
IPvFuture, bracketed or not, zones), ports, paths, queries, fragments and odd characters; on every
code point in a host; and the translator spells an event's namespaces by the same rule."""

from __future__ import annotations

import json
import re
import sys
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import orjson
import pytest
from command_line import ingest_openlineage
from hypothesis import example, given, settings
from hypothesis import strategies as st
from openlineage_events import complete

from graph import _native
from graph.core.model import RULE_SOURCE, NodeKind
from graph.core.mutations import UpsertNode, decode
from graph.stores import open_store
from ingest.naming import normal_namespace

ROOT = Path(__file__).resolve().parent.parent

# -- the reference: ingest.naming's rule as it was in Python ------------------------------------

_OBJECT_STORES = (("s3", "s3"), ("gs", "gs"), ("abfs", "abfss"), ("wasb", "wasbs"))
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DATABASES = {
    "postgres": "postgres",
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
}


def reference(namespace: str) -> str:
    scheme, sep, rest = namespace.partition("://")
    if not sep or not re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*", scheme):
        return namespace
    lower = scheme.lower()
    if lower.split("+")[0] == "sqlite":
        path = rest[1:] if rest.startswith("/") else rest
        return f"sqlite:{path or ':memory:'}"
    store = next(
        (canonical for prefix, canonical in _OBJECT_STORES if lower.startswith(prefix)), None
    )
    if store:
        bucket = rest.rstrip("/")
        return f"{store}://{bucket}" if bucket and (lower != store or bucket != rest) else namespace
    if lower in _DATABASES:
        return _with_authority(namespace, _DATABASES[lower], None)
    if lower in _DEFAULT_PORTS:
        return _with_authority(namespace, lower, _DEFAULT_PORTS[lower])
    return namespace if scheme == lower else f"{lower}://{rest}"


def _with_authority(namespace: str, scheme: str, default_port: int | None) -> str:
    try:
        parts = urlsplit(namespace)
        port = parts.port
    except ValueError:
        return namespace
    host = parts.hostname or ""
    if not host:
        return namespace
    if ":" in host:
        host = f"[{host}]"
    userinfo = parts.netloc.rpartition("@")[0]
    authority = (
        (f"{userinfo}@" if userinfo else "")
        + host
        + (f":{port}" if port and port != default_port else "")
    )
    tail = parts.path.rstrip("/") + (f"?{parts.query}" if parts.query else "")
    return f"{scheme}://{authority}{tail}"


# -- generated namespaces -----------------------------------------------------------------------

schemes = st.sampled_from(
    ["s3", "s3a", "S3N", "gs", "abfs", "ABFSS", "wasb", "wasbs", "sqlite", "sqlite+pysqlite",
     "postgres", "PostgreSQL", "mysql", "MariaDB", "http", "HTTPS", "hTtP", "kafka", "Hive",
     "file", "hdfs", "1bad", "ht_tp", "", "s3+x", "gsx"]
)  # fmt: skip
#: Characters that mean something to urlsplit, ipaddress or str.lower, and some that do not.
ODD = "/?#@:[]%.\t\r\n \x00\\'\u03a3\u0391\u0130\u00df\u00e9\u2100\uff20\uff0f\uff1a\uff48\U0001f40d\ud800"
hex_digits = st.text(alphabet="0123456789abcdefABCDEF", min_size=0, max_size=5)
octets = st.sampled_from(["0", "1", "01", "255", "256", "99", "", "1a"])
ipv4 = st.lists(octets, min_size=3, max_size=5).map(".".join)
ipv6 = st.one_of(
    st.lists(hex_digits, min_size=1, max_size=10).map(":".join),
    st.tuples(st.lists(hex_digits, max_size=4), st.lists(hex_digits, max_size=4)).map(
        lambda p: ":".join(p[0]) + "::" + ":".join(p[1])
    ),
    st.tuples(st.lists(hex_digits, min_size=1, max_size=7), ipv4).map(
        lambda p: ":".join(p[0]) + ":" + p[1]
    ),
)
zones = st.sampled_from(["", "%eth0", "%Eth0", "%", "%a%b", "%a:b"])
hosts = st.one_of(
    st.sampled_from(["db", "DB.Example.COM", "localhost", "ΟΔΟΣ", "İx", "Straße", "", "a℀b"]),
    st.text(alphabet="abAB-." + ODD, max_size=8),
    ipv4,
    st.tuples(ipv6, zones).map(lambda p: f"[{p[0]}{p[1]}]"),
    st.builds(lambda h, rest: f"[v{h}.{rest}]", hex_digits, st.text(alphabet="aZ:.]", max_size=3)),
    st.sampled_from(["[", "]", "[::1", "::1]", "a]b[c", "[1.2.3.4]", "[::1]x"]),
)
userinfos = st.sampled_from(["", "u@", "u:p@", "a@b@", "U[@", "ü@"])
ports = st.one_of(
    st.just(""),
    st.integers(min_value=0, max_value=70000).map(lambda p: f":{p}"),
    st.sampled_from([":80", ":443", ":0080", ":", ":x", ":+1", ":1:2", ":٣", ":" + "0" * 30 + "5"]),
)
tails = st.text(alphabet="/a?b#=&." + ODD, max_size=10)


@st.composite
def namespaces(draw: st.DrawFn) -> str:
    authority = draw(userinfos) + draw(hosts) + draw(ports)
    sep = draw(st.sampled_from(["://", "://", "://", ":/", ":", ""]))
    return draw(schemes) + sep + authority + draw(tails)


@settings(max_examples=6000, deadline=None)
@given(namespace=namespaces())
@example(namespace="http://\u0391\u03a3.\u0392")  # a sigma before a case-ignorable dot
@example(namespace="postgres://h\tost/p")
@example(namespace="http://[::1%a:b]")
@example(namespace="http://[v1.x]")
@example(namespace="sqlite://")
def test_the_native_rule_is_the_python_rule(namespace: str) -> None:
    assert normal_namespace(namespace) == reference(namespace)


@settings(max_examples=3000, deadline=None)
@given(namespace=st.text(max_size=30))
def test_any_text_too(namespace: str) -> None:
    assert normal_namespace(namespace) == reference(namespace)


def test_every_code_point_in_a_host() -> None:
    """Every code point's lower case, its NFKC check and its part in a capital sigma's final form
    (cased, case-ignorable), before and after the sigma: the generated Unicode tables are Python's."""
    wrong = [
        namespace
        for c in map(chr, range(0x110000))
        for namespace in (f"http://A{c}Σ", f"http://AΣ{c}", f"postgres://{c}{c}x")
        if normal_namespace(namespace) != reference(namespace)
    ]
    assert not wrong, [w.encode("unicode_escape") for w in wrong[:20]]


def test_the_unicode_tables_are_this_pythons() -> None:
    """native/core/unicode_case_data.h is what scripts/generate_unicode_case.py writes now."""
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import generate_unicode_case
    finally:
        sys.path.pop(0)
    assert generate_unicode_case.TARGET.read_text() == generate_unicode_case.generate(), (
        "run python scripts/generate_unicode_case.py"
    )


@pytest.mark.parametrize(
    "scheme",
    ["s3", "s3a", "s3n", "gs", "gsx", "abfs", "abfss", "wasb", "wasbs", "hdfs", "file", ""],
)
def test_ingest_naming_reads_the_cores_object_store_table(scheme: str) -> None:
    """``location_dataset`` and ``is_storage_namespace`` name stores by the core's one table."""
    expected = next((c for prefix, c in _OBJECT_STORES if scheme.startswith(prefix)), None)
    assert _native.object_store(scheme) == expected


@pytest.mark.parametrize("scheme", [*_DATABASES, "postgresqlx", "sqlite", "http", ""])
def test_ingest_naming_reads_the_cores_database_table(scheme: str) -> None:
    """``jdbc_dataset`` spells database schemes by the core's one table."""
    assert _native.database_scheme(scheme) == _DATABASES.get(scheme)


def test_a_namespace_the_rule_keeps_is_the_same_object() -> None:
    sent = "kafka://broker:9092"
    assert normal_namespace(sent) is sent
    with pytest.raises(TypeError, match="str"):
        normal_namespace(b"s3a://b")


def test_the_translator_spells_each_dataset_by_the_rule() -> None:
    sent = ["S3A://Bucket/", "postgresql://DB:5432/", "HTTP://Cat:80/x/", "kafka://B", "[::1"]
    event = {
        "eventType": "COMPLETE",
        "eventTime": "2024-01-01T00:00:00Z",
        "run": {"runId": str(uuid.uuid4())},
        "job": {"namespace": "airflow://etl", "name": "load"},
        "inputs": [{"namespace": ns, "name": "t"} for ns in sent[:2]],
        "outputs": [{"namespace": ns, "name": "t"} for ns in sent[2:]],
    }
    raw = orjson.dumps(
        event
    )  # settled as the Python path hands it over (no schema: never read whole)
    wire, _, _, _ = _native.Translator(None, RULE_SOURCE, None, 200).translate(
        [raw], None, lambda _: (raw, "RunEvent", "2024-01-01T00:00:00.000000Z")
    )
    datasets = {
        m.id for m in decode(wire) if isinstance(m, UpsertNode) and m.kind == NodeKind.DATASET
    }
    assert datasets == {f"dataset:{reference(ns)}:t" for ns in sent}
    assert "dataset:s3://Bucket:t" in datasets and "dataset:http://cat/x:t" in datasets


@pytest.mark.parametrize("workers", ["0", "2"])
def test_the_cli_records_the_one_spelling(tmp_path: Path, workers: str) -> None:
    """``lineagemesh ingest openlineage`` (translating in its own process or in workers) of an event
    naming s3a:// and an upper-case database: the graph holds the spellings every ingester gives."""
    event = complete(
        "load",
        [{"namespace": "postgresql://DB.Foo:5432/", "name": "public.orders"}],
        [{"namespace": "s3a://lake/", "name": "orders"}],
        at="2024-01-01T00:00:00Z",
        job_namespace="airflow://etl",
    )
    events = tmp_path / "events.ndjson"
    events.write_text(json.dumps(event) + "\n")
    done = ingest_openlineage(tmp_path / "store", events, workers=workers)
    assert done.returncode == 0, done.stderr[-3000:]
    with open_store(data_dir=str(tmp_path / "store")) as store:
        found = {node.id for node in store.nodes_of_kind(NodeKind.DATASET, 10)}
    assert found == {"dataset:postgres://db.foo:5432:public.orders", "dataset:s3://lake:orders"}
