"""Who an operation acts as: a principal's name, role and the domains it may write.

The authorisation layer's own type: the ingest service decides with it which events a caller may
commit, whichever way they arrived (HTTP, Kafka, the command line), and ``graph.core.auth`` makes
principals from bearer tokens. Roles nest: an admin is a writer, a writer is a reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Role(str, Enum):
    READER = "reader"
    WRITER = "writer"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return _RANKS[self]


_RANKS = {Role.READER: 1, Role.WRITER: 2, Role.ADMIN: 3}


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts as: a name for logs and errors, a role, the domains it may write."""

    name: str
    role: Role
    domains: frozenset[str] | None = frozenset()  # None: every domain

    def can(self, role: Role) -> bool:
        return self.role.rank >= role.rank

    @property
    def writes_everywhere(self) -> bool:
        return self.role is Role.ADMIN or (self.role is Role.WRITER and self.domains is None)

    def may_write(self, domain: str) -> bool:
        """Whether it may write datasets of ``domain`` (a domain name)."""
        return self.writes_everywhere or (self.can(Role.WRITER) and domain in (self.domains or ()))
