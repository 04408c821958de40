"""The native core's boundary: ``native/core/`` is C++ with no Python in it, ``native/marquez/``
Marquez's HTTP shapes written over the core's views (the core never includes it), and
``native/bindings/`` the CPython module over both. A core or renderer file that reaches for Python
(or a core file for the renderer or a binding) fails here, before the unit tests
(tests/test_native_core.py) would fail to build without Python."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "native" / "core"
MARQUEZ = ROOT / "native" / "marquez"
BINDINGS = ROOT / "native" / "bindings"
#: Headers of the libraries vendored in native/vendor/ (C, no Python) the core may include.
VENDORED = {path.name for path in (ROOT / "native" / "vendor").glob("*/*.h")}

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
PYTHON = re.compile(r"\bPy[A-Z_]\w*|\b_object\b")


def _files(directory: Path) -> list[Path]:
    return sorted(path for path in directory.iterdir() if path.suffix in (".h", ".cc"))


def _core_files() -> list[Path]:
    return _files(CORE)


def _python_free_files() -> list[Path]:
    return _files(CORE) + _files(MARQUEZ)


def test_the_core_and_the_bindings_are_where_the_build_looks():
    assert _core_files(), "native/core/ holds the core"
    assert sorted(MARQUEZ.glob("*.cc")), "native/marquez/ holds Marquez's renderer"
    assert sorted(BINDINGS.glob("*.cc")), "native/bindings/ holds the module"
    assert not sorted((ROOT / "native").glob("*.cc")) and not sorted(
        (ROOT / "native").glob("*.h")
    ), (
        "native/ holds only core/, marquez/, bindings/ and vendor/: put a new file in the one it belongs to"
    )


def test_no_core_or_renderer_file_includes_python_or_a_binding():
    core_names = {path.name for path in _core_files()} | VENDORED
    own = {CORE: core_names, MARQUEZ: core_names | {path.name for path in _files(MARQUEZ)}}
    found = []
    for path in _python_free_files():
        allowed = own[path.parent]
        for bracket, name in INCLUDE.findall(path.read_text()):
            if (bracket == "<" and name.startswith("Python")) or name in (
                "Python.h",
                "structmember.h",
                "datetime.h",
            ):
                found.append(f"{path.relative_to(ROOT)}: includes {name}")
            elif bracket == '"' and name not in allowed:
                found.append(
                    f"{path.relative_to(ROOT)}: includes {name}, which is not a header it may use"
                )
    assert not found, "\n".join(found)


def test_no_core_or_renderer_file_names_the_python_c_api():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _python_free_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PYTHON.search(line.split("//")[0])
    ]
    assert not found, "\n".join(found)
