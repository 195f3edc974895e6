"""`civic-digest backup PATH`: a consistent copy of the archive, safe while the bot runs.

It uses SQLite's online backup API in one step: the copy is a snapshot of one moment, taken
inside a read transaction, which in WAL mode never blocks the running bot's writes. The copy is
written beside its destination, checked by opening it as an archive, made readable by its
owner only (it holds subscribers' chat ids), and then renamed into place, so PATH is either
the previous file or a complete backup. Restore: see docs/OPERATIONS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings

HELP = "copy the archive to PATH (a file, or a folder for a dated file), safe while the bot runs"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("path", type=Path, help="backup file, or a folder to put a dated copy in")
    parser.add_argument("--force", action="store_true", help="replace PATH if it exists")


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    seconds: float
    feeds: int
    items: int
    subscribers: int

    def describe(self) -> str:
        return (
            f"wrote {self.path}: {self.size_bytes / 1_048_576:.1f} MB, {self.feeds} feeds, "
            f"{self.items} items, {self.subscribers} subscribers, in {self.seconds:.1f} s"
        )


class BackupError(RuntimeError):
    """The backup could not be made; the message says why in plain words."""


def backup_target(path: Path, now: datetime | None = None) -> Path:
    """The file to write: `path` itself, or a dated file inside it when it is a folder."""
    if path.is_dir():
        stamp = (now or datetime.now(UTC)).strftime("%Y%m%d-%H%M%S")
        return path / f"civic-digest-{stamp}.db"
    return path


def _prepare(source: Path, target: Path, force: bool) -> Path:
    """Check the paths; returns the temporary file the copy is written to first."""
    if not source.is_file():
        raise BackupError(f"there is no archive at {source}")
    if target.exists() and not force:
        raise BackupError(f"{target} exists; pass --force to replace it")
    if target.resolve() == source.resolve():
        raise BackupError("the backup cannot replace the archive itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    return partial


def _copy(source: Path, partial: Path) -> None:
    """SQLite online backup of `source` into a new file `partial`, in one step."""
    src = sqlite3.connect(source, timeout=30)
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)
        finally:
            dst.close()
    finally:
        src.close()


async def backup_archive(source: Path, target: Path, *, force: bool = False) -> BackupResult:
    """Copy the archive at `source` to `target` atomically; raises BackupError."""
    from feeds.archive import ArchiveError, open_archive

    partial = await asyncio.to_thread(_prepare, source, target, force)
    started = time.monotonic()
    try:
        await asyncio.to_thread(_copy, source, partial)
        os.chmod(partial, 0o600)
        async with open_archive(partial) as copy:  # proves the copy opens and reads
            overview = await copy.stats.overview(time.time())
            feeds = len(await copy.sources.all())
    except (sqlite3.Error, ArchiveError, OSError) as exc:
        partial.unlink(missing_ok=True)
        raise BackupError(f"the backup failed: {exc}") from exc
    os.replace(partial, target)
    return BackupResult(
        path=target,
        size_bytes=os.stat(target).st_size,
        seconds=time.monotonic() - started,
        feeds=feeds,
        items=overview.items_total,
        subscribers=overview.active + overview.stopped + overview.blocked,
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    target = backup_target(args.path)
    try:
        result = asyncio.run(backup_archive(settings.database_path, target, force=args.force))
    except BackupError as exc:
        print(f"civic-digest backup: {exc}")
        return 1
    print(result.describe())
    return 0
