"""Who may do what: bearer tokens, roles, and the domains a writer may write.

Tokens are configured in a file (``serve --auth-file``, YAML or JSON) or in the environment
(``LINEAGEMESH_TOKENS``: the same document as JSON, or just its ``tokens`` list)::

    read: token                  # GraphQL and /metrics need a token; `open`: anyone may read
    tokens:
      - principal: spark-sales
        token_sha256: 2c26b46b...  # sha256 (hex) of the token: the file then holds no secret
        roles: [writer]
        domains: [sales]           # the domains it may write; "*": every domain
      - principal: grafana
        token: "a-long-random-string-of-at-least-16-chars"   # or the token itself
        roles: [reader]
      - principal: ops
        token_sha256: fcde2b2e...
        roles: [admin]

Roles nest: an admin is a writer, a writer is a reader. A writer may write datasets of the domains
it lists and datasets no domain claims (``graph.intake.authorization`` says which domains a write
touches); an admin may write anything. Clients send ``Authorization: Bearer <token>``, which is
what OpenLineage's ``api_key`` HTTP auth sends. Only the sha256 of each token is kept in memory,
and a presented token is compared with every known digest in constant time.

Without tokens the server runs in *local mode*: it answers loopback clients only (as an
anonymous admin) and refuses everyone else, like Redis's protected mode. ``--insecure-no-auth``
drops even that (every client is an admin). ``/healthz`` is always open.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import string
from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from graph.core.config_schema import (
    MAPPINGS,
    REQUIRED,
    STRING,
    STRING_OR_STRINGS,
    ConfigFile,
    Key,
    Kind,
    Located,
    choice,
)
from graph.core.documents import load_located
from graph.core.principal import Principal, Role

MIN_TOKEN_CHARS = 16
ALL_DOMAINS = "*"
_REALM = 'Bearer realm="lineagemesh"'


class InvalidAuthConfig(ValueError):
    """A token file or LINEAGEMESH_TOKENS value that cannot be used; the message names the entry."""


class ReadAccess(str, Enum):
    OPEN = "open"  # GraphQL and /metrics answer anyone
    TOKEN = "token"  # they need a token (any role)


_ROLE_NAMES = tuple(role.value for role in Role)
ROLES = Kind(
    "reader, writer or admin, or a list of them",
    lambda v: (
        v in _ROLE_NAMES or (isinstance(v, list) and bool(v) and all(r in _ROLE_NAMES for r in v))
    ),
)

#: The tokens file's keys (``docs/reference/configuration.md`` is written from them).
TOKENS_FILE = ConfigFile(
    title="Tokens",
    read_by="`lineagemesh serve --auth-file FILE` (env `LINEAGEMESH_AUTH_FILE`), or the same "
    "document as JSON in `LINEAGEMESH_TOKENS` (or just its `tokens` list)",
    about="Who may call the server, and what each caller may do. Without tokens the server "
    "answers loopback clients only. [Authentication and limits](../authentication.md) tells how "
    "roles and domains are judged.",
    example="""\
read: token
tokens:
  - principal: spark-sales
    token_sha256: 2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae
    roles: [writer]
    domains: [sales]
  - principal: grafana
    token: a-long-random-string-of-at-least-16-chars
    roles: [reader]
""",
    keys=(
        Key(
            "read",
            choice(*(r.value for r in ReadAccess)),
            ReadAccess.TOKEN.value,
            "who may ask GraphQL and `/metrics`: `token`, a caller with a token of any role; "
            "`open`, anyone (writing always needs a writer's token)",
        ),
        Key(
            "tokens",
            MAPPINGS,
            REQUIRED,
            "the tokens the server accepts, at least one; no two alike",
            keys=(
                Key(
                    "principal",
                    STRING,
                    REQUIRED,
                    "who the token stands for: the name in the log, in what its writes record, "
                    "and for `--kafka-principal`",
                ),
                Key(
                    "token",
                    STRING,
                    "(or `token_sha256`)",
                    f"the token itself, at least {MIN_TOKEN_CHARS} characters without surrounding "
                    "spaces (e.g. from `openssl rand -hex 32`); exactly one of `token` and "
                    "`token_sha256` is given",
                ),
                Key(
                    "token_sha256",
                    STRING,
                    "(or `token`)",
                    "the token's sha256, 64 hex digits (`sha256sum`): the file then holds no secret",
                ),
                Key(
                    "roles",
                    ROLES,
                    REQUIRED,
                    "`reader`, `writer` or `admin` (of a list, the highest); roles nest: an admin "
                    "is a writer, a writer is a reader",
                ),
                Key(
                    "domains",
                    STRING_OR_STRINGS,
                    "`[]`",
                    'the domains a writer may write, or `"*"` for every one; with none it writes '
                    "only datasets no domain claims",
                ),
            ),
        ),
    ),
)


LOCAL = Principal("local", Role.ADMIN, None)  # a loopback client of a server without tokens
ANONYMOUS = Principal("anonymous", Role.READER)  # no token, where reading is open
INSECURE = Principal("anonymous", Role.ADMIN, None)  # anyone, under --insecure-no-auth


class AuthError(Exception):
    """A request refused: 401 (no or unknown token) or 403 (known, but not allowed)."""

    def __init__(self, status: int, error: str, challenge: str | None = None) -> None:
        super().__init__(error)
        self.status = status
        self.error = error
        self.headers = {"WWW-Authenticate": challenge} if challenge else {}


def unauthenticated(error: str, code: str | None = None) -> AuthError:
    """401 with the RFC 6750 challenge (``error="invalid_token"`` when a token was wrong)."""
    return AuthError(401, error, _REALM + (f', error="{code}"' if code else ""))


def forbidden(error: str) -> AuthError:
    return AuthError(403, error)


def token_digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def is_loopback(host: str | None) -> bool:
    """Whether a client address (or a bind host) is this machine's loopback interface."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


