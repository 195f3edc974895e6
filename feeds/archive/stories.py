"""Stories: items about one event from several sources, with one representative.

`assign_stories` runs inside a feed refresh's transaction, after the new items were
inserted: each item joins the story of the most similar item published within 48 hours
around it (feeds/stories.py decides what "similar" is), or starts a story of its own. Only
the fingerprints of that window are read, through the index on their publication time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiosqlite

from feeds.archive.db import Database
from feeds.models import Item
from feeds.stories import STORY_WINDOW_SECONDS, Fingerprint, Member, StoryIndex, fingerprint

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Story:
    """A story as readers see it: its representative item and every item's source."""

    id: int
    representative_id: int
    first_published_at: float
    last_published_at: float
    item_ids: list[int]
    sources: list[str]  # feed titles of its items, the representative's first, no repeats


async def _window(conn: aiosqlite.Connection, start: float, end: float) -> StoryIndex:
    cursor = await conn.execute(
        "SELECT item_id, story_id, source_id, published_at, title, lead"
        " FROM story_fingerprints WHERE published_at BETWEEN ? AND ?",
        (start, end),
    )
    return StoryIndex(
        Member(
            item_id=row[0], story_id=row[1], source_id=row[2], published_at=row[3],
            fingerprint=Fingerprint.decode(row[4], row[5]),
        )
        for row in await cursor.fetchall()
    )


async def _new_story(conn: aiosqlite.Connection, item: Item, fp: Fingerprint) -> int:
    cursor = await conn.execute(
        "INSERT INTO stories(representative_id, first_published_at, last_published_at,"
        " fingerprint) VALUES (?, ?, ?, ?)",
        (item.id, item.published_at, item.published_at, " ".join(fp.encode()).strip()),
    )
    assert cursor.lastrowid is not None
    return cursor.lastrowid


async def _join_story(conn: aiosqlite.Connection, story_id: int, item: Item) -> None:
    """Widen the story's time span; a relevant item replaces a representative that is not
    (the digest shows the representative, and it shows relevant news only)."""
    await conn.execute(
        "UPDATE stories SET first_published_at = MIN(first_published_at, ?),"
        " last_published_at = MAX(last_published_at, ?) WHERE id = ?",
        (item.published_at, item.published_at, story_id),
    )
    if item.verdict is not None and item.verdict.relevant:
        await conn.execute(
            "UPDATE stories SET representative_id = ? WHERE id = ? AND NOT EXISTS ("
            " SELECT 1 FROM items WHERE items.id = stories.representative_id"
            " AND items.relevant = 1)",
            (item.id, story_id),
        )


async def assign_stories(conn: aiosqlite.Connection, items: list[Item]) -> None:
    """Give every new (already inserted) item a story; runs in the refresh transaction.

    An item joins the story of the most similar item of another source published within
    48 hours of it (of its own source only when it is a near-copy), or starts a new story
    with itself as the representative. Sets `item.story_id`.
    """
    stored = [item for item in items if item.id is not None]
    if not stored:
        return
    start = min(item.published_at for item in stored) - STORY_WINDOW_SECONDS
    end = max(item.published_at for item in stored) + STORY_WINDOW_SECONDS
    index = await _window(conn, start, end)
    for item in stored:
        assert item.id is not None
        fp = fingerprint(item.title, item.text, item.language)
        story_id = index.match(fp, item.source_id, item.published_at)
        if story_id is None:
            story_id = await _new_story(conn, item, fp)
        else:
            await _join_story(conn, story_id, item)
        item.story_id = story_id
        title, lead = fp.encode()
        await conn.execute("UPDATE items SET story_id = ? WHERE id = ?", (story_id, item.id))
        await conn.execute(
            "INSERT OR REPLACE INTO story_fingerprints"
            "(item_id, story_id, source_id, published_at, title, lead) VALUES (?,?,?,?,?,?)",
            (item.id, story_id, item.source_id, item.published_at, title, lead),
        )
        index.add(Member(item.id, story_id, item.source_id, item.published_at, fp))
    log.debug("stories assigned to %d items (%d compared)", len(stored), len(index))


class StoryStore:
    """Reads stories for digests, search and the chat: who reported what."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def get(self, story_id: int) -> Story | None:
        """The story with its items (oldest first) and their sources, or None."""
        cursor = await self._db.reader.execute(
            "SELECT id, representative_id, first_published_at, last_published_at"
            " FROM stories WHERE id = ?",
            (story_id,),
        )
        row = await cursor.fetchone()
        if row is None:
            return None
        cursor = await self._db.reader.execute(
            "SELECT items.id, COALESCE(NULLIF(sources.title, ''), NULLIF(sources.site_url, ''),"
            " sources.url) FROM items JOIN sources ON sources.id = items.source_id"
            " WHERE items.story_id = ? ORDER BY items.id = ? DESC, items.published_at, items.id",
            (story_id, row[1]),
        )
        members = await cursor.fetchall()
        return Story(
            id=row[0], representative_id=row[1], first_published_at=row[2],
            last_published_at=row[3], item_ids=[m[0] for m in members],
            sources=list(dict.fromkeys(m[1] for m in members)),
        )

    async def sources_of(self, story_ids: list[int]) -> dict[int, list[str]]:
        """For each story, the sources that also reported it: every source of its items
        but the representative's, in order of publication. Stories nobody else reported
        map to an empty list; unknown ids are left out."""
        if not story_ids:
            return {}
        cursor = await self._db.reader.execute(
            "SELECT stories.id, rep.source_id, items.source_id,"
            " COALESCE(NULLIF(sources.title, ''), NULLIF(sources.site_url, ''), sources.url)"
            " FROM stories"
            " JOIN items ON items.story_id = stories.id"
            " JOIN sources ON sources.id = items.source_id"
            " LEFT JOIN items AS rep ON rep.id = stories.representative_id"
            " WHERE stories.id IN (SELECT value FROM json_each(?))"
            " ORDER BY stories.id, items.published_at, items.id",
            (json_list(story_ids),),
        )
        found: dict[int, list[str]] = {}
        for story_id, rep_source, source_id, title in await cursor.fetchall():
            others = found.setdefault(story_id, [])
            if source_id != rep_source and title not in others:
                others.append(title)
        return found

    async def items_of(self, story_id: int) -> list[int]:
        """Ids of the story's items, oldest first."""
        cursor = await self._db.reader.execute(
            "SELECT id FROM items WHERE story_id = ? ORDER BY published_at, id", (story_id,)
        )
        return [row[0] for row in await cursor.fetchall()]


def json_list(values: list[int]) -> str:
    """Integers as a JSON array, for `json_each` (no placeholder limit)."""
    return "[" + ",".join(str(int(v)) for v in values) + "]"
