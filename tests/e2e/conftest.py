"""The bot as people meet it: the real dispatcher and aiogram session polling the fake Bot
API on loopback, over a real archive file.

Fixtures (import them into tests outside tests/e2e with
`from tests.e2e.conftest import fake_telegram, running_bot`):
- `fake_telegram`: a started FakeTelegram without flood limits (tests of limits set their own);
- `bot_settings`: Settings pointing at it, with ADMIN_ID as the only admin;
- `running_bot`: a `BotUnderTest` polling the fake until the test ends, with helpers to write
  as a user (`say`), press buttons (`press`) and read a message as it is now (`current`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
from pydantic import SecretStr

from bot.app import create_bot, create_dispatcher
from bot.config import Settings
from bot.services import Services
from feeds.archive import Archive
from feeds.classify import Classifier
from tests.conftest import wait_for
from tests.fakes.telegram_api import Call, FakeTelegram
from tests.fakes.telegram_updates import FakeUser

ADMIN_ID = 9001


@dataclass
class BotUnderTest:
    fake: FakeTelegram
    services: Services
    dispatcher: Any

    @property
    def archive(self) -> Archive:
        return self.services.archive

    async def say(
        self, user: FakeUser, text: str, *, chat: dict[str, Any] | None = None, count: int = 1
    ) -> list[dict[str, Any]]:
        """`user` writes `text` (in their private chat or `chat`); the bot's next `count` messages there."""
        chat_id = int(chat["id"]) if chat else user.id
        before = len(self.fake.sent_messages(chat_id))
        self.fake.send_text(user, text, chat=chat)
        sent = await self.fake.wait_for_messages(chat_id, before + count)
        return sent[before:]

    async def reply(self, user: FakeUser, text: str, **kwargs: Any) -> dict[str, Any]:
        """The one message the bot answers `text` with."""
        return (await self.say(user, text, **kwargs))[0]

    async def press(
        self,
        user: FakeUser,
        message: dict[str, Any],
        label: str | None = None,
        *,
        data: str | None = None,
    ) -> Call:
        """`user` presses a button (by label or raw data); returns the answerCallbackQuery call."""
        answered = len(self.fake.calls("answerCallbackQuery"))
        self.fake.press_button(user, message, data, text=label)
        calls = await self.fake.wait_for_calls("answerCallbackQuery", answered + 1)
        return calls[answered]

    def current(self, message: dict[str, Any]) -> dict[str, Any]:
        """A bot message as it is now, after edits."""
        found = self.fake.message(message["chat"]["id"], message["message_id"])
        assert found is not None
        return found


def button_labels(message: dict[str, Any]) -> list[str]:
    rows = (message.get("reply_markup") or {}).get("inline_keyboard", [])
    return [button["text"] for row in rows for button in row]


@pytest.fixture
async def fake_telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(limits=None) as fake:
        yield fake


@pytest.fixture
def bot_settings(fake_telegram: FakeTelegram, archive: Archive) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        bot_token=SecretStr(fake_telegram.token),
        telegram_api_url=fake_telegram.url,
        admin_ids=frozenset({ADMIN_ID}),
        database_path=archive.path,
        feeds_allow_private=True,
    )


@pytest.fixture
async def running_bot(
    fake_telegram: FakeTelegram, archive: Archive, bot_settings: Settings
) -> AsyncIterator[BotUnderTest]:
    """The dispatcher polling the fake (no sender or scheduler); stopped after the test."""
    services = Services(bot_settings, archive, None, Classifier.load())  # type: ignore[arg-type]
    bot = create_bot(bot_settings)
    dispatcher = create_dispatcher(services, background=False)
    polling = asyncio.create_task(
        dispatcher.start_polling(bot, handle_signals=False, polling_timeout=1)
    )
    try:
        # The fake records a getUpdates when it ends; a poll in progress means the bot is up.
        await wait_for(lambda: fake_telegram.polling)
        yield BotUnderTest(fake_telegram, services, dispatcher)
    finally:
        await dispatcher.stop_polling()
        await polling
        await bot.session.close()
