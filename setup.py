"""The native core (``graph._native``, C++ in ``native/``); everything else is in pyproject.toml."""

from pathlib import Path

from setuptools import Extension, setup

sources = sorted(str(path) for path in Path("native").glob("*.cc"))

setup(
    ext_modules=[
        Extension(
            "graph._native",
            sources=sources,
            depends=sorted(str(path) for path in Path("native").glob("*.h")),
            language="c++",
            extra_compile_args=["-std=c++17", "-O2", "-fvisibility=hidden", "-Wall", "-Wno-missing-field-initializers"],
        )
    ]
)
