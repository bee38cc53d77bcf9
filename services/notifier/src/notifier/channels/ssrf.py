"""Webhook targets may only reach public addresses: checked when saved and again when sent."""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit


class UnsafeTarget(ValueError):
    """The URL is malformed or resolves to an address webhooks must not reach."""


@lru_cache(maxsize=4096)
def address_allowed(address: str, allow_loopback: bool = False) -> bool:
    """Whether one IP address is a public unicast address (or 127.0.0.1 when allowed).

    A pure function of the address, so remembered; the host is still resolved before every
    send, and each address it resolves to is checked.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if allow_loopback and ip == ipaddress.IPv4Address("127.0.0.1"):
        return True
    return not (
        ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast
        or ip.is_reserved or ip.is_unspecified or not ip.is_global
    )


def check_url(url: str, *, allow_loopback: bool = False) -> None:
    """Raise UnsafeTarget unless `url` is http(s) and all its host's addresses are public."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeTarget("malformed URL") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UnsafeTarget("only http and https URLs with a host are allowed")
    if parts.username or parts.password:
        raise UnsafeTarget("credentials in the URL are not allowed")
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeTarget("host does not resolve") from exc
    addresses = {info[4][0] for info in infos}
    if not addresses:
        raise UnsafeTarget("host does not resolve")
    for address in addresses:
        if not address_allowed(str(address), allow_loopback):
            raise UnsafeTarget("host resolves to a non-public address")
