"""Prometheus metrics, served on METRICS_PORT while the bot runs.

Three sources, so that most figures need no cooperation from the code they describe:
- the archive, sampled every 15 s (`ArchiveSampler`): feeds enabled/paused/failing, feeds
  polled and failures (from each feed's last fetch), items stored and kept, subscribers,
  outbox depth and dead messages, messages sent and flood waits in the last 24 h;
- every Telegram request of the bot (`TelegramCallMetrics`, an aiogram session middleware):
  requests by method and outcome, messages sent, flood waits (429), request latency;
- every update the dispatcher handles (`HandlerTiming`, an outer middleware): handler latency
  and errors by update type. The application installs it: `install_handler_timing`.
Plus the process itself (memory, CPU, open file descriptors) and its asyncio task count.

`start_metrics(stack, bot, services)` fits bot.app's background parts; nothing here is built at
import time: `create_metrics()` makes a fresh registry each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from aiohttp import web
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    ProcessCollector,
    generate_latest,
)

from feeds.archive import Archive

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher
    from aiogram.client.session.middlewares.base import NextRequestMiddlewareType
    from aiogram.methods import TelegramMethod
    from aiogram.types import TelegramObject

    from bot.services import Services

log = logging.getLogger(__name__)

SAMPLE_SECONDS = 15.0
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
# Methods that deliver a message to a chat (a successful one counts as a message sent).
_SENDING = ("send", "copymessage", "forwardmessage")


@dataclass
class Metrics:
    """The registry and every instrument in it. Build it with `create_metrics()`."""

    registry: CollectorRegistry
    telegram_requests: Counter
    telegram_seconds: Histogram
    messages_sent: Counter
    flood_waits: Counter
    handler_seconds: Histogram
    handler_errors: Counter
    feeds_polled: Counter
    feed_failures: Counter
    items_stored: Counter
    feeds: Gauge
    last_poll_age: Gauge
    items: Gauge
    items_fetched_24h: Gauge
    items_kept_24h: Gauge
    subscribers: Gauge
    outbox_depth: Gauge
    outbox_dead: Gauge
    sent_24h: Gauge
    flood_waits_24h: Gauge
    tasks: Gauge

    def render(self) -> bytes:
        """The exposition text Prometheus scrapes."""
        return generate_latest(self.registry)


def create_metrics() -> Metrics:
    """A fresh registry with every civic-digest metric and the process collector."""
    registry = CollectorRegistry()
    p = "civic_digest_"
    metrics = Metrics(
        registry=registry,
        telegram_requests=Counter(
            p + "telegram_requests",
            "Bot API requests by method and outcome",
            ["method", "outcome"],
            registry=registry,
        ),
        telegram_seconds=Histogram(
            p + "telegram_request_seconds",
            "Bot API request latency (getUpdates excluded)",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        messages_sent=Counter(
            p + "messages_sent", "Messages delivered to chats", registry=registry
        ),
        flood_waits=Counter(p + "flood_waits", "429 answers from Telegram", registry=registry),
        handler_seconds=Histogram(
            p + "handler_seconds",
            "Time to handle one update",
            ["update_type"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        ),
        handler_errors=Counter(
            p + "handler_errors",
            "Updates whose handler raised",
            ["update_type"],
            registry=registry,
        ),
        feeds_polled=Counter(p + "feeds_polled", "Feed fetches seen", registry=registry),
        feed_failures=Counter(p + "feed_failures", "Feed fetches that failed", registry=registry),
        items_stored=Counter(p + "items_stored", "Items added to the archive", registry=registry),
        feeds=Gauge(p + "feeds", "Feeds by state", ["state"], registry=registry),
        last_poll_age=Gauge(
            p + "last_poll_age_seconds", "Seconds since any feed was fetched", registry=registry
        ),
        items=Gauge(p + "items", "Items in the archive", registry=registry),
        items_fetched_24h=Gauge(
            p + "items_fetched_24h", "Items fetched in the last 24 h", registry=registry
        ),
        items_kept_24h=Gauge(
            p + "items_kept_24h", "Items the filter kept in the last 24 h", registry=registry
        ),
        subscribers=Gauge(p + "subscribers", "Chats by status", ["status"], registry=registry),
        outbox_depth=Gauge(
            p + "outbox_depth", "Outbox messages waiting to be sent", registry=registry
        ),
        outbox_dead=Gauge(p + "outbox_dead", "Outbox messages given up on", registry=registry),
        sent_24h=Gauge(
            p + "messages_sent_24h", "Messages sent in the last 24 h", registry=registry
        ),
        flood_waits_24h=Gauge(
            p + "flood_waits_24h", "Flood waits in the last 24 h", registry=registry
        ),
        tasks=Gauge(p + "asyncio_tasks", "Tasks alive in the event loop", registry=registry),
    )
    metrics.tasks.set_function(_task_count)
    ProcessCollector(registry=registry)
    return metrics


def _task_count() -> float:
    try:
        return float(len(asyncio.all_tasks()))
    except RuntimeError:  # scraped from outside the loop
        return float("nan")


def _outcome(error: BaseException) -> str:
    from aiogram.exceptions import (
        TelegramBadRequest,
        TelegramForbiddenError,
        TelegramMigrateToChat,
        TelegramNetworkError,
        TelegramRetryAfter,
        TelegramServerError,
        TelegramUnauthorizedError,
    )

    kinds: list[tuple[type[BaseException], str]] = [
        (TelegramRetryAfter, "flood_wait"),
        (TelegramMigrateToChat, "migrated"),
        (TelegramForbiddenError, "forbidden"),
        (TelegramBadRequest, "bad_request"),
        (TelegramUnauthorizedError, "unauthorized"),
        (TelegramServerError, "server_error"),
        (TelegramNetworkError, "network_error"),
    ]
    return next((name for kind, name in kinds if isinstance(error, kind)), "other")


class TelegramCallMetrics:
    """aiogram request middleware: counts and times every Bot API call of one Bot."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self, make_request: NextRequestMiddlewareType[Any], bot: Bot, method: TelegramMethod[Any]
    ) -> Any:
        name = str(method.__api_method__)
        started = time.perf_counter()
        try:
            result = await make_request(bot, method)
        except Exception as exc:
            outcome = _outcome(exc)
            self._metrics.telegram_requests.labels(name, outcome).inc()
            if outcome == "flood_wait":
                self._metrics.flood_waits.inc()
            raise
        finally:
            if name != "getUpdates":
                self._metrics.telegram_seconds.labels(name).observe(time.perf_counter() - started)
        self._metrics.telegram_requests.labels(name, "ok").inc()
        if name.lower().startswith(_SENDING):
            self._metrics.messages_sent.inc()
        return result


