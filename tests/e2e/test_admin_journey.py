"""An admin and a reader through `civic-digest run` as a subprocess: the deployed wiring
(settings from the environment, the shared fetcher, the filter) from /addfeed to /search.

The admin adds a feed from the fake news site by its site page, polls it, imports OPML,
exports it and reads /stats; a reader searches, pages and uses inline mode; a stranger is
refused. SIGTERM ends it; the log holds no traceback and no token.
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
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.telegram_updates import FakeUser

STARTUP_DEADLINE = 120.0  # importing aiogram takes long on a busy 2-core machine
STEP_DEADLINE = 30.0

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
<outline type="rss" text="Atom" xmlUrl="{atom}"/>
<outline type="rss" text="Bad" xmlUrl="gopher://old.example.kz/"/>
</body></opml>"""


@pytest.fixture
async def deployed(
    tmp_path: Path,
) -> AsyncIterator[tuple[FakeTelegram, FeedServer, asyncio.subprocess.Process]]:
    async with FakeTelegram(limits=None) as fake, FeedServer() as site:
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
            yield fake, site, process
        finally:
            if process.returncode is None:  # the test failed midway: show what the bot logged
                process.kill()
                _, stderr = await process.communicate()
                print(stderr.decode("utf-8", "replace")[-5000:])


class Chat:
    def __init__(self, fake: FakeTelegram) -> None:
        self.fake = fake

    async def say(self, user: FakeUser, text: str) -> dict[str, Any]:
        before = len(self.fake.sent_messages(user.id))
        self.fake.send_text(user, text)
        sent = await self.fake.wait_for_messages(user.id, before + 1, deadline=STEP_DEADLINE)
        return sent[before]

    async def settled(self, message: dict[str, Any]) -> dict[str, Any]:
        """A progress message ("⏳ …") once the bot has edited in its result."""

        def done() -> bool:
            current = self.fake.message(message["chat"]["id"], message["message_id"])
            return current is not None and "⏳" not in current["text"]

        await self.fake.wait_until(done, deadline=STEP_DEADLINE, what="the result")
        current = self.fake.message(message["chat"]["id"], message["message_id"])
        assert current is not None
        return current

    async def press(self, user: FakeUser, message: dict[str, Any], label: str) -> None:
        answered = len(self.fake.calls("answerCallbackQuery"))
        self.fake.press_button(user, message, text=label)
        await self.fake.wait_for_calls("answerCallbackQuery", answered + 1, deadline=STEP_DEADLINE)


async def test_admin_and_reader_journey_through_civic_digest_run(
    deployed: tuple[FakeTelegram, FeedServer, asyncio.subprocess.Process], tmp_path: Path
) -> None:
    fake, site, process = deployed

    def up() -> bool:
        if process.returncode is not None:
            raise AssertionError(f"civic-digest run exited with {process.returncode}")
        return fake.polling

    await wait_for(up, deadline=STARTUP_DEADLINE)
    chat = Chat(fake)
    admin = fake.user(ADMIN_ID, first_name="Admin", language_code="ru")
    stranger = fake.user(8101, language_code="kk")
    reader = fake.user(8102, language_code="en")

    refused = await chat.say(stranger, "/addfeed " + site.url("/feeds/rss2.xml"))
    assert "тек бот әкімшілеріне" in refused["text"]

    # A site page, not a feed: the feed it declares is offered, and added with one press.
    offer = await chat.settled(await chat.say(admin, "/addfeed " + site.url("/site/")))
    assert "веб-страница, а не лента" in offer["text"]
    before = len(fake.sent_messages(admin.id))
    await chat.press(admin, offer, button_labels(offer)[0])
    added = (await fake.wait_for_messages(admin.id, before + 1, deadline=STEP_DEADLINE))[before]
    assert "Лента #1 добавлена" in added["text"] and "Степной вестник" in added["text"]

    polled = await chat.settled(await chat.say(admin, "/poll"))
    assert "Проверено лент: 1. Новых материалов: 3" in polled["text"]

    fake.send_document(
        admin, OPML.replace(b"{atom}", site.url("/feeds/atom.xml").encode()), "feeds.opml"
    )
    imported = (await fake.wait_for_messages(admin.id, before + 3, deadline=STEP_DEADLINE))[-1]
    assert "добавлено 1, уже были в списке 0, с ошибками 1" in imported["text"]
    exported = await chat.say(admin, "/export")
    assert "document" in exported and fake.uploaded(admin.id)[0].count(b"xmlUrl=") == 2
    stats = await chat.say(admin, "/stats")
    assert "Материалов за 24 ч: 3" in stats["text"] and fake.token not in stats["text"]

    found = await chat.say(reader, "/search некоммерческих организаций")
    assert "Общественный совет обсудил закон" in found["text"]
    assert await chat.say(reader, "гранты") is not None  # plain text is a search too
    fake.inline_query(reader, "гранты")
    [answer] = await fake.wait_for_calls("answerInlineQuery", deadline=STEP_DEADLINE)
    assert answer.ok and any("Гранты" in r["title"] for r in answer.params["results"])

    process.send_signal(signal.SIGTERM)
    _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
    log = stderr.decode("utf-8", "replace")
    assert process.returncode == 0, log
    assert "Traceback" not in log, log
    assert fake.token not in log

    async with open_archive(tmp_path / "data" / "archive.db") as archive:
        urls = [s.url for s in await archive.sources.all()]
        assert urls == [site.url("/feeds/rss2.xml"), site.url("/feeds/atom.xml")]
        assert await archive.items.count() == 3
