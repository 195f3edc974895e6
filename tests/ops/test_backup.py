"""`civic-digest backup`: a consistent copy while the bot writes, atomic and private."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import io
import stat
from pathlib import Path

import pytest

from bot.commands import backup
from bot.commands.backup import BackupError, backup_archive, backup_target
from bot.config import Settings
from feeds.archive import Archive, open_archive
from tests.conftest import wait_for


async def test_backup_while_the_bot_writes(archive: Archive, tmp_path: Path) -> None:
    """Writes go on during the backup; the copy holds a prefix of them, and none is lost."""
    written = 0
    stop = asyncio.Event()

    async def keep_writing() -> None:
        nonlocal written
        while not stop.is_set():
            await archive.sources.add(f"https://example.org/feed/{written}")
            written += 1
            await asyncio.sleep(0)

    writer = asyncio.create_task(keep_writing())
    try:
        await wait_for(lambda: written >= 50)
        copies = [await backup_archive(archive.path, tmp_path / f"copy{n}.db") for n in range(3)]
        at_end = written
    finally:
        stop.set()
        await writer
    counts = [c.feeds for c in copies]
    assert counts == sorted(counts) and counts[0] >= 50 and counts[-1] <= at_end
    for copy in copies:
        async with open_archive(copy.path) as restored:
            urls = [s.url for s in await restored.sources.all()]
        # A snapshot: exactly the first N writes, no gaps and no half-written rows.
        assert sorted(urls) == sorted(f"https://example.org/feed/{n}" for n in range(len(urls)))
    assert len(await archive.sources.all()) == written


async def test_backup_is_private_and_atomic(archive: Archive, tmp_path: Path) -> None:
    await archive.sources.add("https://example.org/rss")
    target = tmp_path / "nested" / "backup.db"
    result = await backup_archive(archive.path, target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert not list(target.parent.glob("*.partial"))
    assert result.feeds == 1 and "wrote" in result.describe()
    with pytest.raises(BackupError, match="exists"):
        await backup_archive(archive.path, target)
    await backup_archive(archive.path, target, force=True)
    with pytest.raises(BackupError, match="cannot replace the archive"):
        await backup_archive(archive.path, archive.path, force=True)


async def test_missing_archive(tmp_path: Path) -> None:
    with pytest.raises(BackupError, match="there is no archive"):
        await backup_archive(tmp_path / "none.db", tmp_path / "b.db")
    assert not (tmp_path / "none.db").exists()


def test_a_folder_gets_a_dated_file(tmp_path: Path) -> None:
    assert backup_target(tmp_path).name.startswith("civic-digest-")
    assert backup_target(tmp_path / "x.db") == tmp_path / "x.db"


def test_cli_prints_what_it_wrote(tmp_path: Path) -> None:
    source = tmp_path / "bot.db"

    async def prepare() -> None:
        async with open_archive(source) as archive:
            await archive.sources.add("https://example.org/rss")

    asyncio.run(prepare())
    settings = Settings(database_path=source, _env_file=None)  # type: ignore[call-arg]
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = backup.main(argparse.Namespace(path=tmp_path, force=False), settings)
    assert code == 0
    assert out.getvalue().startswith(f"wrote {tmp_path}/civic-digest-")
    assert "1 feeds" in out.getvalue()
