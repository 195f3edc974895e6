"""The archive: one SQLite file holding feeds, items, stories, subscribers and the outbox.

All SQL of the product lives in this package, one store per area, so that another backend
can replace it whole. `open_archive(path)` opens (and migrates) it; `close()` closes it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from feeds.archive.db import ArchiveError, Database
from feeds.archive.digests import DigestStore
from feeds.archive.items import ItemStore
from feeds.archive.meta import MetaStore
from feeds.archive.outbox import OutboxStore
from feeds.archive.search import SearchStore
from feeds.archive.sending import SendQueue
from feeds.archive.sources import SourceStore
from feeds.archive.stats import StatsStore
from feeds.archive.stories import StoryStore
from feeds.archive.story_index import StoryIndex
from feeds.archive.subscribers import SubscriberStore
from feeds.archive.terms import TermStore

__all__ = ["Archive", "ArchiveError", "connect_archive", "open_archive"]


class Archive:
    """The stores over one database. Build it with `open_archive`."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.sources = SourceStore(db)
        self.items = ItemStore(db)
        self.search = SearchStore(db)
        self.terms = TermStore(db)
        self.stories = StoryStore(db)
        self.story_index = StoryIndex(db)
        """The recent story word index in memory, for the refreshes' story matching."""
        self.subscribers = SubscriberStore(db)
        self.outbox = OutboxStore(db)
        self.sending = SendQueue(db)
        self.meta = MetaStore(db)
        self.digests = DigestStore(db)
        self.stats = StatsStore(db)

    @property
    def path(self) -> Path:
        return self.db.path

    async def close(self) -> None:
        await self.db.close()


async def connect_archive(path: Path | str) -> Archive:
    """Open the archive at `path` (created with its folder, migrated); the caller closes it."""
    db = Database(Path(path))
    await db.open()
    return Archive(db)


@asynccontextmanager
async def open_archive(path: Path | str) -> AsyncIterator[Archive]:
    """Open the archive for the duration of a block, and close it after."""
    archive = await connect_archive(path)
    try:
        yield archive
    finally:
        await archive.close()
