"""Writes ``docs/reference/configuration.md``, the configuration files' reference, from the tables of
keys their loaders check every file against (``graph.core.config_schema``): the tokens file
(``graph.core.auth``), the webhooks file (``graph.notify.webhook_config``) and the domain rules
(``ingest.domain_rules``). Written from the code, so it cannot drift from what the loaders accept.

``tests/test_docs_site.py`` fails while the checked-in page differs from what this writes::

    python scripts/generate_config_reference.py          # rewrite docs/reference/configuration.md
    python scripts/generate_config_reference.py --check  # exit 1, with a diff, when it is stale
"""

from __future__ import annotations

import sys

from generate_cli_reference import ROOT, checked_or_written  # puts the checkout first on sys.path

from graph.core.auth import TOKENS_FILE  # the checkout's, not an installed one
from graph.core.config_schema import ConfigFile
from graph.notify.webhook_config import WEBHOOKS_FILE
from ingest.domain_rules import DOMAIN_RULES_FILE

PAGE = ROOT / "docs" / "reference" / "configuration.md"
FILES = (TOKENS_FILE, WEBHOOKS_FILE, DOMAIN_RULES_FILE)

HEADER = """# Configuration files

Every key of the files `lineagemesh` reads, with its kind, its default and what it means. Each
file is YAML, or JSON when its name ends in `.json`. A file is checked against this table before
the server or command starts: a key not listed, a required key missing or a value of the wrong kind
is refused as `FILE:LINE: WHERE: REASON` (exit 2), and nothing is served or written. This page is
written from the tables the loaders check against by `python scripts/generate_config_reference.py`;
a test fails while it is stale.
"""


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _section(config: ConfigFile) -> list[str]:
    out = [f"## {config.title}", "", f"Read from {config.read_by}. {config.about}", ""]
    out += ["```yaml", config.example.rstrip(), "```", ""]
    out += ["| key | kind | default | what |", "|---|---|---|---|"]
    for name, key in config.rows():
        default = key.default if key.default.startswith(("(", "`")) else f"`{key.default}`"
        out.append(
            f"| `{name}` | {_cell(key.kind.name)} | {default if key.default else ''} "
            f"| {_cell(key.meaning)} |"
        )
    return [*out, ""]


def config_reference() -> str:
    """The reference page of the configuration files, as this checkout's loaders declare them."""
    sections = [line for config in FILES for line in _section(config)]
    return HEADER + "\n" + "\n".join(sections).rstrip() + "\n"


if __name__ == "__main__":
    sys.exit(checked_or_written(PAGE, config_reference(), sys.argv[1:]))
