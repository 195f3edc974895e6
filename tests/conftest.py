"""Shared fixtures: a real archive in a temporary folder, and the third-party data beside the repo."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

from feeds import netguard
from feeds.archive import Archive, connect_archive

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"
TEST_DATA = Path(__file__).resolve().parent / "data"


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real third-party news); tests that need it skip when it is absent."""
    if not SHARED_DATA.is_dir():
        pytest.skip("../shared/data is not present")
    return SHARED_DATA


@pytest.fixture
async def archive(tmp_path: Path) -> AsyncIterator[Archive]:
    """A fresh, migrated archive in a real SQLite file."""
    opened = await connect_archive(tmp_path / "archive.db")
    try:
        yield opened
    finally:
        await opened.close()


async def wait_for(
    condition: Callable[[], bool | Awaitable[bool]], deadline: float = 10.0, interval: float = 0.01
) -> None:
    """Wait until `condition` holds, failing the test after `deadline` seconds.

    Tests synchronise on conditions with a deadline, never on fixed sleeps.
    """
    give_up_at = time.monotonic() + deadline
    while True:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return
        if time.monotonic() > give_up_at:
            raise AssertionError(f"condition not met within {deadline} s")
        await asyncio.sleep(interval)


class _LocalResolver(AbstractResolver):
    """Name resolution that never leaves the machine: `localhost` goes to the real resolver
    (it is in /etc/hosts), every other name is unknown, as a missing domain is. Fixture
    feeds link to pages on made-up outside names, which the poll asks for when it expands
    teasers; CI may have no DNS to ask, and a resolver that does not answer stalls a lookup
    for seconds."""

    def __init__(self) -> None:
        self._real = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        if host.rstrip(".").lower() == "localhost":
            return await self._real.resolve(host, port, family)
        raise OSError(f"{host}: Domain name not found (tests resolve no outside names)")

    async def close(self) -> None:
        await self._real.close()


@pytest.fixture(autouse=True)
def _no_outside_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fetcher a test starts resolves names with `_LocalResolver`."""
    monkeypatch.setattr(netguard, "DefaultResolver", _LocalResolver)
