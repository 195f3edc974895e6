"""Which addresses the fetcher may talk to: http(s) only, public addresses only.

Feed URLs come from admins and from redirects chosen by remote servers, so a URL must not
make the bot reach into its own machine or network (loopback, private ranges, link-local
cloud metadata, multicast, reserved). Two checks together close the gap:

- `check_url` refuses a bad scheme and a literal IP address before any connection (aiohttp
  connects to literal addresses without asking the resolver);
- `GuardedResolver` is the connector's resolver, so a host name is checked against the very
  addresses the connection will use: a name that resolves to a public address for a check
  and to a private one for the connection (DNS rebinding) has no window to slip through.

Every redirect hop is a new request, so both checks apply to it too.
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class BlockedAddressError(OSError):
    """A host resolved only to addresses the policy forbids.

    An OSError, so that aiohttp wraps it in ClientConnectorError like any other
    resolution failure and the fetcher can recognise it by `os_error`.
    """


def is_public_address(address: IPAddress) -> bool:
    """True for an address on the public internet, the only kind a feed may live on."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is not None:
            return is_public_address(embedded)
    return address.is_global and not address.is_multicast


def check_url(url: str, *, allow_private: bool) -> str | None:
    """Why the fetcher must not request `url`, in plain words; None when it may."""
    try:
        parsed = URL(url)
    except (ValueError, TypeError):
        return "not allowed: not a valid URL"
    if parsed.scheme not in ALLOWED_SCHEMES:
        return "not allowed: only http and https addresses"
    host = parsed.host
    if not host:
        return "not allowed: the address has no host"
    if allow_private:
        return None
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name: GuardedResolver checks what it resolves to
    if not is_public_address(literal):
        return "not allowed: private address"
    return None


class GuardedResolver(AbstractResolver):
    """The system resolver, keeping only public addresses (all of them when allowed)."""

    def __init__(self, *, allow_private: bool) -> None:
        self._allow_private = allow_private
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self._allow_private:
            return found
        public = [entry for entry in found if _entry_is_public(entry)]
        if not public:
            raise BlockedAddressError(f"not allowed: {host} is a private address")
        return public

    async def close(self) -> None:
        await self._inner.close()


def _entry_is_public(entry: ResolveResult | dict[str, Any]) -> bool:
    try:
        return is_public_address(ipaddress.ip_address(entry["host"]))
    except ValueError:
        return False
