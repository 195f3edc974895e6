"""Heartbeat and `civic-digest health`: healthy only when alive and polling."""

from __future__ import annotations

import argparse
import asyncio
import time
from pathlib import Path

import pytest

from bot.commands import health
from bot.config import Settings
from bot.heartbeat import HEARTBEAT_KEY, HeartbeatWriter, check_health, poll_overdue_after
from feeds.archive import Archive, open_archive
from tests.conftest import wait_for
from tests.ops.helpers import feed_in_state

INTERVAL = 600


async def test_no_heartbeat_is_unhealthy(archive: Archive) -> None:
    report = await check_health(archive, poll_interval=INTERVAL)
    assert not report.healthy
    assert "no heartbeat" in report.summary()


async def test_heartbeat_is_written_now_and_then(archive: Archive) -> None:
    writer = HeartbeatWriter(archive, interval=0.05)
    await writer.start()
    try:
        first = await archive.meta.get(HEARTBEAT_KEY)
        assert first is not None

        async def beat_again() -> bool:
            latest = await archive.meta.get(HEARTBEAT_KEY)
            return latest is not None and latest[1] > first[1]

        await wait_for(beat_again, deadline=5)
    finally:
        await writer.stop()
    report = await check_health(archive, poll_interval=INTERVAL)
    assert report.healthy, report.summary()


@pytest.mark.parametrize(
    ("beat_age", "poll_age", "healthy", "reason"),
    [
        (10, 60, True, ""),
        (119, 60, True, ""),
        (121, 60, False, "heartbeat is 2 min old"),
        (10, poll_overdue_after(INTERVAL) + 1, False, "polling is overdue"),
        (3 * 3600, 5 * 3600, False, "not running"),
    ],
)
async def test_health_verdicts(
    archive: Archive, beat_age: float, poll_age: float, healthy: bool, reason: str
) -> None:
    now = time.time()
    long_ago = now - 10 * 86400
    writer = HeartbeatWriter(archive, clock=lambda: long_ago)  # started long ago
    await writer.beat()
    await archive.meta.set(
        HEARTBEAT_KEY, (await archive.meta.get(HEARTBEAT_KEY) or ("",))[0], now=now - beat_age
    )
    await feed_in_state(
        archive, "https://example.org/rss", fetched_at=now - poll_age, succeeded_at=now - poll_age
    )
    report = await check_health(archive, poll_interval=INTERVAL, now=now)
    assert report.healthy is healthy, report.summary()
    assert reason in report.summary()


async def test_a_fresh_start_is_not_overdue_before_its_first_poll(archive: Archive) -> None:
    now = time.time()
    await feed_in_state(
        archive,
        "https://example.org/old",
        fetched_at=now - 30 * 86400,
        succeeded_at=now - 30 * 86400,
    )
    await HeartbeatWriter(archive, clock=lambda: now).beat()  # restarted just now
    report = await check_health(archive, poll_interval=INTERVAL, now=now + 5)
    assert report.healthy, report.summary()


def _run_health(settings: Settings) -> tuple[int, str]:
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = health.main(argparse.Namespace(max_heartbeat_age=120.0), settings)
    return code, out.getvalue()


def test_cli_without_an_archive_says_so(tmp_path: Path) -> None:
    settings = Settings(database_path=tmp_path / "missing.db", _env_file=None)  # type: ignore[call-arg]
    code, output = _run_health(settings)
    assert code == 1 and "there is no archive at" in output
    assert not (tmp_path / "missing.db").exists(), "health must never create an archive"


def test_cli_healthy_and_unhealthy(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    settings = Settings(database_path=path, _env_file=None)  # type: ignore[call-arg]

    async def prepare(age: float) -> None:
        async with open_archive(path) as archive:
            await archive.meta.set(
                HEARTBEAT_KEY, '{"pid": 1, "started_at": 0}', now=time.time() - age
            )

    asyncio.run(prepare(5))
    code, output = _run_health(settings)
    assert (code, output.split(":")[0]) == (0, "healthy")
    asyncio.run(prepare(600))
    code, output = _run_health(settings)
    assert code == 1 and "10 min old" in output


def test_cli_with_a_corrupt_archive(tmp_path: Path) -> None:
    path = tmp_path / "bot.db"
    path.write_bytes(b"this is not a database" * 100)
    settings = Settings(database_path=path, _env_file=None)  # type: ignore[call-arg]
    code, output = _run_health(settings)
    assert code == 1 and output.startswith("unhealthy: ")
