"""Configuration files that cannot be read or hold what their table of keys does not declare: every
loader (tokens, domain rules, webhooks) names the file, the line and why, in its own exception,
through ``graph.core.documents`` and ``graph.core.config_schema``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from command_line import lineagemesh

from graph.core.auth import AuthConfig, InvalidAuthConfig
from graph.notify.webhook_config import InvalidWebhooks, load_webhooks
from ingest.domain_rules import DomainRules, InvalidRules


@pytest.mark.parametrize(
    ("load", "error", "what"),
    [(AuthConfig.load, InvalidAuthConfig, "tokens"), (DomainRules.load, InvalidRules, "rules")],
)
def test_an_unreadable_file_is_refused_by_name(tmp_path: Path, load, error, what) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"rules": [')  # cut short
    missing = tmp_path / "missing.yaml"
    for path in (broken, missing):
        with pytest.raises(error, match=f"^{path}: cannot read {what}: ."):
            load(path)


def test_a_key_no_file_declares_is_refused_at_its_line(tmp_path: Path) -> None:
    """Each file is checked against its declared keys (``graph.core.config_schema``): an unknown or
    misspelt key, a value of the wrong kind, a required key missing is refused as FILE:LINE."""
    tokens = tmp_path / "tokens.yaml"
    tokens.write_text(
        "tokens:\n"
        "  - principal: etl\n"
        "    token: a-long-random-token-value\n"
        "    roles: [writer]\n"
        "    domian: [sales]\n"
    )
    with pytest.raises(InvalidAuthConfig, match=rf"^{tokens}:5: tokens\[0\]\.domian: unknown key"):
        AuthConfig.load(tokens)
    tokens.write_text(
        "read: token\ntokens:\n  - principal: etl\n    token: short\n    roles: reader\n"
    )
    with pytest.raises(InvalidAuthConfig, match=rf"^{tokens}:4: tokens\[0\]\.token: at least 16"):
        AuthConfig.load(tokens)

    rules = tmp_path / "rules.json"
    rules.write_text(
        json.dumps({"rules": [{"domain": "sales", "name": "s.*"}, {"name": "x"}]}, indent=2)
    )
    with pytest.raises(InvalidRules, match=rf"^{rules}:7: rules\[1\]\.domain: required"):
        DomainRules.load(rules)

    hooks = tmp_path / "webhooks.yaml"
    hooks.write_text(
        "webhooks:\n"
        "  - url: https://hooks.example.com/x\n"
        "    secret: s\n"
        "retry:\n"
        "  window_hours: a day\n"
    )
    with pytest.raises(
        InvalidWebhooks, match=rf"^{hooks}:5: retry\.window_hours: expected a positive number"
    ):
        load_webhooks(hooks, env={})


def test_a_command_given_a_file_with_an_unknown_key_exits_2_naming_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text("rules:\n  - domain: sales\n    nmae: 'orders*'\n")
    events = tmp_path / "events.ndjson"
    events.write_text("")
    done = lineagemesh(
        "ingest",
        "openlineage",
        str(events),
        "--domain-rules",
        str(rules),
        "--data-dir",
        str(tmp_path / "store"),
    )
    assert done.returncode == 2, done.stderr
    assert f"{rules}:3: rules[0].nmae: unknown key 'nmae'" in done.stderr
    assert not (tmp_path / "store").exists()
