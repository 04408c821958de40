"""Writes ``docs/reference/cli.md``, the command line's reference, from its click commands: every
command and subcommand, its usage, what its docstring says, and each option as ``--help`` shows it
(its default and environment variable included). Written from the code, so it cannot drift from it.

``tests/test_docs_site.py`` fails while the checked-in page differs from what this writes::

    python scripts/generate_cli_reference.py          # rewrite docs/reference/cli.md
    python scripts/generate_cli_reference.py --check  # exit 1, with a diff, when it is stale
"""

from __future__ import annotations

import difflib
import inspect
import sys
from pathlib import Path

import click

ROOT = Path(__file__).resolve().parent.parent
PAGE = ROOT / "docs" / "reference" / "cli.md"
sys.path.insert(0, str(ROOT))

from graph.cli import main as lineagemesh  # noqa: E402  (the checkout's, not an installed one)

HEADER = """# Command line

Every `lineagemesh` command and its options, as `lineagemesh COMMAND --help` prints them. This page
is written from the commands themselves by `python scripts/generate_cli_reference.py`; a test fails
while it is stale.
"""


def _help_text(text: str) -> str:
    """A command's docstring as ``--help`` lays it out (its examples keep their lines)."""
    return "\n".join(line for line in inspect.cleandoc(text).splitlines() if line.strip() != "\b")


def _cell(text: str) -> str:
    """One table cell: on one line, its pipes and angle brackets escaped (markdown, not HTML)."""
    return " ".join(text.split()).replace("|", "\\|").replace("<", "&lt;")


def _code_cell(text: str) -> str:
    """A table cell in a code span: its pipes need no escape there (and would show one)."""
    return " ".join(text.split())


def _command_section(command: click.Command, ctx: click.Context) -> list[str]:
    """One command's section, then its subcommands' (a group's), in name order."""
    help_text = f"\n\n{_help_text(command.help)}" if command.help else ""
    out = [f"## {ctx.command_path}", "", "```text", command.get_usage(ctx) + help_text, "```", ""]
    options = [record for p in command.get_params(ctx) if (record := p.get_help_record(ctx))]
    if options:
        out += ["| option | what |", "|---|---|"]
        out += [
            f"| `{_code_cell(names)}` | {_cell(text) or '(argument)'} |" for names, text in options
        ]
        out.append("")
    if isinstance(command, click.Group):
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                out += _command_section(sub, click.Context(sub, info_name=name, parent=ctx))
    return out


def cli_reference() -> str:
    """The reference page for the ``lineagemesh`` command, as this checkout defines it."""
    ctx = click.Context(lineagemesh, info_name="lineagemesh", terminal_width=100)
    return HEADER + "\n" + "\n".join(_command_section(lineagemesh, ctx)).rstrip() + "\n"


def checked_or_written(page: Path, text: str, argv: list[str]) -> int:
    """A generated page's command line: with ``--check``, 1 and a diff when ``page`` is not
    ``text``; else ``page`` (re)written. Every reference generator ends with it."""
    if "--check" in argv:
        current = page.read_text() if page.exists() else ""
        if current == text:
            return 0
        diff = difflib.unified_diff(
            current.splitlines(keepends=True),
            text.splitlines(keepends=True),
            str(page),
            "generated",
        )
        sys.stdout.writelines(diff)
        return 1
    page.parent.mkdir(parents=True, exist_ok=True)
    page.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(checked_or_written(PAGE, cli_reference(), sys.argv[1:]))
