"""``lineagemesh check``: the pull-request check; the command and its options live with the check
itself (``graph.check.command``), this module only names it for the group."""

from __future__ import annotations

from graph.check.command import check

__all__ = ["check"]