@dataclass(frozen=True, slots=True)
class _Token:
    digest: bytes = field(repr=False)
    principal: Principal


@dataclass(frozen=True)
class AuthConfig:
    """The tokens a server accepts and its read policy; ``authorize`` judges one request."""

    tokens: tuple[_Token, ...] = ()
    read: ReadAccess = ReadAccess.TOKEN
    insecure: bool = False  # --insecure-no-auth: no tokens, and every client is an admin

    @property
    def local_mode(self) -> bool:
        return not self.tokens and not self.insecure

    # -- loading ------------------------------------------------------------------------------

    @classmethod
    def parse(cls, document: Any, source: str, located: Located | None = None) -> AuthConfig:
        """A token document (see the module docstring); a bare list is taken as its ``tokens``.
        Refusals name ``source`` (and the line, given the document's ``located``)."""
        located = located or Located(source, InvalidAuthConfig)
        if isinstance(document, list):
            document, located = {"tokens": document}, located.under("tokens")
        document = TOKENS_FILE.check(document, located)
        if not document["tokens"]:
            raise located.error(("tokens",), "a non-empty list of tokens is required")
        tokens: list[_Token] = []
        seen: dict[bytes, str] = {}
        for i, raw in enumerate(document["tokens"]):
            token = _parse_token(raw, located, ("tokens", i))
            if token.digest in seen:
                raise located.error(
                    ("tokens", i), f"the same token as principal {seen[token.digest]!r}"
                )
            seen[token.digest] = token.principal.name
            tokens.append(token)
        return cls(tuple(tokens), ReadAccess(document.get("read", ReadAccess.TOKEN.value)))

    @classmethod
    def load(cls, path: Path) -> AuthConfig:
        document, located = load_located(path, InvalidAuthConfig, "tokens")
        return cls.parse(document, str(path), located)

    @classmethod
    def from_json(cls, text: str, source: str = "LINEAGEMESH_TOKENS") -> AuthConfig:
        try:
            document = json.loads(text)
        except ValueError as e:
            raise InvalidAuthConfig(f"{source}: not valid JSON: {e}") from None
        return cls.parse(document, source)

    # -- judging requests ---------------------------------------------------------------------

    def principal_for(self, token: str) -> Principal | None:
        """The principal a token stands for; every digest is compared, in constant time."""
        digest = token_digest(token)
        found = None
        for known in self.tokens:
            if hmac.compare_digest(known.digest, digest):
                found = known.principal
        return found

    def authorize(
        self, authorization: str | None, client_host: str | None, need: Role
    ) -> Principal:
        """Who a request acts as, given its Authorization header and client address, if it may
        act as ``need``; raises ``AuthError`` (401 or 403) otherwise."""
        if self.insecure:
            return INSECURE
        if self.local_mode:
            if is_loopback(client_host):
                return LOCAL
            raise forbidden(
                "no tokens are configured: this server answers loopback clients only "
                "(configure tokens with --auth-file or LINEAGEMESH_TOKENS)"
            )
        if not authorization:
            if need is Role.READER and self.read is ReadAccess.OPEN:
                return ANONYMOUS
            raise unauthenticated("missing bearer token: send Authorization: Bearer <token>")
        scheme, _, token = authorization.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise unauthenticated(
                "malformed Authorization header: expected Bearer <token>", "invalid_request"
            )
        principal = self.principal_for(token)
        if principal is None:
            raise unauthenticated("invalid bearer token", "invalid_token")
        if not principal.can(need):
            raise forbidden(
                f"principal {principal.name!r} ({principal.role.value}) may not {_VERBS[need]}"
            )
        return principal


_VERBS = {Role.READER: "read", Role.WRITER: "write", Role.ADMIN: "administer"}


def _parse_token(raw: dict[str, Any], located: Located, at: tuple[str | int, ...]) -> _Token:
    """One entry of ``tokens``, its keys of their kinds (``TOKENS_FILE``)."""
    if ("token" in raw) == ("token_sha256" in raw):
        raise located.error(at, "give exactly one of token, token_sha256")
    if "token" in raw:
        token = raw["token"]
        if len(token) < MIN_TOKEN_CHARS or token != token.strip():
            raise located.error(
                (*at, "token"),
                f"at least {MIN_TOKEN_CHARS} characters without surrounding spaces are required "
                "(e.g. from `openssl rand -hex 32`)",
            )
        digest = token_digest(token)
    else:
        hexdigest = raw["token_sha256"]
        if len(hexdigest) != 64 or not set(hexdigest.lower()) <= set(string.hexdigits.lower()):
            raise located.error(
                (*at, "token_sha256"), "64 hex digits are required (sha256sum of the token)"
            )
        digest = bytes.fromhex(hexdigest)
    roles = raw["roles"]
    role = max(
        (Role(r) for r in ([roles] if isinstance(roles, str) else roles)), key=lambda r: r.rank
    )
    domains = raw.get("domains", [])
    if isinstance(domains, str):
        domains = [domains]
    return _Token(
        digest,
        Principal(raw["principal"], role, None if ALL_DOMAINS in domains else frozenset(domains)),
    )


def describe(config: AuthConfig) -> Iterable[str]:
    """One line per principal, for the startup log (never a token)."""
    for token in config.tokens:
        p = token.principal
        domains = (
            ""
            if p.role is not Role.WRITER
            else " domains="
            + ("*" if p.domains is None else ",".join(sorted(p.domains)) or "(unowned only)")
        )
        yield f"{p.name}: {p.role.value}{domains}"
