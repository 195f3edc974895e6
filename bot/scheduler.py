"""When things happen: feed polling and the digest tick (APScheduler 3), and the sender beside them.

The scheduler only decides *when*: the poll job runs the pipeline and then hands new news to
instant and watch-word subscribers; the tick, every minute, enqueues the digests that are due.
What to send and how is bot.outbox's and bot.sender's. `start_delivery` is the one call the
application makes on startup: it starts the sender and the scheduler and registers their stops.
"""

from __future__ import annotations

import logging
from contextlib import AsyncExitStack
from datetime import UTC, timedelta
from functools import partial
from typing import Any

from aiogram import Bot
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.clock import Clock, SystemClock
from bot.digest import prepare_digests
from bot.outbox import DigestPreparer, enqueue_due_digests, enqueue_instant_news
from bot.sender import Sender, SenderConfig
from bot.services import Services

log = logging.getLogger(__name__)

TICK_SECONDS = 60
SEND_LOG_DAYS = 7  # /stats reads a day; a week is kept for looking back at an incident
FIRST_POLL_DELAY = 5.0  # seconds after start-up, so the bot answers before the first poll


def poll_timing(interval: int) -> dict[str, Any]:
    """Interval-trigger options for polling every `interval` seconds.

    Jitter spreads the polls of many bots (and keeps feeds from seeing a clockwork client);
    a late run is still worth doing within half an interval, and missed runs fold into one.
    """
    return {
        "seconds": interval,
        "jitter": max(1, min(60, interval // 10)),
        "coalesce": True,
        "max_instances": 1,
        "misfire_grace_time": max(30, interval // 2),
    }


def sender_config(services: Services) -> SenderConfig:
    settings = services.settings
    return SenderConfig(
        rate_per_second=settings.send_rate_per_second, workers=settings.send_workers
    )


def digest_preparer(services: Services) -> DigestPreparer:
    return partial(prepare_digests, default_timezone=services.settings.default_timezone)


async def digest_tick(services: Services, clock: Clock) -> None:
    """Enqueue every digest that is due now and wake the sender. Never raises."""
    try:
        await enqueue_due_digests(
            services.archive,
            clock.now(),
            default_timezone=services.settings.default_timezone,
            prepare=digest_preparer(services),
            on_written=services.outbox_wakeup.set,
        )
        await services.archive.sending.prune_log(clock.time() - SEND_LOG_DAYS * 86400)
    except Exception:
        log.exception("the digest tick failed; the next tick tries again")


async def poll_feeds(services: Services, clock: Clock) -> None:
    """Poll the due feeds, then send new news at once where subscribers asked. Never raises."""
    try:
        from feeds.pipeline import PipelineContext, poll_all
    except ModuleNotFoundError:
        log.warning("feed polling is not part of this build; skipped")
        return
    try:
        context = PipelineContext(
            services.archive,
            services.fetcher,
            services.classifier,
            clock=clock.time,
            interval=services.settings.poll_interval_seconds,
            workers=services.cpu_workers,
        )
        # Only feeds whose next check has come (each feed's backoff after errors holds).
        reports = await poll_all(context, only_due=True)
        kept = [
            item
            for report in reports
            for item in report.new_items
            if item.verdict is not None and item.verdict.relevant and item.story_id is not None
        ]
        if not kept:
            return
        since = min(item.published_at for item in kept)
        if await enqueue_instant_news(
            services.archive, clock.now(), since, prepare=digest_preparer(services)
        ):
            services.outbox_wakeup.set()
    except Exception:
        log.exception("polling the feeds failed; the next poll tries again")


def create_scheduler(services: Services, clock: Clock | None = None) -> AsyncIOScheduler:
    """The scheduler with the poll job and the digest tick; start it inside the event loop."""
    clock = clock or SystemClock()
    scheduler = AsyncIOScheduler(timezone=UTC)
    scheduler.add_job(
        poll_feeds,
        "interval",
        args=(services, clock),
        id="poll-feeds",
        name="poll the feeds",
        next_run_time=clock.now() + timedelta(seconds=FIRST_POLL_DELAY),
        **poll_timing(services.settings.poll_interval_seconds),
    )
    scheduler.add_job(
        digest_tick,
        "cron",
        args=(services, clock),
        id="digest-tick",
        name="enqueue due digests",
        second=0,
        coalesce=True,
        max_instances=1,
        misfire_grace_time=TICK_SECONDS - 10,
    )
    return scheduler


async def start_delivery(
    stack: AsyncExitStack, bot: Bot, services: Services, clock: Clock | None = None
) -> Sender:
    """Start the sender and the scheduler; `stack` stops them (scheduler first) on close."""
    clock = clock or SystemClock()
    sender = Sender(
        bot, services.archive, sender_config(services), clock=clock, wakeup=services.outbox_wakeup
    )
    await sender.start()
    stack.push_async_callback(sender.stop)
    scheduler = create_scheduler(services, clock)
    scheduler.start()
    stack.callback(scheduler.shutdown, wait=False)
    # A digest that fell due while the bot was down goes out now, not at the next minute.
    await digest_tick(services, clock)
    return sender
