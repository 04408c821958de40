"""Configuration files that cannot be read: every loader (tokens, domain rules) names the file and
why, in its own exception, through ``graph.core.documents.load_document``."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.core.auth import AuthConfig, InvalidAuthConfig
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
