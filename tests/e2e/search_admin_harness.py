"""The bot as users meet it, for the search and admin tests: the real dispatcher and aiogram
session polling the fake Bot API on loopback, over a real archive, plus a way to fill the
archive with news items."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.services import Services
from feeds.archive import Archive
from feeds.archive.items import insert_new_items
from feeds.classify import Classifier
from feeds.models import Item, Verdict
from feeds.textnorm import stem_text
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import FakeUser

ADMIN_ID = 9001


@dataclass
class RunningBot:
    fake: FakeTelegram
    services: Services

    async def say(self, user: FakeUser, text: str, count: int = 1) -> list[dict[str, Any]]:
        """`user` writes `text`; returns the bot's next `count` messages to that chat."""
        before = len(self.fake.sent_messages(user.id))
        self.fake.send_text(user, text)
        sent = await self.fake.wait_for_messages(user.id, before + count)
        return sent[before:]

    async def press(self, user: FakeUser, message: dict[str, Any], label: str) -> dict[str, Any]:
        """`user` presses the button labelled `label`; returns the callback's answer call."""
        answered = len(self.fake.calls("answerCallbackQuery"))
        self.fake.press_button(user, message, text=label)
        calls = await self.fake.wait_for_calls("answerCallbackQuery", answered + 1)
        return calls[answered].params

    async def press_data(self, user: FakeUser, message: dict[str, Any], data: str) -> dict[str, Any]:
        answered = len(self.fake.calls("answerCallbackQuery"))
        self.fake.press_button(user, message, data)
        calls = await self.fake.wait_for_calls("answerCallbackQuery", answered + 1)
        return calls[answered].params

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """A bot message as it is now, after edits."""
        found = self.fake.message(message["chat"]["id"], message["message_id"])
        assert found is not None
        return found


def make_settings(fake: FakeTelegram, archive: Archive, admin_ids: Iterable[int]) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=fake.token,
        telegram_api_url=fake.url,
        admin_ids=frozenset(admin_ids),
        database_path=archive.path,
        feeds_allow_private=True,
    )


@asynccontextmanager
async def running_bot(
    archive: Archive, *, admin_ids: Iterable[int] = (ADMIN_ID,), fetcher: Any = None,
    classifier: Classifier | None = None,
) -> AsyncIterator[RunningBot]:
    """The bot polling a fresh fake Telegram; stopped and closed on the way out."""
    async with FakeTelegram(limits=None) as fake:
        settings = make_settings(fake, archive, admin_ids)
        services = Services(settings, archive, fetcher, classifier or Classifier.load())
        bot = create_bot(settings)
        dispatcher = create_dispatcher(services, background=False)
        polling = asyncio.create_task(
            dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
        )
        try:
            await fake.wait_for_calls("getUpdates")
            yield RunningBot(fake, services)
        finally:
            await dispatcher.stop_polling()
            await polling
            await bot.session.close()


def news_item(
    n: int, title: str, text: str, *, language: str = "ru", source_id: int = 1,
    relevant: bool = True, age_hours: float = 1.0, url: str | None = None,
) -> Item:
    now = time.time()
    return Item(
        source_id=source_id, guid=f"g{n}", url=url or f"https://news.example.kz/{n}",
        canonical_url=url or f"https://news.example.kz/{n}", title=title, text=text,
        language=language, published_at=now - age_hours * 3600 - n, fetched_at=now,
        content_hash=f"h{n}",
        verdict=Verdict(relevant=relevant, score=1.0 if relevant else 0.0,
                        topics=["ngo_civil_society"] if relevant else []),
    )


async def store_items(archive: Archive, items: list[Item], source_title: str = "Хабар НКО") -> None:
    """Store items under one feed (created when missing), indexed for search."""
    source, _ = await archive.sources.add("https://news.example.kz/rss", title=source_title)
    for item in items:
        item.source_id = source.id
    stems = [(stem_text(i.title, i.language), stem_text(i.text, i.language)) for i in items]
    async with archive.db.transaction() as conn:
        await insert_new_items(conn, items, stems)
