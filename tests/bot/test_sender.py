"""The sender against the fake Bot API: order, pacing, and every kind of refusal."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from bot.sender import Sender, SenderConfig, SenderFatalError, plain_text
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_flood import FloodLimits
from tests.fakes.telegram_state import (
    BAD_GATEWAY,
    CHAT_NOT_FOUND,
    DEACTIVATED,
    DROP_CONNECTION,
    KICKED,
)

# Fast enough for a test, but every mechanism still runs: the bucket, the per-chat pace,
# backoff and its limit.
FAST = SenderConfig(
    rate_per_second=200.0, workers=4, max_attempts=3, backoff_base=0.05, idle_poll=0.2,
    private_interval=0.05, group_interval=0.1, stop_timeout=2.0,
)


@dataclass
class Harness:
    fake: FakeTelegram
    bot: Bot
    archive: Archive

    def sender(self, config: SenderConfig = FAST) -> Sender:
        return Sender(self.bot, self.archive, config)

    async def run(self, config: SenderConfig = FAST, within: float = 15.0) -> Sender:
        """Start a sender, wait until the outbox is drained, stop it."""
        sender = self.sender(config)
        await sender.start()
        try:
            await asyncio.wait_for(sender.drain(), within)
        finally:
            await sender.stop()
        return sender


@pytest.fixture
async def harness(archive: Archive) -> AsyncIterator[Harness]:
    async with FakeTelegram(limits=FloodLimits.off()) as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
        try:
            yield Harness(fake, bot, archive)
        finally:
            await bot.session.close()


async def subscribe(archive: Archive, chat_id: int) -> None:
    await archive.subscribers.subscribe(Subscriber(chat_id=chat_id))


async def status_of(archive: Archive, chat_id: int) -> str | None:
    subscriber = await archive.subscribers.get(chat_id)
    return None if subscriber is None else subscriber.status


async def test_parts_arrive_in_order_without_previews(harness: Harness) -> None:
    for chat in (11, 12, -13):
        await harness.archive.outbox.enqueue(
            chat, "digest:2026-11-28", [f"<b>{chat}</b> part {n}" for n in range(3)]
        )
    await harness.run()
    for chat in (11, 12, -13):
        assert harness.fake.texts(chat) == [f"{chat} part {n}" for n in range(3)]
    for call in harness.fake.calls("sendMessage"):
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"]["is_disabled"] is True
    counts = await harness.archive.sending.counts()
    assert (counts.sent, counts.unsent, counts.dead) == (9, 0, 0)


async def test_per_chat_pace_is_kept(harness: Harness) -> None:
    await harness.archive.outbox.enqueue(21, "k", ["a", "b", "c"])
    await harness.archive.outbox.enqueue(-22, "k", ["a", "b", "c"])
    await harness.run()
    for chat, interval in ((21, FAST.private_interval), (-22, FAST.group_interval)):
        stamps = [c.at for c in harness.fake.calls("sendMessage", chat)]
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert len(gaps) == 2 and min(gaps) >= interval * 0.9, (chat, gaps)


async def test_flood_wait_for_a_chat_is_honoured(harness: Harness) -> None:
    await harness.archive.outbox.enqueue(31, "k", ["one", "two"])
    await harness.archive.outbox.enqueue(32, "k", ["other"])
    harness.fake.rate_limit(1, chat_id=31, times=1)
    await harness.run()
    assert harness.fake.texts(31) == ["one", "two"]
    assert harness.fake.texts(32) == ["other"]
    calls = harness.fake.calls("sendMessage", 31)
    assert [c.status for c in calls] == [429, 200, 200]
    assert calls[1].at - calls[0].at >= 0.95  # retry_after = 1 s was waited out
    stats = await harness.archive.sending.send_stats(0)
    assert (stats.sent, stats.flood_waits) == (3, 1)


async def test_global_flood_wait_pauses_everyone(harness: Harness) -> None:
    for chat in range(41, 47):
        await harness.archive.outbox.enqueue(chat, "k", [f"to {chat}"])
    harness.fake.rate_limit(1, times=1)  # the first send of any chat: a quiet chat, so global
    await harness.run()
    calls = harness.fake.calls("sendMessage")
    refused = [c for c in calls if c.status == 429]
    assert len(refused) == 1
    # Besides sends already on their way, nothing went out during the second of waiting.
    in_wait = [c for c in calls if refused[0].at + 0.1 < c.at < refused[0].at + 0.9]
    assert in_wait == []
    assert sorted(m["chat"]["id"] for m in harness.fake.sent_messages()) == list(range(41, 47))


async def test_storm_of_flood_waits_delivers_everything_once(harness: Harness) -> None:
    chats = list(range(100, 130))
    for chat in chats:
        await harness.archive.outbox.enqueue(chat, "k", [f"a {chat}", f"b {chat}"])
    harness.fake.rate_limit(1, times=3)
    harness.fake.rate_limit(1, chat_id=105, times=2)
    await harness.run(within=30)
    for chat in chats:
        assert harness.fake.texts(chat) == [f"a {chat}", f"b {chat}"]


@pytest.mark.parametrize(
    "error", [pytest.param(e, id=e.description) for e in (DEACTIVATED, KICKED, CHAT_NOT_FOUND)]
)
async def test_unreachable_chat_is_marked_blocked_and_dropped(harness: Harness, error: object) -> None:
    from tests.fakes.telegram_state import ApiError

    assert isinstance(error, ApiError)
    await subscribe(harness.archive, 51)
    await subscribe(harness.archive, 52)
    await harness.archive.outbox.enqueue(51, "k", ["p0", "p1"])
    await harness.archive.outbox.enqueue(52, "k", ["fine"])
    harness.fake.fail(error, chat_id=51)
    await harness.run()
    assert await status_of(harness.archive, 51) == "blocked"
    assert await status_of(harness.archive, 52) == "active"
    assert len(harness.fake.calls("sendMessage", 51)) == 1  # p1 was dropped, not tried
    assert harness.fake.texts(52) == ["fine"]
    counts = await harness.archive.sending.counts()
    assert (counts.unsent, counts.dead) == (0, 0)


async def test_blocked_by_user(harness: Harness) -> None:
    await subscribe(harness.archive, 53)
    await harness.archive.outbox.enqueue(53, "k", ["hello"])
    harness.fake.block(53)
    await harness.run()
    assert await status_of(harness.archive, 53) == "blocked"


async def test_bad_gateway_and_dropped_connections_are_retried(harness: Harness) -> None:
    await harness.archive.outbox.enqueue(61, "k", ["after 502s"])
    await harness.archive.outbox.enqueue(62, "k", ["after a drop"])
    harness.fake.fail_next(2, BAD_GATEWAY, chat_id=61)
    harness.fake.fail_next(1, DROP_CONNECTION, chat_id=62)
    await harness.run()
    assert harness.fake.texts(61) == ["after 502s"]
    assert harness.fake.texts(62) == ["after a drop"]
    assert [c.status for c in harness.fake.calls("sendMessage", 61)] == [502, 502, 200]


async def test_lasting_server_errors_end_dead_with_the_error(harness: Harness) -> None:
    await harness.archive.outbox.enqueue(63, "k", ["never"])
    await harness.archive.outbox.enqueue(64, "k", ["fine"])
    harness.fake.fail(BAD_GATEWAY, chat_id=63)
    await harness.run()
    assert len(harness.fake.calls("sendMessage", 63)) == FAST.max_attempts
    [dead] = await harness.archive.sending.dead_since(0)
    assert dead.chat_id == 63 and dead.attempts == FAST.max_attempts
    assert "Bad Gateway" in dead.last_error
    assert harness.fake.texts(64) == ["fine"]


async def test_migrated_group_moves_and_gets_the_digest(harness: Harness) -> None:
    await subscribe(harness.archive, -71)
    await harness.archive.outbox.enqueue(-71, "digest:2026-11-28", ["part 0", "part 1"])
    harness.fake.migrate(-71, -1000000000071)
    await harness.run()
    assert harness.fake.texts(-1000000000071) == ["part 0", "part 1"]
    assert harness.fake.texts(-71) == []
    assert await harness.archive.subscribers.get(-71) is None
    moved = await harness.archive.subscribers.get(-1000000000071)
    assert moved is not None and moved.status == "active"


async def test_rejected_markup_is_resent_once_as_plain_text(
    harness: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    await harness.archive.outbox.enqueue(81, "k", ["<b>unclosed &amp; broken <i>"])
    await harness.run()
    calls = harness.fake.calls("sendMessage", 81)
    assert [c.status for c in calls] == [400, 200]
    assert "parse_mode" not in calls[1].params
    assert harness.fake.texts(81) == ["unclosed & broken"]
    assert any("bug: Telegram rejected our markup" in r.getMessage() for r in caplog.records)


async def test_rejected_token_stops_sending(harness: Harness) -> None:
    await harness.archive.outbox.enqueue(91, "k", ["x"])
    harness.fake.revoke_token(harness.fake.token)
    sender = harness.sender()
    await sender.start()
    with pytest.raises(SenderFatalError, match="token"):
        await sender.drain()
    await sender.stop()
    assert (await harness.archive.sending.counts()).pending == 1  # kept for a good token


async def test_stop_releases_claimed_messages(harness: Harness) -> None:
    slow = SenderConfig(rate_per_second=2.0, workers=2, idle_poll=0.2, stop_timeout=2.0)
    for chat in range(1, 21):
        await harness.archive.outbox.enqueue(chat, "k", [f"to {chat}"])
    sender = harness.sender(slow)
    await sender.start()
    await harness.fake.wait_for_calls("sendMessage", 2)
    await sender.stop()
    counts = await harness.archive.sending.counts()
    assert counts.sending == 0
    assert counts.sent == len(harness.fake.sent_messages())
    assert counts.sent + counts.pending == 20


def test_plain_text_strips_tags_and_unescapes() -> None:
    assert plain_text('<b>A &amp; B</b> <a href="https://x.kz/?a=1&amp;b=2">link</a> &lt;3') == (
        "A & B link <3"
    )
