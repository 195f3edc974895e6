"""Stories: items about one event from several sources, with one representative.

Until story matching lands, every item is its own story.
"""

from __future__ import annotations

import aiosqlite

from feeds.archive.db import Database
from feeds.models import Item


async def assign_stories(conn: aiosqlite.Connection, items: list[Item]) -> None:
    """Give every new (already inserted) item a story; runs in the refresh transaction."""
    for item in items:
        cursor = await conn.execute(
            "INSERT INTO stories(representative_id, first_published_at, last_published_at)"
            " VALUES (?, ?, ?)",
            (item.id, item.published_at, item.published_at),
        )
        item.story_id = cursor.lastrowid
        await conn.execute("UPDATE items SET story_id = ? WHERE id = ?", (item.story_id, item.id))


class StoryStore:
    def __init__(self, db: Database) -> None:
        self._db = db
