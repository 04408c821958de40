"""Which columns a source declares as personal data: the one rule every ingester and query uses.

An explicit flag wins (``pii: true``, or a property such as ``isPii``/``contains_pii``/
``personalData`` with a yes/no value); otherwise a sensitive ``classification`` (restricted,
confidential, secret, pii, personal, spi, phi, ...) or a tag (``pii``, ``sensitive``,
``personal-data``, ``gdpr``, ``pii:true``) marks the column.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

SENSITIVE_CLASSES = frozenset(
    {
        "restricted",
        "confidential",
        "highlyconfidential",
        "strictlyconfidential",
        "secret",
        "topsecret",
        "sensitive",
        "pii",
        "personal",
        "personaldata",
        "spi",
        "phi",
        "gdpr",
    }
)
PII_TAGS = frozenset(
    {"pii", "containspii", "personal", "personaldata", "sensitive", "spi", "phi", "gdpr"}
)
PII_KEYS = frozenset(
    {"pii", "ispii", "containspii", "haspii", "personaldata", "personalinformation"}
)
CLASSIFICATION_KEYS = frozenset({"classification", "dataclassification", "sensitivity"})


def normalise(text: str) -> str:
    """Lower case without separators, so ``contains_pii``, ``containsPii`` and ``Contains-PII`` meet."""
    return re.sub(r"[^a-z0-9]", "", text.lower())


def truthy(value: Any) -> bool | None:
    """A yes/no flag as sources write it; ``None`` when the value says neither."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "y", "1"):
            return True
        if text in ("false", "no", "n", "0"):
            return False
    return None


def classification_of(properties: Mapping[str, Any]) -> Any:
    """The first classification-like property (``classification``, ``data_classification``, ...)."""
    for key, value in properties.items():
        if normalise(key) in CLASSIFICATION_KEYS and isinstance(value, str):
            return value
    return None


def is_pii(
    explicit: Any = None,
    classification: Any = None,
    tags: Iterable[Any] = (),
    properties: Mapping[str, Any] | None = None,
) -> bool:
    """Whether a column is declared personal data, from its flag, properties, classification and tags."""
    flag = truthy(explicit)
    if flag is not None:
        return flag
    for key, value in (properties or {}).items():
        if normalise(key) in PII_KEYS and truthy(value) is not None:
            return bool(truthy(value))
    if classification is None and properties:
        classification = classification_of(properties)
    if isinstance(classification, str) and normalise(classification) in SENSITIVE_CLASSES:
        return True
    for tag in tags:
        if not isinstance(tag, str):
            continue
        key, sep, value = tag.partition(":") if ":" in tag else tag.partition("=")
        if sep and normalise(key) in PII_KEYS and truthy(value):
            return True
        if not sep and normalise(tag) in PII_TAGS:
            return True
    return False