class HandlerTiming:
    """Dispatcher outer middleware on `update`: latency and errors per update type."""

    def __init__(self, metrics: Metrics) -> None:
        self._metrics = metrics

    async def __call__(
        self,
        handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        update_type = str(getattr(event, "event_type", "unknown"))
        started = time.perf_counter()
        try:
            return await handler(event, data)
        except Exception:
            self._metrics.handler_errors.labels(update_type).inc()
            raise
        finally:
            self._metrics.handler_seconds.labels(update_type).observe(time.perf_counter() - started)


def install_handler_timing(dispatcher: Dispatcher, metrics: Metrics) -> None:
    """Time every update `dispatcher` handles (call once, when building the dispatcher)."""
    dispatcher.update.outer_middleware(HandlerTiming(metrics))


class ArchiveSampler:
    """Reads the archive's figures into the gauges, and feed/item counters from their deltas."""

    def __init__(self, archive: Archive, metrics: Metrics) -> None:
        self._archive = archive
        self._metrics = metrics
        self._fetched_at: dict[int, float] | None = None  # feed id -> last fetch seen
        self._items: int | None = None

    async def sample(self, now: float | None = None) -> None:
        now = time.time() if now is None else now
        m = self._metrics
        overview = await self._archive.stats.overview(now)
        m.feeds.labels("enabled").set(overview.feeds_enabled)
        m.feeds.labels("paused").set(overview.feeds_paused)
        m.feeds.labels("failing").set(overview.feeds_failing)
        age = now - overview.last_poll_at if overview.last_poll_at is not None else float("nan")
        m.last_poll_age.set(age)
        m.items.set(overview.items_total)
        m.items_fetched_24h.set(overview.items_24h)
        m.items_kept_24h.set(overview.kept_24h)
        for status in ("active", "stopped", "blocked"):
            m.subscribers.labels(status).set(getattr(overview, status))
        m.outbox_depth.set(overview.outbox_pending)
        m.outbox_dead.set(overview.outbox_dead)
        m.sent_24h.set(overview.sent_24h)
        m.flood_waits_24h.set(overview.flood_waits_24h or 0)
        if self._items is not None and overview.items_total > self._items:
            m.items_stored.inc(overview.items_total - self._items)
        self._items = overview.items_total
        await self._count_fetches()

    async def _count_fetches(self) -> None:
        sources = await self._archive.sources.all()
        seen = {s.id: s.last_fetch_at or 0.0 for s in sources}
        if self._fetched_at is not None:
            for source in sources:
                if (source.last_fetch_at or 0.0) > self._fetched_at.get(source.id, 0.0):
                    self._metrics.feeds_polled.inc()
                    if source.error_count > 0:
                        self._metrics.feed_failures.inc()
        self._fetched_at = seen


class MetricsServer:
    """GET /metrics on `host:port` (port 0: a free one), plus the archive sampling loop."""

    def __init__(
        self,
        metrics: Metrics,
        sampler: ArchiveSampler | None,
        *,
        host: str = "0.0.0.0",
        port: int = 9100,
        sample_seconds: float = SAMPLE_SECONDS,
    ) -> None:
        self.metrics = metrics
        self.host = host
        self.port = port
        self._sampler = sampler
        self._sample_seconds = sample_seconds
        self._runner: web.AppRunner | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/metrics", self._serve)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self.host, self.port).start()
        self.port = int(self._runner.addresses[0][1])
        if self._sampler is not None:
            self._task = asyncio.create_task(self._sample_forever(self._sampler), name="metrics")
        log.info("metrics on http://%s:%s/metrics", self.host, self.port)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _serve(self, request: web.Request) -> web.Response:
        return web.Response(
            body=self.metrics.render(), headers={"Content-Type": CONTENT_TYPE_LATEST}
        )

    async def _sample_forever(self, sampler: ArchiveSampler) -> None:
        while True:
            try:
                await sampler.sample()
            except Exception:  # a locked or broken archive must not stop the bot
                log.exception("could not sample the archive for metrics")
            await asyncio.sleep(self._sample_seconds)


async def start_metrics(
    stack: AsyncExitStack,
    bot: Bot,
    services: Services,
    *,
    metrics: Metrics | None = None,
    host: str | None = None,
) -> MetricsServer | None:
    """Background part for bot.app: with METRICS_PORT set, count the bot's Telegram calls and
    serve /metrics; `stack` undoes both. Returns the server (None when METRICS_PORT is unset).

    Pass the `metrics` given to `install_handler_timing` so that handler latency shows too.
    """
    port = services.settings.metrics_port
    if port is None:
        return None
    metrics = metrics or services.metrics or create_metrics()
    host = host or services.settings.metrics_host
    calls = TelegramCallMetrics(metrics)
    bot.session.middleware(calls)
    stack.callback(bot.session.middleware.unregister, calls)
    server = MetricsServer(metrics, ArchiveSampler(services.archive, metrics), host=host, port=port)
    await server.start()
    stack.push_async_callback(server.stop)
    return server
