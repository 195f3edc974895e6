"""An injectable clock: wall time, monotonic time and sleeping, so tests never sleep for real.

`SystemClock` is the real one. `ManualClock` only moves when a test advances it; its `sleep`
returns once the clock has been advanced past the wake-up time.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current moment, timezone-aware (UTC)."""

    def time(self) -> float:
        """The current moment as Unix seconds."""

    def monotonic(self) -> float:
        """Seconds on a clock that never goes back (for pacing)."""

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` of this clock's time."""


class SystemClock:
    """The machine's clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def time(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


class ManualClock:
    """A clock that stands still until `advance` or `set` moves it (for tests)."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("the start moment needs a time zone")
        self._now = start.timestamp()
        self._moved = asyncio.Condition()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self._now, UTC)

    def time(self) -> float:
        return self._now

    def monotonic(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        wake_at = self._now + max(0.0, seconds)
        async with self._moved:
            await self._moved.wait_for(lambda: self._now >= wake_at)

    async def advance(self, seconds: float) -> None:
        await self.set(datetime.fromtimestamp(self._now + seconds, UTC))

    async def set(self, moment: datetime) -> None:
        self._now = max(self._now, moment.timestamp())
        async with self._moved:
            self._moved.notify_all()
