"""Sending pace: a global token bucket and the per-chat intervals Telegram asks for.

Telegram's guidance (tech-notes §1): about 30 messages per second overall, about one per
second to one chat, at most 20 per minute to one group. The bucket keeps the whole bot under
the global rate; the per-chat interval is stored with the outbox rows (`not_before`) so that
it survives a restart.
"""

from __future__ import annotations

import asyncio
import math
from collections import deque

from bot.clock import Clock

PRIVATE_CHAT_INTERVAL = 1.0  # seconds between two messages to one private chat
GROUP_CHAT_INTERVAL = 3.0  # 20 messages per minute to one group or channel


def is_group(chat_id: int) -> bool:
    """Groups, supergroups and channels have negative ids; people have positive ones."""
    return chat_id < 0


def chat_interval(
    chat_id: int, private: float = PRIVATE_CHAT_INTERVAL, group: float = GROUP_CHAT_INTERVAL
) -> float:
    """The least time between two messages to this chat."""
    return group if is_group(chat_id) else private


class TokenBucket:
    """At most `rate` acquisitions per second on average, at most `burst` at once, and never
    more than `per_second_cap` (default: the rate rounded down, plus one) in any one second.

    `pause(seconds)` holds every acquirer back (a global flood wait from Telegram). Waiters
    are served in arrival order, so no worker starves.
    """

    def __init__(
        self, rate: float, clock: Clock, burst: float = 1.0, per_second_cap: int | None = None
    ) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = max(1.0, burst)
        # Telegram counts messages in any one second; the bucket alone, making up for a late
        # wake-up, could put rate + burst into one. The cap counts the last second's grants.
        # One above the rate: a cap of exactly the rate makes every late wake-up a loss
        # (28 grants then take a second plus the lateness: 27.98/s at 28/s over 10,000
        # sends), while one more lets the bucket make it up (29 at the default 28/s: still
        # under Telegram's 30).
        self.per_second_cap = per_second_cap or math.floor(rate) + 1
        self._granted: deque[float] = deque()
        self._clock = clock
        self._tokens = self.burst
        self._stamp = clock.monotonic()
        self._paused_until = 0.0
        self.paused_seconds = 0.0  # how long pauses have held tokens back in all
        self._turn = asyncio.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    async def acquire(self) -> None:
        """Wait for a token and take it."""
        async with self._turn:
            while True:
                now = self._clock.monotonic()
                if now < self._paused_until:
                    await self._clock.sleep(self._paused_until - now)
                    continue
                while self._granted and self._granted[0] <= now - 1.0:
                    self._granted.popleft()
                if len(self._granted) >= self.per_second_cap:
                    await self._clock.sleep(self._granted[0] + 1.0 - now)
                    continue
                self._refill(now)
                if self._tokens >= 1.0:
                    self._tokens -= 1.0
                    self._granted.append(now)
                    return
                await self._clock.sleep((1.0 - self._tokens) / self.rate)

    def pause(self, seconds: float) -> None:
        """Give no tokens for `seconds` from now (and start from an empty bucket after)."""
        now = self._clock.monotonic()
        until = now + seconds
        if until > self._paused_until:
            self.paused_seconds += until - max(now, self._paused_until)
            self._paused_until = until
            self._tokens = 0.0
            self._stamp = until

    @property
    def paused_until(self) -> float:
        return self._paused_until
