"""`civic-digest deliver` as a process: killed mid-delivery and restarted, or stopped by SIGTERM.

The fake Bot API runs in the test's event loop on loopback; the command runs as a real
subprocess against the same SQLite file, with the settings in its environment.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber
from tests.bot.digest_seed import News, seed
from tests.conftest import wait_for
from tests.fakes.telegram_api import FakeTelegram

SUBSCRIBERS = 40
WORKERS = 4
CLI = str(Path(sys.executable).with_name("civic-digest"))


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram() as server:  # Telegram's flood limits are on
        yield server


@pytest.fixture
async def subscribed(archive: Archive) -> Archive:
    """An archive with fresh news and SUBSCRIBERS chats (a few groups among them)."""
    now = datetime.now(UTC).timestamp()
    await seed(archive, [News("НКО получили гранты на проекты"),
                         News("Общественный совет обсудил бюджет", hours_ago=2)], now)
    for n in range(SUBSCRIBERS):
        chat_id = -(5000 + n) if n % 10 == 0 else 1000 + n
        await archive.subscribers.subscribe(Subscriber(chat_id=chat_id, hour=(n % 24)))
    return archive


def environment(archive: Archive, fake: FakeTelegram) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "TELEGRAM_"))}
    env.update(
        DATABASE_PATH=str(archive.path),
        BOT_TOKEN=fake.token,
        TELEGRAM_API_URL=fake.url,
        SEND_RATE_PER_SECOND="28",
        SEND_WORKERS=str(WORKERS),
        LOG_LEVEL="WARNING",
    )
    return env


async def start_deliver(archive: Archive, fake: FakeTelegram, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        CLI, "deliver", *args,
        env=environment(archive, fake), cwd=archive.path.parent,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )


async def deliver_here(archive: Archive, fake: FakeTelegram, *, everyone: bool = False) -> int:
    """The same command in this process (a restart without paying for another interpreter)."""
    from bot.commands.deliver import deliver
    from bot.config import Settings

    settings = Settings(
        database_path=archive.path, telegram_api_url=fake.url, send_workers=WORKERS,
        _env_file=None,  # type: ignore[call-arg]
    )
    return await deliver(settings, fake.token, everyone=everyone)


async def finish(process: asyncio.subprocess.Process, within: float = 60.0) -> tuple[int, str]:
    out, err = await asyncio.wait_for(process.communicate(), within)
    assert process.returncode is not None
    return process.returncode, (out + err).decode()


def received(fake: FakeTelegram) -> Counter[int]:
    return Counter(int(m["chat"]["id"]) for m in fake.sent_messages())


async def outbox_states(archive: Archive) -> Counter[str]:
    cursor = await archive.db.reader.execute("SELECT state, COUNT(*) FROM outbox GROUP BY state")
    return Counter({row[0]: row[1] for row in await cursor.fetchall()})


async def parts_per_chat(archive: Archive) -> Counter[int]:
    cursor = await archive.db.reader.execute("SELECT chat_id, COUNT(*) FROM outbox GROUP BY chat_id")
    return Counter({row[0]: row[1] for row in await cursor.fetchall()})


async def test_sigkill_mid_delivery_then_restart_delivers_everything(
    subscribed: Archive, fake: FakeTelegram
) -> None:
    archive = subscribed
    first = await start_deliver(archive, fake, "--all")
    await wait_for(lambda: len(fake.sent_messages()) >= SUBSCRIBERS // 3, deadline=30)
    first.kill()  # SIGKILL: no chance to clean up
    await first.wait()
    assert first.returncode == -signal.SIGKILL

    composed = await parts_per_chat(archive)
    assert len(composed) == SUBSCRIBERS  # everything composed survived the kill
    # Claimed rows (in flight, or queued for a worker) wait in `sending` for the restart.
    assert (await outbox_states(archive))["sending"] <= 3 * WORKERS

    assert await deliver_here(archive, fake) == 0

    got = received(fake)
    assert set(got) == set(composed)  # every subscriber has the digest
    extra = sum(got[chat] - composed[chat] for chat in composed)
    assert all(got[chat] >= composed[chat] for chat in composed)
    assert extra <= WORKERS  # only what was in flight at the kill may arrive twice
    states = await outbox_states(archive)
    assert set(states) == {"sent"}


async def test_sigterm_finishes_in_flight_and_exits_zero(
    subscribed: Archive, fake: FakeTelegram
) -> None:
    archive = subscribed
    process = await start_deliver(archive, fake, "--all")
    await wait_for(lambda: len(fake.sent_messages()) >= 10, deadline=30)
    process.send_signal(signal.SIGTERM)
    code, output = await finish(process, within=12)  # in-flight sends get 10 s at most
    assert code == 0, output
    states = await outbox_states(archive)
    assert states["sending"] == 0
    assert states["pending"] > 0  # it stopped taking new work

    assert await deliver_here(archive, fake) == 0
    composed = await parts_per_chat(archive)
    assert received(fake) == composed  # a clean stop sends nothing twice


async def test_deliver_exits_one_when_something_is_dead(
    subscribed: Archive, fake: FakeTelegram, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.fakes.telegram_state import ApiError

    fake.fail(ApiError(400, "Bad Request: message is too long"), chat_id=1001)
    assert await deliver_here(subscribed, fake, everyone=True) == 1
    assert "dead: chat 1001" in capsys.readouterr().err
    assert received(fake)[1002] >= 1


async def test_deliver_without_token_says_how_to_get_one(archive: Archive, tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_PATH"] = str(archive.path)
    process = await asyncio.create_subprocess_exec(
        CLI, "deliver", env=env, cwd=tmp_path,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    code, output = await finish(process)
    assert code == 2
    assert "BOT_TOKEN is not set" in output
