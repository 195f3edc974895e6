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
from dataclasses import dataclass
from typing import Any

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

ALLOWED_SCHEMES = frozenset({"http", "https"})

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


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


@dataclass(frozen=True, slots=True)
class AddressPolicy:
    """Which addresses may be connected to: public ones, plus every address when
    `allow_private` (FEEDS_ALLOW_PRIVATE), plus the networks in `also_allowed` (tests use
    it to admit their loopback server and still see every other private address refused)."""

    allow_private: bool = False
    also_allowed: tuple[IPNetwork, ...] = ()

    def allows(self, address: IPAddress) -> bool:
        if self.allow_private or is_public_address(address):
            return True
        return any(address in network for network in self.also_allowed
                   if network.version == address.version)


def check_url(url: str, policy: AddressPolicy) -> str | None:
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
    if policy.allow_private:
        return None
    try:
        literal = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return None  # a name: GuardedResolver checks what it resolves to
    if not policy.allows(literal):
        return "not allowed: private address"
    return None


class GuardedResolver(AbstractResolver):
    """aiohttp's default resolver, keeping only the addresses the policy allows.

    With aiodns installed (a dependency) that resolver asks DNS without threads, so
    lookups that hang (a resolver timing out, five seconds a try) cannot fill the event
    loop's default executor, where the CPU stages and story matching run."""

    def __init__(self, policy: AddressPolicy) -> None:
        self._policy = policy
        self._inner = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self._policy.allow_private:
            return found
        allowed = [entry for entry in found if _entry_allowed(self._policy, entry)]
        if not allowed:
            raise BlockedAddressError(f"not allowed: {host} is a private address")
        return allowed

    async def close(self) -> None:
        await self._inner.close()


def _entry_allowed(policy: AddressPolicy, entry: ResolveResult | dict[str, Any]) -> bool:
    try:
        return policy.allows(ipaddress.ip_address(entry["host"]))
    except ValueError:
        return False
