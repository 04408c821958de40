"""Issue 74, finding 6: a file argument that is a device, a FIFO, a symlink to one, not UTF-8, or
nested 100k deep fails at ``file[:line]: reason`` with exit 2, at once, never a traceback
(``graph.core.input_files``). ``--sql /dev/zero`` used to grow to 7.5 GB; a FIFO hung."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from command_line import lineagemesh

from graph.core.input_files import InputError, read_input

DEEP = 100_000


def inputs(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    """Hostile files by name: (path, what the error must say)."""
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    link = tmp_path / "zero-link"
    link.symlink_to("/dev/zero")
    latin = tmp_path / "latin1.sql"
    latin.write_bytes(b"ALTER TABLE t ADD COLUMN c int;\n-- caf\xe9\n")
    parens = tmp_path / "parens.sql"
    parens.write_text("SELECT " + "(" * DEEP + "1" + ")" * DEEP + ";\n")
    deep_json = tmp_path / "deep.json"
    deep_json.write_text('{"a":' * DEEP + "1" + "}" * DEEP)
    deep_yaml = tmp_path / "deep.yaml"
    deep_yaml.write_text("id: x\nschema: " + "[" * DEEP + "]" * DEEP + "\n")
    return {
        "device": (Path("/dev/zero"), "/dev/zero: not a regular file: a character device"),
        "fifo": (fifo, f"{fifo}: not a regular file: a FIFO"),
        "symlink": (link, f"{link}: not a regular file: a character device (through a symlink)"),
        "latin1": (latin, f"{latin}:2: not UTF-8: byte 0xe9 at column 7"),
        "parens": (parens, f"{parens}:1: nested deeper than 32 levels"),
        "json": (deep_json, f"{deep_json}:1: nested deeper than 200 levels"),
        "yaml": (deep_yaml, f"{deep_yaml}:2: nested deeper than 200 levels"),
    }


CASES = [
    ("--sql", "device"),
    ("--sql", "fifo"),
    ("--sql", "symlink"),
    ("--sql", "latin1"),
    ("--sql", "parens"),
    ("--dbt-manifest", "json"),
    ("--dbt-manifest", "fifo"),
    ("--contract", "yaml"),
    ("--contract", "device"),
    ("--iceberg-metadata", "json"),
]


@pytest.mark.parametrize(("option", "kind"), CASES)
def test_check_refuses_a_hostile_file_with_exit_2_at_once(tmp_path, option, kind) -> None:
    path, says = inputs(tmp_path)[kind]
    args = [option, str(path)] + ([str(path)] if option == "--iceberg-metadata" else [])
    started = time.monotonic()
    done = lineagemesh(
        "check",
        *args,
        "--namespace",
        "postgres://db",
        "--data-dir",
        str(tmp_path / "store"),
        timeout=60,
    )
    took = time.monotonic() - started
    assert done.returncode == 2, done.stderr
    assert says in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert took < 15, took  # the process's start; the refusal itself is timed below


@pytest.mark.parametrize("kind", ["device", "fifo", "symlink", "latin1", "parens", "json"])
def test_the_refusal_takes_milliseconds(tmp_path, kind) -> None:
    path, says = inputs(tmp_path)[kind]
    started = time.monotonic()
    with pytest.raises(InputError) as refused:
        read_input(path, "sql" if kind in ("parens", "latin1") else "json")
    assert time.monotonic() - started < 1.0
    assert str(refused.value) == says


def test_ingest_commands_refuse_hostile_files_with_exit_2(tmp_path) -> None:
    files = inputs(tmp_path)
    store = ["--data-dir", str(tmp_path / "store")]
    for args, says in [
        (["ingest", "openlineage", str(files["fifo"][0])], files["fifo"][1]),
        (["ingest", "openlineage", "/dev/zero"], files["device"][1]),
        (["ingest", "openlineage", str(files["json"][0])], files["json"][1]),
        (["ingest", "openlineage", str(files["latin1"][0])], files["latin1"][1]),
        (["ingest", "dbt", str(files["json"][0])], files["json"][1]),
        (["ingest", "quality", str(files["json"][0])], files["json"][1]),
        (["ingest", "quality", str(files["latin1"][0])], files["latin1"][1]),
        (["ingest", "quality", "/dev/zero"], files["device"][1]),
        (["ingest", "contracts", str(files["fifo"][0])], files["fifo"][1]),
    ]:
        done = lineagemesh(*args, *store, timeout=60)
        assert done.returncode == 2, (args, done.stderr)
        assert says in done.stderr and "Traceback" not in done.stderr, done.stderr


def test_a_file_over_the_size_cap_is_refused_before_it_is_read(tmp_path, monkeypatch) -> None:
    big = tmp_path / "big.sql"
    big.write_text("-- x\n" * 1000)
    monkeypatch.setenv("LINEAGEMESH_MAX_INPUT_BYTES", "1000")
    with pytest.raises(InputError, match=r"5000 bytes, over the 1000-byte input limit"):
        read_input(big, "sql")
    monkeypatch.delenv("LINEAGEMESH_MAX_INPUT_BYTES")
    assert read_input(big, "sql").count("\n") == 1000


def test_strings_and_comments_do_not_count_as_nesting(tmp_path) -> None:
    sql = tmp_path / "ok.sql"
    sql.write_text("SELECT '" + "(" * 500 + "' -- " + "(" * 500 + "\n;\n")
    assert read_input(sql, "sql")
    document = tmp_path / "ok.json"
    document.write_text('{"a": "' + "[" * 500 + '"}')
    assert read_input(document, "json")


def test_a_symlink_out_of_the_working_tree_is_refused_unless_asked(tmp_path, monkeypatch) -> None:
    """A pull request's ``contracts/orders.yaml -> ~/.ssh/id_rsa`` would be read and quoted in the
    report; a symlink that stays in the working tree is read as its target."""
    outside = tmp_path / "outside"
    outside.mkdir()
    secret = outside / "id_rsa.yaml"
    secret.write_text("id: secret\n")
    tree = tmp_path / "tree"
    tree.mkdir()
    (tree / "contract.yaml").write_text("id: inside\n")
    (tree / "escape.yaml").symlink_to(secret)
    (tree / "inside.yaml").symlink_to(tree / "contract.yaml")
    monkeypatch.chdir(tree)
    with pytest.raises(InputError, match="a symlink out of the working tree"):
        read_input(Path("escape.yaml"), "yaml")
    assert read_input(Path("inside.yaml"), "yaml") == "id: inside\n"
    monkeypatch.setenv("LINEAGEMESH_INPUT_SYMLINKS", "follow")
    assert read_input(Path("escape.yaml"), "yaml") == "id: secret\n"
    monkeypatch.delenv("LINEAGEMESH_INPUT_SYMLINKS")
    # the commands run in the repository: a link in tmp_path leads out of it
    for args in (["check", "--contract"], ["ingest", "contracts"], ["ingest", "openlineage"]):
        done = lineagemesh(*args, str(tree / "escape.yaml"), "--data-dir", str(tmp_path / "s"))
        assert done.returncode == 2, (args, done.stderr)
        assert "a symlink out of the working tree" in done.stderr, done.stderr
        assert "Traceback" not in done.stderr and "id: secret" not in done.stderr
