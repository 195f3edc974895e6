"""The /metrics endpoint: Telegram calls, handler latency and archive figures, over real HTTP."""

from __future__ import annotations

import time
from contextlib import AsyncExitStack
from types import SimpleNamespace
from typing import cast

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, Router
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramForbiddenError, TelegramRetryAfter
from aiogram.filters import Command
from aiogram.types import Message
from prometheus_client.parser import text_string_to_metric_families

from bot.config import Settings
from bot.metrics import ArchiveSampler, create_metrics, install_handler_timing, start_metrics
from bot.services import Services
from feeds.archive import Archive
from tests.fakes.telegram_api import FakeTelegram
from tests.ops.helpers import feed_in_state


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def value(
    found: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return found.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(port: int) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"http://127.0.0.1:{port}/metrics") as resp,
    ):
        assert resp.status == 200
        assert resp.headers["Content-Type"].startswith("text/plain")
        return samples(await resp.text())


async def test_metrics_endpoint_counts_what_the_bot_does(archive: Archive) -> None:
    async with FakeTelegram(limits=None) as fake, AsyncExitStack() as stack:
        bot = Bot(fake.token, session=AiohttpSession(api=TelegramAPIServer.from_base(fake.url)))
        stack.push_async_callback(bot.session.close)
        metrics = create_metrics()
        settings = Settings(metrics_port=0, _env_file=None)  # type: ignore[call-arg]
        services = cast(Services, SimpleNamespace(settings=settings, archive=archive))
        server = await start_metrics(stack, bot, services, metrics=metrics, host="127.0.0.1")
        assert server is not None and server.metrics is metrics
        port = server.port

        router = Router()

        @router.message(Command("boom"))
        async def boom(message: Message) -> None:
            raise RuntimeError("handler failure")

        @router.message()
        async def echo(message: Message) -> None:
            await message.answer("ok")

        dispatcher = Dispatcher()
        dispatcher.include_router(router)
        install_handler_timing(dispatcher, metrics)

        user = fake.user(77)
        await dispatcher.feed_raw_update(bot, fake.send_text(user, "hello"))
        with pytest.raises(RuntimeError):
            await dispatcher.feed_raw_update(bot, fake.send_text(user, "/boom"))
        fake.rate_limit(3, chat_id=78)
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(78, "x")
        fake.block(79)
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(79, "x")

        now = time.time()
        await feed_in_state(
            archive, "https://example.org/ok", fetched_at=now - 30, succeeded_at=now - 30
        )
        await feed_in_state(
            archive,
            "https://example.org/bad",
            fetched_at=now - 30,
            succeeded_at=None,
            error_count=3,
            error="404",
        )
        sampler = ArchiveSampler(archive, metrics)
        await sampler.sample(now)
        await feed_in_state(
            archive,
            "https://example.org/bad",
            fetched_at=now + 5,
            succeeded_at=None,
            error_count=4,
            error="404",
        )
        await sampler.sample(now + 10)

        found = await scrape(port)
        assert value(found, "civic_digest_messages_sent_total") == 1
        assert value(found, "civic_digest_flood_waits_total") == 1
        assert (
            value(found, "civic_digest_telegram_requests_total", method="sendMessage", outcome="ok")
            == 1
        )
        assert (
            value(
                found,
                "civic_digest_telegram_requests_total",
                method="sendMessage",
                outcome="forbidden",
            )
            == 1
        )
        assert value(found, "civic_digest_handler_seconds_count", update_type="message") == 2
        assert value(found, "civic_digest_handler_errors_total", update_type="message") == 1
        assert value(found, "civic_digest_feeds", state="enabled") == 2
        assert value(found, "civic_digest_feeds", state="failing") == 1
        assert value(found, "civic_digest_feeds_polled_total") == 1
        assert value(found, "civic_digest_feed_failures_total") == 1
        assert 0 < value(found, "civic_digest_last_poll_age_seconds") < 60
        assert value(found, "civic_digest_outbox_dead") == 0
        assert value(found, "civic_digest_asyncio_tasks") >= 1
        assert value(found, "process_open_fds") > 0
    # The stack stopped the server: the port no longer answers.
    with pytest.raises(aiohttp.ClientConnectionError):
        await scrape(port)


async def test_no_port_no_server(archive: Archive) -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    services = cast(Services, SimpleNamespace(settings=settings, archive=archive))
    async with AsyncExitStack() as stack:
        assert await start_metrics(stack, cast(Bot, None), services) is None
