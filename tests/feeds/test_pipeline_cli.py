"""`civic-digest poll` as a user runs it: settings from the environment, a real archive file."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main as cli_main
from bot.commands.poll import _seed_if_empty, format_reports
from feeds.archive import Archive, open_archive
from feeds.models import FeedStatus
from feeds.pipeline import RefreshReport
from tests.fakes.feed_server import FeedServer


@pytest.fixture
def environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    monkeypatch.chdir(tmp_path)  # no stray .env
    database = tmp_path / "data" / "archive.db"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("FEEDS_ALLOW_PRIVATE", "true")
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    # The command sets up logging on the captured stderr; put the test's logging back after.
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield database
    for handler in root.handlers:
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


async def test_poll_prints_a_line_per_feed_and_a_summary(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    async with FeedServer() as server:
        async with open_archive(environment) as archive:
            good, _ = await archive.sources.add(server.url("/feeds/rss2.xml"))
            missing, _ = await archive.sources.add(server.url("/status/404"))
            empty, _ = await archive.sources.add(server.url("/feeds/empty.xml"))
        code = await asyncio.to_thread(cli_main, ["poll"])
        lines = capsys.readouterr().out.strip().splitlines()
        again = await asyncio.to_thread(cli_main, ["poll"])  # every feed, due or not
        second = capsys.readouterr().out.strip().splitlines()
    assert code == 0 and again == 0
    assert lines[0] == f"#{good.id} Степной вестник: 3 new / 3 total / 2 kept / ok"
    assert lines[1].startswith(f"#{missing.id} ") and lines[1].endswith("/ error / not found (404)")
    assert lines[2] == (f"#{empty.id} Пустая лента: 0 new / 0 total / 0 kept / warning"
                        " / the feed has no entries")
    assert lines[3] == "Polled 3 feeds: 3 new items, 2 relevant, 1 errors."
    assert second[0].endswith("0 new / 0 total / 0 kept / not_modified")
    async with open_archive(environment) as archive:
        assert await archive.items.count() == 3
        state = await archive.sources.get(missing.id)
        assert state is not None and state.last_error == "not found (404)"
        assert state.error_count == 2


async def test_poll_with_worker_processes_gives_the_same_lines(
    environment: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("INGEST_PROCESSES", "1")
    async with FeedServer() as server:
        async with open_archive(environment) as archive:
            good, _ = await archive.sources.add(server.url("/feeds/rss2.xml"))
            broken, _ = await archive.sources.add(server.url("/feeds/broken.xml"))
        code = await asyncio.to_thread(cli_main, ["poll"])
    lines = capsys.readouterr().out.strip().splitlines()
    assert code == 0
    assert lines[0] == f"#{good.id} Степной вестник: 3 new / 3 total / 2 kept / ok"
    assert lines[1].startswith(f"#{broken.id} ") and "/ error / " in lines[1]


def test_poll_exits_non_zero_only_when_the_archive_cannot_be_opened(
    environment: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    environment.mkdir(parents=True)  # a folder where the database file should be
    code = cli_main(["poll"])
    assert code == 1
    assert "cannot open the archive" in capsys.readouterr().err


async def test_an_empty_archive_is_seeded_with_the_bundled_feeds(
    archive: Archive, capsys: pytest.CaptureFixture[str]
) -> None:
    await _seed_if_empty(archive)
    seeded = await archive.sources.all()
    assert seeded and all(source.url.startswith("http") for source in seeded)
    assert "bundled" in capsys.readouterr().out
    await _seed_if_empty(archive)  # only ever into an empty archive
    assert len(await archive.sources.all()) == len(seeded)


def test_summary_of_nothing_says_how_to_add_a_feed() -> None:
    assert format_reports([])[-1].startswith("There are no enabled feeds")
    report = RefreshReport(source_id=1, url="https://ex.kz/rss", title="", status=FeedStatus.GONE,
                           error="gone: the feed was removed (410)")
    assert format_reports([report])[0] == (
        "#1 https://ex.kz/rss: 0 new / 0 total / 0 kept / gone / gone: the feed was removed (410)"
    )
