"""Admin alerts: one message when a condition starts, one when it ends, none in between."""

from __future__ import annotations

import time

import pytest

from bot.alerts import AlertWatch, telegram_sender
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from tests.fakes.telegram_api import BLOCKED, FakeTelegram
from tests.ops.helpers import feed_in_state

DAY = 86400.0
INTERVAL = 600
ADMINS = (9001, 9002)


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Inbox:
    """Collects what the admins were sent."""

    def __init__(self) -> None:
        self.messages: list[tuple[int, str]] = []

    async def send(self, chat_id: int, text: str) -> bool:
        self.messages.append((chat_id, text))
        return True

    def take(self) -> list[tuple[int, str]]:
        taken, self.messages = self.messages, []
        return taken


@pytest.fixture
def clock() -> Clock:
    return Clock(time.time())


def watch_for(archive: Archive, inbox: Inbox, clock: Clock) -> AlertWatch:
    return AlertWatch(archive, inbox.send, ADMINS, poll_interval=INTERVAL, clock=clock)


async def test_a_feed_failing_for_a_day_is_told_once(archive: Archive, clock: Clock) -> None:
    inbox = Inbox()
    now = clock.now
    await feed_in_state(archive, "https://ok.example/rss", fetched_at=now, succeeded_at=now)
    bad = await feed_in_state(
        archive,
        "https://bad.example/rss",
        fetched_at=now,
        succeeded_at=now - DAY + 120,
        error_count=5,
        error="HTTP 404 <not found>",
    )
    watch = watch_for(archive, inbox, clock)
    await watch.check()
    assert inbox.take() == [], "under a day of failures is not an alert yet"
    clock.now += 180
    await watch.check()
    told = inbox.take()
    assert [chat for chat, _ in told] == list(ADMINS)
    assert "https://bad.example/rss" in told[0][1] or "rss" in told[0][1]
    assert "HTTP 404 &lt;not found&gt;" in told[0][1]
    for _ in range(3):
        clock.now += 60
        await watch.check()
    assert inbox.take() == [], "one message, not one per minute"
    restarted = watch_for(archive, inbox, clock)
    await restarted.check()
    assert inbox.take() == [], "a restart does not repeat it"
    await feed_in_state(archive, bad.url, fetched_at=clock.now, succeeded_at=clock.now)
    await restarted.check()
    assert ["working again" in text for _, text in inbox.take()] == [True, True]
    await restarted.check()
    assert inbox.take() == []


async def test_polling_overdue_and_back(archive: Archive, clock: Clock) -> None:
    inbox = Inbox()
    started = clock.now
    await feed_in_state(archive, "https://a.example/rss", fetched_at=started, succeeded_at=started)
    watch = watch_for(archive, inbox, clock)
    clock.now += 2 * INTERVAL
    await watch.check()
    assert inbox.take() == []
    clock.now += 120
    await watch.check()
    told = inbox.take()
    assert len(told) == 2 and "overdue" in told[0][1]
    clock.now += 60
    await watch.check()
    assert inbox.take() == []
    await feed_in_state(
        archive, "https://a.example/rss", fetched_at=clock.now, succeeded_at=clock.now
    )
    await watch.check()
    assert ["works again" in text for _, text in inbox.take()] == [True, True]


async def test_dead_messages_are_summarised_at_most_hourly(archive: Archive, clock: Clock) -> None:
    inbox = Inbox()
    watch = watch_for(archive, inbox, clock)

    async def kill(chat_id: int, key: str) -> None:
        await archive.outbox.enqueue(chat_id, key, ["text"], now=clock.now)
        for message in await archive.sending.claim(clock.now, 10):
            await archive.sending.mark_failed(message, clock.now, "502 Bad Gateway", None)

    await kill(1, "a")
    await kill(2, "b")
    await watch.check()
    told = inbox.take()
    assert len(told) == 2 and "Messages not delivered: 2 (chats: 2)" in told[0][1]
    clock.now += 60
    await kill(3, "c")
    await watch.check()
    assert inbox.take() == [], "a second summary waits for the hour"
    clock.now += 3600
    await watch.check()
    assert "Messages not delivered: 1 (chats: 1)" in inbox.take()[0][1]
    clock.now += 3600
    await watch.check()
    assert inbox.take() == [], "nothing new died"


async def test_alerts_speak_the_admins_language(archive: Archive, clock: Clock) -> None:
    inbox = Inbox()
    await archive.subscribers.subscribe(Subscriber(chat_id=ADMINS[0], language="kk"))
    await archive.subscribers.subscribe(Subscriber(chat_id=ADMINS[1], language="ru"))
    await feed_in_state(
        archive, "https://a.example/rss", fetched_at=clock.now, succeeded_at=clock.now
    )
    watch = watch_for(archive, inbox, clock)
    clock.now += 3 * INTERVAL
    await watch.check()
    texts = dict(inbox.take())
    assert "Арналарды сұрау кешігіп тұр" in texts[ADMINS[0]]
    assert "Опрос лент задерживается" in texts[ADMINS[1]]


async def test_alerts_through_telegram_survive_a_blocked_admin(
    archive: Archive, clock: Clock
) -> None:
    from aiogram import Bot
    from aiogram.client.default import DefaultBotProperties
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    async with FakeTelegram(limits=None) as fake:
        bot = Bot(
            fake.token,
            session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)),
            default=DefaultBotProperties(parse_mode="HTML"),
        )
        try:
            fake.fail(BLOCKED, chat_id=ADMINS[0])
            watch = AlertWatch(
                archive, telegram_sender(bot), ADMINS, poll_interval=INTERVAL, clock=clock
            )
            await feed_in_state(
                archive,
                "https://x.example/rss",
                fetched_at=clock.now - DAY,
                succeeded_at=clock.now - 2 * DAY,
                error_count=9,
                error="timeout & <reset>",
            )
            await watch.check()
            assert fake.sent_messages(ADMINS[0]) == []
            sent = fake.sent_messages(ADMINS[1])
            assert len(sent) == 1  # polling is not overdue: the watch has just started
            assert "timeout & <reset>" in sent[0]["text"]
        finally:
            await bot.session.close()
