"""The running bot's heartbeat, and the health verdict `civic-digest health` gives from it.

The bot writes a heartbeat to the archive's meta table every 30 seconds. Anyone who can read
the archive (Docker's HEALTHCHECK, systemd, a cron job) can then tell whether the bot is alive
without talking to it: the archive opens, the heartbeat is younger than two minutes, and feed
polling is not overdue.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from feeds.archive import Archive

if TYPE_CHECKING:
    from aiogram import Bot

    from bot.services import Services

log = logging.getLogger(__name__)

HEARTBEAT_KEY = "heartbeat"
HEARTBEAT_SECONDS = 30.0
MAX_HEARTBEAT_AGE = 120.0


def poll_overdue_after(poll_interval: float) -> float:
    """Seconds without a poll after which polling counts as overdue.

    Two intervals plus a minute: one missed run (jitter, a slow feed) is normal, two are not.
    """
    return 2 * poll_interval + 60


class HeartbeatWriter:
    """Writes `heartbeat` to archive.meta now and then every `interval` seconds until stopped."""

    def __init__(
        self,
        archive: Archive,
        interval: float = HEARTBEAT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._archive = archive
        self._interval = interval
        self._clock = clock
        self._started_at = clock()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.beat()  # the first beat before returning: health passes as soon as we run
        self._task = asyncio.create_task(self._run(), name="heartbeat")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def beat(self) -> None:
        value = json.dumps({"pid": os.getpid(), "started_at": self._started_at})
        await self._archive.meta.set(HEARTBEAT_KEY, value, now=self._clock())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.beat()
            except Exception:  # a busy or full disk must not stop the bot; health will notice
                log.exception("could not write the heartbeat")


async def start_heartbeat(stack: AsyncExitStack, bot: Bot, services: Services) -> HeartbeatWriter:
    """Background part for bot.app: start the heartbeat; `stack` stops it."""
    writer = HeartbeatWriter(services.archive)
    await writer.start()
    stack.push_async_callback(writer.stop)
    return writer


@dataclass
class HealthReport:
    """The verdict: healthy when `problems` is empty; `facts` say what was seen."""

    problems: list[str] = field(default_factory=list)
    facts: list[str] = field(default_factory=list)

    @property
    def healthy(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if self.healthy:
            return "healthy: " + "; ".join(self.facts)
        return "unhealthy: " + "; ".join(self.problems)


def _age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    return f"{seconds // 3600} h"


async def check_health(
    archive: Archive,
    *,
    poll_interval: float,
    now: float | None = None,
    max_heartbeat_age: float = MAX_HEARTBEAT_AGE,
) -> HealthReport:
    """Is the bot that writes to `archive` alive and polling? Reads only."""
    now = time.time() if now is None else now
    report = HealthReport()
    beat = await archive.meta.get(HEARTBEAT_KEY)
    started_at: float | None = None
    if beat is None:
        report.problems.append("no heartbeat: the bot has never run against this archive")
    else:
        value, beat_at = beat
        started_at = _started_at(value)
        age = now - beat_at
        if age > max_heartbeat_age:
            report.problems.append(
                f"the last heartbeat is {_age(age)} old: the bot is not running or is stuck"
            )
        else:
            report.facts.append(f"heartbeat {_age(age)} ago")
    overview = await archive.stats.overview(now)
    if overview.feeds_enabled == 0:
        report.facts.append("no enabled feeds to poll")
        return report
    limit = poll_overdue_after(poll_interval)
    marks = [t for t in (overview.last_poll_at, started_at) if t is not None]
    if not marks:
        return report
    since = now - max(marks)
    if since > limit:
        report.problems.append(
            f"polling is overdue: no feed polled for {_age(since)} (expected every {_age(poll_interval)})"
        )
    elif overview.last_poll_at is not None:
        report.facts.append(f"last poll {_age(now - overview.last_poll_at)} ago")
    else:
        report.facts.append("first poll pending")
    return report


def _started_at(value: str) -> float | None:
    try:
        parsed: Any = json.loads(value)
        return float(parsed["started_at"])
    except (ValueError, KeyError, TypeError):
        return None
