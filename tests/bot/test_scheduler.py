"""The scheduler wiring: job options, and start_delivery end to end against the fake Bot API."""

from __future__ import annotations

import multiprocessing
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.clock import SystemClock
from bot.config import Settings
from bot.scheduler import create_scheduler, digest_tick, poll_feeds, poll_timing, start_delivery
from bot.services import Services
from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from tests.bot.digest_seed import News, seed
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_flood import FloodLimits


def services_for(archive: Archive, **settings: Any) -> Services:
    config = Settings(_env_file=None, database_path=archive.path, **settings)  # type: ignore[call-arg]
    # The delivery parts never touch the fetcher or the classifier outside the poll job.
    return Services(config, archive, cast(Any, None), cast(Any, None))


@pytest.mark.parametrize("interval", [60, 900, 3600])
def test_poll_timing_fits_the_interval(interval: int) -> None:
    timing = poll_timing(interval)
    assert timing["seconds"] == interval
    assert 1 <= timing["jitter"] <= interval // 10 or timing["jitter"] == 1
    assert timing["coalesce"] is True and timing["max_instances"] == 1
    assert 30 <= timing["misfire_grace_time"] <= max(30, interval // 2)


async def test_jobs_are_configured(archive: Archive) -> None:
    scheduler = create_scheduler(services_for(archive, poll_interval_seconds=600))
    poll = scheduler.get_job("poll-feeds")
    tick = scheduler.get_job("digest-tick")
    assert poll is not None and tick is not None
    assert isinstance(poll.trigger, IntervalTrigger)
    assert poll.trigger.interval.total_seconds() == 600 and poll.trigger.jitter == 60
    assert (poll.coalesce, poll.max_instances, poll.misfire_grace_time) == (True, 1, 300)
    assert isinstance(tick.trigger, CronTrigger)
    assert (tick.coalesce, tick.max_instances) == (True, 1)


async def test_start_delivery_sends_due_digests_and_stops(archive: Archive) -> None:
    now = datetime.now(UTC)
    await seed(archive, [News("НКО получили гранты")], now.timestamp())
    # Due whatever the hour of the test: hour 0 in UTC has always passed today.
    await archive.subscribers.subscribe(Subscriber(chat_id=301, hour=0, timezone="UTC"))
    await archive.subscribers.subscribe(Subscriber(chat_id=302, mode="off"))
    services = services_for(archive, send_rate_per_second=100.0)
    async with FakeTelegram(limits=FloodLimits.off()) as fake:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
        try:
            async with AsyncExitStack() as stack:
                sender = await start_delivery(stack, bot, services)
                await fake.wait_for_messages(301, 1)
                assert not sender.fatal
            # Stopped: a tick that composes more wakes nobody and sends nothing.
            await digest_tick(services, SystemClock())
            assert fake.sent_messages(302) == []
            assert len(fake.sent_messages(301)) == 1
        finally:
            await bot.session.close()
    subscriber = await archive.subscribers.get(301)
    assert subscriber is not None and subscriber.last_digest_at is not None


async def test_digest_tick_never_raises(archive: Archive, caplog: pytest.LogCaptureFixture) -> None:
    services = services_for(archive)
    await archive.close()  # the archive is gone: the tick logs and returns
    await digest_tick(services, SystemClock())
    assert any("digest tick failed" in r.getMessage() for r in caplog.records)


async def test_poll_job_sends_new_news_to_instant_and_watch_subscribers(archive: Archive) -> None:
    import time

    from feeds.classify import Classifier
    from feeds.fetch import Fetcher
    from tests.fakes.feed_server import FeedEntry, FeedServer, rss_document

    now = time.time()
    entries = [
        FeedEntry("Некоммерческие организации получили государственные гранты",
                  "Общественные объединения и НКО Казахстана получили гранты на проекты"
                  " гражданского общества.", link="https://news.example.kz/1", published=now - 600),
        FeedEntry("Маслихат утвердил бюджет общественного совета",
                  "Общественный совет и маслихат обсудили бюджет и участие НКО.",
                  link="https://news.example.kz/2", published=now - 300),
    ]
    await archive.subscribers.subscribe(Subscriber(chat_id=401, mode="instant"))
    await archive.subscribers.subscribe(Subscriber(chat_id=402))
    await archive.subscribers.add_watch(402, "маслихат")
    await archive.subscribers.subscribe(Subscriber(chat_id=403))  # daily only
    async with FeedServer() as server, Fetcher(allow_private=True) as fetcher:
        server.set_feed("/news.xml", rss_document("Новости", entries))
        await archive.sources.add(server.url("/news.xml"), title="Новости")
        config = Settings(_env_file=None, database_path=archive.path)  # type: ignore[call-arg]
        services = Services(config, archive, fetcher, Classifier.load())
        await poll_feeds(services, SystemClock())
        assert services.outbox_wakeup.is_set()
    cursor = await archive.db.reader.execute(
        "SELECT chat_id, via FROM outbox WHERE part = 0 ORDER BY chat_id"
    )
    rows = [tuple(row) for row in await cursor.fetchall()]
    assert rows == [(401, "instant"), (402, "watch")]


async def test_poll_job_uses_the_worker_processes_the_services_started(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from bot.services import open_services
    from feeds import pipeline
    from tests.fakes.feed_server import FeedServer

    used: list[object] = []
    real_poll_all = pipeline.poll_all

    async def watched_poll_all(ctx: pipeline.PipelineContext, **kwargs: Any) -> Any:
        used.append(ctx.workers)
        return await real_poll_all(ctx, **kwargs)

    monkeypatch.setattr(pipeline, "poll_all", watched_poll_all)

    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_path=tmp_path / "archive.db", ingest_processes=1,
        feeds_allow_private=True,
    )
    async with FeedServer() as server:
        async with open_services(settings) as services:
            assert services.cpu_workers is not None
            assert len(multiprocessing.active_children()) == 1
            source, _ = await services.archive.sources.add(server.url("/feeds/rss2.xml"))
            await poll_feeds(services, SystemClock())
            assert used == [services.cpu_workers]
            assert await services.archive.items.count() == 3
            state = await services.archive.sources.get(source.id)
            assert state is not None and state.last_error is None
        assert multiprocessing.active_children() == []  # stopped with the services
