# Sourced by scripts/bootstrap, scripts/build-wheel and scripts/sanitize, from the checkout's root.
#
# CMake compiles the native core through ccache when the machine has it (Debian's ccache, which
# `scripts/bootstrap test` installs). The test suite builds the core four ways, and a fresh clone
# builds them all again. Three of them source this: the editable install, the manylinux wheel and
# the sanitized build. With the cache, a C++ file compiled once for a compiler and its flags is not
# compiled again by them, in this clone or the next; a changed file is. The C++ unit tests'
# coverage build (tests/test_native_core.py) does not: gcov cannot read the notes files of objects
# compiled under CCACHE_BASEDIR. It keeps its CMake tree outside the checkout instead.
# LINEAGEMESH_NO_CCACHE=1 compiles everything.
if command -v ccache >/dev/null && [ -z "${LINEAGEMESH_NO_CCACHE:-}" ]; then
  export CMAKE_C_COMPILER_LAUNCHER=ccache CMAKE_CXX_COMPILER_LAUNCHER=ccache
  # Paths under the checkout enter the hash relative to it, and so does the working directory of
  # a build with debug information: the same sources in another clone are the same compile.
  export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=1
fi
