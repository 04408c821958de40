"""Where webhooks may post: http(s) only, and addresses that are not global refused, except the
ranges the operator opted into one by one (``RANGES``: loopback, RFC 1918, link-local; allowing one
never allows another); reserved ranges are refused always. A target is checked when the webhooks
file is read and before each post, and a post connects to the address the check resolved
(``graph.notify.webhook_client``).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Collection
from urllib.parse import urlsplit


class TargetRefused(ValueError):
    """A webhook URL this server will not post to."""


# The non-global ranges a target may be in, each its own opt-in (``--webhooks-allow-<range>``;
# ``--webhooks-allow-private`` is all three): allowing a receiver on this host must not also open
# the cloud metadata address (169.254.169.254) or the office network.
RANGES = ("loopback", "rfc1918", "link-local")
_RFC1918 = tuple(
    ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")
)


def range_of(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Which of ``RANGES`` a non-global address is in: None for a global one, ``"reserved"``
    for one no opt-in allows (shared, benchmark, documentation, multicast, ...)."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1
    if address.is_loopback or address.is_unspecified:  # 0.0.0.0 reaches this host too
        return "loopback"
    if address.is_link_local:
        return "link-local"
    if any(address in net for net in _RFC1918):
        return "rfc1918"
    if address.is_global and not address.is_multicast:
        return None
    return "reserved"


def check_target(url: str, allow: Collection[str] = (), resolve: bool = True) -> None:
    """Raise TargetRefused unless ``url`` is http(s) to a host this server may post to: global
    addresses, and those in the ``allow``ed ones of ``RANGES``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise TargetRefused(f"{url!r}: only http and https URLs with a host are allowed")
    host = parts.hostname
    if not resolve:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if (host == "localhost" or host.endswith(".localhost")) and "loopback" not in allow:
                raise TargetRefused(f"{url!r}: a loopback host{_OPT_IN['loopback']}") from None
            return
    checked_address(host, parts.port or 443, allow, url)


def checked_address(host: str, port: int, allow: Collection[str], url: str = "") -> str:
    """The address to connect to for ``host``: resolved once, every address it resolves to
    checked as :func:`check_target` says (TargetRefused otherwise). The webhook client connects
    to this very address (``graph.notify.webhook_client``), so no second lookup can rebind the
    name to an address the check would refuse."""
    url = url or f"{host}:{port}"
    try:
        addresses = [ipaddress.ip_address(host)]
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
        except OSError as e:
            raise TargetRefused(f"{url!r}: {host} does not resolve: {e}") from None
        addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for address in addresses:
        kind = range_of(address)
        if kind is not None and kind not in allow:
            raise TargetRefused(f"{url!r}: {address} is a {kind} address{_OPT_IN.get(kind, '')}")
    return str(addresses[0])


_OPT_IN = {
    kind: f" (--webhooks-allow-{kind} or --webhooks-allow-private allows it)" for kind in RANGES
}
