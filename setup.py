"""The native core (``graph._native``, C++ in ``native/``); everything else is in pyproject.toml.

``native/core/`` is the core (C++ with no Python in it: the graph, the wire form, the walks, the
rules), ``native/marquez/`` Marquez's HTTP shapes written over the core's views (a renderer the core
never calls), ``native/bindings/`` the CPython module over both; all are compiled into the one
extension.

Its node and edge kinds and id prefixes come from ``graph/model.py`` through the checked-in
``native/core/kinds.h`` (``scripts/generate_kinds.py`` writes it; a test keeps it fresh).
"""

from pathlib import Path

from setuptools import Extension, setup

ROOT = Path(__file__).resolve().parent
NATIVE = [ROOT / "native" / "core", ROOT / "native" / "marquez", ROOT / "native" / "bindings"]
sources = sorted(str(path.relative_to(ROOT)) for part in NATIVE for path in part.glob("*.cc"))

setup(
    ext_modules=[
        Extension(
            "graph._native",
            sources=sources,
            depends=sorted(str(path) for part in NATIVE for path in part.glob("*.h")),
            language="c++",
            # -iquote: the sources' own headers (strings.h, ...) must not shadow the system's <strings.h>
            extra_compile_args=[
                *(f"-iquote{part}" for part in NATIVE),
                "-std=c++17",
                "-O2",
                "-fvisibility=hidden",
                "-Wall",
                "-Wno-missing-field-initializers",
            ],
        )
    ]
)
