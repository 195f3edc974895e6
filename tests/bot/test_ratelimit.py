"""The global token bucket and the per-chat intervals, on a clock that only tests move."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from bot.clock import ManualClock
from bot.ratelimit import GROUP_CHAT_INTERVAL, PRIVATE_CHAT_INTERVAL, TokenBucket, chat_interval

START = datetime(2026, 11, 28, 4, 0, tzinfo=UTC)


async def settle() -> None:
    """Let every task that can run, run (a few loop turns)."""
    for _ in range(20):
        await asyncio.sleep(0)


async def test_bucket_gives_rate_tokens_per_second() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(rate=4.0, clock=clock)
    taken: list[float] = []

    async def take(n: int) -> None:
        for _ in range(n):
            await bucket.acquire()
            taken.append(clock.monotonic())

    task = asyncio.create_task(take(9))
    for _ in range(8):
        await settle()
        await clock.advance(0.25)
    await settle()
    await task
    start = START.timestamp()
    assert [round(t - start, 2) for t in taken] == [0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5, 1.75, 2.0]


async def test_pause_holds_everyone_back() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(rate=100.0, clock=clock)
    await bucket.acquire()
    bucket.pause(3.0)
    waiter = asyncio.create_task(bucket.acquire())
    await settle()
    await clock.advance(2.9)
    await settle()
    assert not waiter.done()
    await clock.advance(0.2)
    await settle()
    assert waiter.done()
    assert bucket.paused_seconds == pytest.approx(3.0)


async def test_overlapping_pauses_count_once() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(rate=10.0, clock=clock)
    bucket.pause(1.0)
    await clock.advance(0.5)
    bucket.pause(1.0)  # 0.5 s of it overlaps the first
    bucket.pause(0.2)  # inside the pause already running: nothing more
    assert bucket.paused_seconds == pytest.approx(1.5)
    assert bucket.paused_until == pytest.approx(START.timestamp() + 1.5)


async def test_bucket_needs_a_positive_rate() -> None:
    with pytest.raises(ValueError, match="positive"):
        TokenBucket(rate=0, clock=ManualClock(START))


@pytest.mark.parametrize(
    ("chat_id", "interval"),
    [(7, PRIVATE_CHAT_INTERVAL), (-7, GROUP_CHAT_INTERVAL), (-1001234567890, GROUP_CHAT_INTERVAL)],
)
def test_chat_interval(chat_id: int, interval: float) -> None:
    assert chat_interval(chat_id) == interval


def test_group_interval_keeps_twenty_a_minute() -> None:
    assert 60 / GROUP_CHAT_INTERVAL <= 20


def test_manual_clock_needs_a_zone() -> None:
    with pytest.raises(ValueError, match="time zone"):
        ManualClock(datetime(2026, 1, 1))


async def test_no_second_carries_more_than_the_cap() -> None:
    clock = ManualClock(START)
    bucket = TokenBucket(rate=100.0, clock=clock, burst=10, per_second_cap=3)
    for _ in range(3):
        await bucket.acquire()  # the burst allows these at once
    fourth = asyncio.create_task(bucket.acquire())
    await settle()
    await clock.advance(0.99)
    await settle()
    assert not fourth.done()  # three were granted within the last second
    await clock.advance(0.02)
    await settle()
    assert fourth.done()


@pytest.mark.parametrize(("cap", "pace_kept"), [(None, True), (28, False)],
                         ids=["default-cap", "cap-at-the-rate"])
async def test_late_wake_ups_are_made_up_for(cap: int | None, pace_kept: bool) -> None:
    # The clock moves in 30 ms steps, so every wake-up comes up to 30 ms late. The default
    # cap (29 at 28/s) lets the bucket's stored token make that up; a cap of exactly the
    # rate loses it each second.
    clock = ManualClock(START)
    bucket = TokenBucket(rate=28.0, clock=clock, burst=2.0, per_second_cap=cap)
    granted = 0

    async def take() -> None:
        nonlocal granted
        while True:
            await bucket.acquire()
            granted += 1

    task = asyncio.create_task(take())
    for _ in range(round(20 / 0.03)):  # 20 s
        await settle()
        await clock.advance(0.03)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    assert (granted >= 28 * 20) is pace_kept, granted  # 20 s at 28/s
