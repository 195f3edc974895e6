"""create_bot, create_dispatcher and the lifecycle hooks, against the fake Bot API."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from pathlib import Path

import pytest
from aiogram import Bot
from aiogram.enums import ParseMode

import bot.app as app_module
import bot.handlers as handlers_module
from bot.app import create_bot, create_dispatcher
from bot.cli import main as cli_main
from bot.config import Settings
from bot.services import Services
from feeds.archive import Archive
from feeds.classify import Classifier
from tests.conftest import wait_for
from tests.e2e.conftest import bot_settings, fake_telegram
from tests.fakes.telegram_api import FakeTelegram

__all__ = ["bot_settings", "fake_telegram"]

EVENTS: list[str] = []


async def start_probe(stack: AsyncExitStack, bot: Bot, services: Services) -> None:
    """A background part for the lifecycle test: records its start and stop."""
    EVENTS.append(f"start {services.archive.path.name}")
    stack.callback(EVENTS.append, "stop")


async def test_create_bot_sends_html_without_previews(
    fake_telegram: FakeTelegram, bot_settings: Settings
) -> None:
    bot = create_bot(bot_settings)
    try:
        assert bot.default.parse_mode == ParseMode.HTML
        user = fake_telegram.user(7001)
        await bot.send_message(user.id, "<b>bold</b> https://example.kz")
        (call,) = fake_telegram.calls("sendMessage")
        assert call.params["parse_mode"] == "HTML"
        assert call.params["link_preview_options"]["is_disabled"] is True
        assert fake_telegram.texts(user.id) == ["bold https://example.kz"]
    finally:
        await bot.session.close()


async def test_dispatchers_are_independent(archive: Archive, bot_settings: Settings) -> None:
    services = Services(bot_settings, archive, None, Classifier.load())  # type: ignore[arg-type]
    first, second = create_dispatcher(services), create_dispatcher(services)
    names = [router.name for router in first.sub_routers]
    assert names == [router.name for router in second.sub_routers]
    for expected in ("errors", "chats", "start", "settings", "watch", "privacy"):
        assert expected in names
    if "search" in names:  # the catch-all plain-text search comes after every command
        assert names.index("search") == len(names) - 1
    assert first["archive"] is archive and first["services"] is services


def test_missing_handler_modules_are_skipped(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        handlers_module, "HANDLER_MODULES", ("bot.handlers.start", "bot.handlers.not_built_yet")
    )
    assert [r.name for r in handlers_module.create_routers()] == ["start"]


async def test_startup_starts_background_parts_and_shutdown_stops_them(
    fake_telegram: FakeTelegram,
    archive: Archive,
    bot_settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(
        app_module, "BACKGROUND_PARTS", ((__name__, "start_probe"), ("bot.nope", "x"))
    )
    EVENTS.clear()
    services = Services(bot_settings, archive, None, Classifier.load())  # type: ignore[arg-type]
    bot = create_bot(bot_settings)
    dispatcher = create_dispatcher(services)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    await wait_for(lambda: fake_telegram.polling)
    assert EVENTS == ["start archive.db"]
    await dispatcher.stop_polling()
    await polling
    assert EVENTS == ["start archive.db", "stop"]


def test_run_without_a_token_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.setenv("DATABASE_PATH", str(tmp_path / "db.sqlite"))
    assert cli_main(["run"]) == 2
    err = capsys.readouterr().err
    assert "BOT_TOKEN" in err and "@BotFather" in err and "civic-digest preview" in err
    assert not (tmp_path / "db.sqlite").exists()  # nothing opened before the token check
