"""Flood limits of the fake Bot API, after Telegram's published guidance (tech-notes §1).

Telegram does not publish exact numbers. The defaults here are the documented guidance:
- one chat: about one message per second, with a short burst allowed (a token bucket);
- one group (negative chat id): at most 20 messages in any 60 seconds (a sliding window);
- the bot overall: at most 30 messages in any one second (a sliding window).
A send over a limit is refused with 429 and `retry_after`: the whole seconds until it would pass,
at least 1. A refused send does not use up any allowance.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class FloodLimits:
    """Limits the fake enforces on sending methods; `None` for a field turns that limit off."""

    per_chat_rate: float | None = 1.0  # messages per second, sustained
    per_chat_burst: int = 5  # messages a quiet chat may receive at once
    per_group_per_minute: int | None = 20
    global_per_second: int | None = 30

    @classmethod
    def off(cls) -> FloodLimits:
        return cls(per_chat_rate=None, per_group_per_minute=None, global_per_second=None)


class _Bucket:
    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.capacity = float(burst)
        self.tokens = float(burst)
        self.stamp = now

    def wait_needed(self, now: float) -> float:
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1.0 else (1.0 - self.tokens) / self.rate

    def take(self) -> None:
        self.tokens -= 1.0


class _Window:
    def __init__(self, limit: int, seconds: float) -> None:
        self.limit = limit
        self.seconds = seconds
        self.stamps: deque[float] = deque()

    def wait_needed(self, now: float) -> float:
        while self.stamps and self.stamps[0] <= now - self.seconds:
            self.stamps.popleft()
        if len(self.stamps) < self.limit:
            return 0.0
        return self.stamps[0] + self.seconds - now

    def take(self, now: float) -> None:
        self.stamps.append(now)


class FloodControl:
    """Decides whether one more message to a chat passes, and if not, how long to wait."""

    def __init__(
        self, limits: FloodLimits | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limits = limits or FloodLimits.off()
        self._clock = clock
        self._chats: dict[int | str, _Bucket] = {}
        self._groups: dict[int | str, _Window] = {}
        self._global = (
            _Window(self.limits.global_per_second, 1.0)
            if self.limits.global_per_second is not None
            else None
        )

    def check(self, chat_id: int | str | None) -> int:
        """0 when the message may go (and counts it), else `retry_after` in whole seconds ≥ 1."""
        now = self._clock()
        waits: list[float] = []
        bucket = self._chat_bucket(chat_id, now)
        window = self._group_window(chat_id)
        if bucket is not None:
            waits.append(bucket.wait_needed(now))
        if window is not None:
            waits.append(window.wait_needed(now))
        if self._global is not None:
            waits.append(self._global.wait_needed(now))
        longest = max(waits, default=0.0)
        if longest > 0:
            return max(1, math.ceil(longest))
        if bucket is not None:
            bucket.take()
        if window is not None:
            window.take(now)
        if self._global is not None:
            self._global.take(now)
        return 0

    def _chat_bucket(self, chat_id: int | str | None, now: float) -> _Bucket | None:
        if chat_id is None or self.limits.per_chat_rate is None:
            return None
        bucket = self._chats.get(chat_id)
        if bucket is None:
            bucket = _Bucket(self.limits.per_chat_rate, self.limits.per_chat_burst, now)
            self._chats[chat_id] = bucket
        return bucket

    def _group_window(self, chat_id: int | str | None) -> _Window | None:
        limit = self.limits.per_group_per_minute
        if limit is None or not isinstance(chat_id, int) or chat_id >= 0:
            return None
        window = self._groups.get(chat_id)
        if window is None:
            window = _Window(limit, 60.0)
            self._groups[chat_id] = window
        return window
