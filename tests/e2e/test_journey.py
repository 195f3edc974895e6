"""A whole journey through `civic-digest run` as a subprocess, against the fake Bot API.

The bot runs exactly as deployed (the console command, settings from the environment); the
test is the people on the other side: a Kazakh-speaking subscriber, an English-speaking one
and an admin. It ends with SIGTERM, and the bot must exit 0 having closed everything.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from feeds.archive import open_archive
from tests.conftest import REPO_ROOT, wait_for
from tests.e2e.conftest import ADMIN_ID, button_labels
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import FakeUser

STARTUP_DEADLINE = 120.0  # importing aiogram takes long on a busy 2-core machine


class People:
    """What the people do, and what they see."""

    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def say(self, user: FakeUser, text: str) -> dict[str, Any]:
        before = len(self.fake.sent_messages(user.id))
        self.fake.send_text(user, text)
        sent = await self.fake.wait_for_messages(user.id, before + 1, deadline=20)
        return sent[before]

    async def press(self, user: FakeUser, message: dict[str, Any], label: str) -> dict[str, Any]:
        answered = len(self.fake.calls("answerCallbackQuery"))
        self.fake.press_button(user, message, text=label)
        await self.fake.wait_for_calls("answerCallbackQuery", answered + 1, deadline=20)
        current = self.fake.message(message["chat"]["id"], message["message_id"])
        assert current is not None
        return current


@pytest.fixture
async def bot_process(
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeTelegram, asyncio.subprocess.Process]]:
    async with FakeTelegram() as fake:  # with the flood limits of the real server
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))},
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "DATABASE_PATH": str(tmp_path / "data" / "archive.db"),
            "FEEDS_ALLOW_PRIVATE": "true",
            "ADMIN_IDS": str(ADMIN_ID),
            "POLL_INTERVAL_SECONDS": "3600",
            "PYTHONPATH": str(REPO_ROOT),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--polling-timeout",
            "2",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:
            yield fake, process
        finally:
            if process.returncode is None:  # the test failed midway: show what the bot logged
                process.kill()
                _, stderr = await process.communicate()
                print(stderr.decode("utf-8", "replace")[-5000:])


async def test_a_journey_through_civic_digest_run(
    bot_process: tuple[FakeTelegram, asyncio.subprocess.Process], tmp_path: Path
) -> None:
    fake, process = bot_process

    def up() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"civic-digest run exited with {process.returncode}")
        return fake.polling

    await wait_for(up, deadline=STARTUP_DEADLINE)
    people = People(fake)
    assert {c["command"] for c in fake.commands(None, "kk")} >= {"start", "search", "lang"}
    assert any(
        c["command"] == "addfeed"
        for c in fake.commands({"type": "chat", "chat_id": ADMIN_ID}, "ru")
    )

    aigerim = fake.user(8001, first_name="Айгерім", language_code="kk")
    welcome = await people.say(aigerim, "/start")
    assert "Сәлеметсіз бе" in welcome["text"] and "09:00" in welcome["text"]
    screen = await people.press(aigerim, welcome, "Баптаулар")
    assert "✓ Күн сайын" in button_labels(screen)
    screen = await people.press(aigerim, screen, "Апта сайын")
    assert "Дайджест: аптасына бір рет: дүйсенбі, 09:00" in screen["text"]
    assert len(fake.sent_messages(aigerim.id)) == 1  # every change edited the one message
    alert = await people.say(aigerim, "/watch ҮЕҰ гранттары")
    assert "«үеұ гранттары»" in alert["text"]
    switched = await people.say(aigerim, "/lang ru")
    assert "Язык: Русский" in switched["text"]
    assert "Что хранится и зачем" in (await people.say(aigerim, "/help"))["text"]
    hostile = await people.say(aigerim, "/watch \u202e\u200b<script>alert(1)</script>")
    assert "«<script>alert(1)</script>»" in hostile["text"]  # escaped, shown as written
    long_word = await people.say(aigerim, "/watch " + "ә" * 4000)
    assert "100" in long_word["text"] and "4000" in long_word["text"]  # refused, not cut

    john = fake.user(8002, first_name="John", language_code="en-US")
    assert "Hello" in (await people.say(john, "/start human_rights"))["text"]
    assert "unsubscribed" in (await people.say(john, "/stop"))["text"]

    admin = fake.user(ADMIN_ID, first_name="Admin", language_code="ru")
    await people.say(admin, "/start")
    question = await people.say(aigerim, "/forget")
    done = await people.press(aigerim, question, "Да, удалить всё")
    assert "больше ничего не хранится" in done["text"]

    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode("utf-8", "replace")
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    assert fake.token not in log  # the token never reaches the logs

    async with open_archive(tmp_path / "data" / "archive.db") as archive:
        assert await archive.subscribers.get(aigerim.id) is None
        stopped = await archive.subscribers.get(john.id)
        assert (
            stopped is not None
            and stopped.status == "stopped"
            and stopped.topics == ["human_rights"]
        )
        assert [s.chat_id for s in await archive.subscribers.active()] == [ADMIN_ID]
