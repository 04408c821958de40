"""The native core's boundary: ``native/core/`` is C++ with no Python in it, ``native/bindings/`` the
CPython module over it. A core file that reaches for Python (or for a binding) fails here, before
the core's own unit tests (tests/test_native_core.py) would fail to build without Python."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "native" / "core"
BINDINGS = ROOT / "native" / "bindings"

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.MULTILINE)
PYTHON = re.compile(r"\bPy[A-Z_]\w*|\b_object\b")


def _core_files() -> list[Path]:
    return sorted(path for path in CORE.iterdir() if path.suffix in (".h", ".cc"))


def test_the_core_and_the_bindings_are_where_the_build_looks():
    assert _core_files(), "native/core/ holds the core"
    assert sorted(BINDINGS.glob("*.cc")), "native/bindings/ holds the module"
    assert not sorted((ROOT / "native").glob("*.cc")) and not sorted(
        (ROOT / "native").glob("*.h")
    ), "native/ holds only core/ and bindings/: put a new file in the one it belongs to"


def test_no_core_file_includes_python_or_a_binding():
    core_names = {path.name for path in _core_files()}
    found = []
    for path in _core_files():
        for bracket, name in INCLUDE.findall(path.read_text()):
            if (bracket == "<" and name.startswith("Python")) or name in (
                "Python.h",
                "structmember.h",
                "datetime.h",
            ):
                found.append(f"{path.relative_to(ROOT)}: includes {name}")
            elif bracket == '"' and name not in core_names:
                found.append(
                    f"{path.relative_to(ROOT)}: includes {name}, which is not a core header"
                )
    assert not found, "\n".join(found)


def test_no_core_file_names_the_python_c_api():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _core_files()
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if PYTHON.search(line.split("//")[0])
    ]
    assert not found, "\n".join(found)
