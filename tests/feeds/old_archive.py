"""Archives as an earlier version of the bot left them, for the tests of upgrades."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from feeds.archive import Archive, connect_archive
from feeds.archive import db as db_module


@asynccontextmanager
async def archive_before(path: Path, migration: int) -> AsyncIterator[Archive]:
    """The archive at `path` opened by a version that had only the migrations numbered
    below `migration`; it is closed on the way out, and opening it again applies the rest."""
    every_migration = db_module._migration_files()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(db_module, "_migration_files",
                      lambda: [m for m in every_migration if m[0] < migration])
        archive = await connect_archive(path)
    try:
        yield archive
    finally:
        await archive.close()
