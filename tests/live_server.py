"""A real lineagemesh server process on a free 127.0.0.1 port, for tests that go over HTTP: the
launcher scripts/devservers/lineagemesh.py shares with the benchmarks, under the name the tests use."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from devservers.lineagemesh import LineagemeshServer as LiveServer
from devservers.lineagemesh import free_port

__all__ = ["LiveServer", "free_port"]
