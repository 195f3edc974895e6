"""Stories: items about one event from several sources, with one representative.

`assign_stories` runs inside a feed refresh's transaction, after the new items were
inserted: each item joins the story of the most similar item published within 48 hours
around it (feeds/stories.py decides what "similar" is), or starts a story of its own. The
items compared are found through an inverted index of specific words keyed by day
(`story_terms`), so only the few items of those days that share its words are read.
"""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass

import aiosqlite

from feeds.archive.db import Database
from feeds.models import Item
from feeds.stories import (
    STORY_WINDOW_SECONDS,
    Fingerprint,
    Member,
    best_story,
    fingerprint,
    index_terms,
)


@dataclass(frozen=True, slots=True)
class Story:
    """A story as readers see it: its representative item and every item's source."""

    id: int
    representative_id: int
    first_published_at: float
    last_published_at: float
    item_ids: list[int]
    sources: list[str]  # feed titles of its items, the representative's first, no repeats


DAY_SECONDS = 86_400
TERMS_KEPT_DAYS = 14
"""Days of the inverted index kept behind the newest item: older items still keep their
stories, but an item published that long before its arrival starts a story of its own."""
CANDIDATES_PER_ITEM = 50
"""Items compared in full with a new item: those sharing the most specific words."""


def _day(timestamp: float) -> int:
    return int(timestamp // DAY_SECONDS)


async def _candidates(conn: aiosqlite.Connection, item: Item, fp: Fingerprint) -> list[Member]:
    """The items of the days around `item` that share the most of its specific words."""
    terms = index_terms(fp)
    if not terms:
        return []
    days = list(range(_day(item.published_at - STORY_WINDOW_SECONDS),
                      _day(item.published_at + STORY_WINDOW_SECONDS) + 1))
    cursor = await conn.execute(
        f"""
        SELECT f.item_id, f.story_id, f.source_id, f.published_at, f.title, f.lead
        FROM (
            SELECT item_id, COUNT(*) AS shared FROM story_terms
            WHERE day IN ({",".join("?" * len(days))})
              AND term IN (SELECT value FROM json_each(?))
            GROUP BY item_id ORDER BY shared DESC, item_id DESC LIMIT ?
        ) AS c JOIN story_fingerprints AS f ON f.item_id = c.item_id
        """,
        (*days, json.dumps(terms, ensure_ascii=False), CANDIDATES_PER_ITEM),
    )
    return [
        Member(
            item_id=row[0], story_id=row[1], source_id=row[2], published_at=row[3],
            fingerprint=Fingerprint.decode(row[4], row[5]),
        )
        for row in await cursor.fetchall()
    ]


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


async def _remember(conn: aiosqlite.Connection, item: Item, story_id: int,
                    fp: Fingerprint) -> None:
    """Store the item's fingerprint and index its specific words under its day."""
    title, lead = fp.encode()
    await conn.execute(
        "INSERT OR REPLACE INTO story_fingerprints"
        "(item_id, story_id, source_id, published_at, title, lead) VALUES (?,?,?,?,?,?)",
        (item.id, story_id, item.source_id, item.published_at, title, lead),
    )
    day = _day(item.published_at)
    await conn.executemany(
        "INSERT OR IGNORE INTO story_terms(day, term, item_id) VALUES (?,?,?)",
        [(day, term, item.id) for term in index_terms(fp)],
    )


async def assign_stories(conn: aiosqlite.Connection, items: list[Item]) -> None:
    """Give every new (already inserted) item a story; runs in the refresh transaction.

    An item joins the story of the most similar item of another source published within
    48 hours of it (of its own source only when it is a near-copy), or starts a new story
    with itself as the representative. Sets `item.story_id`. The cost per item is a few
    index seeks and at most `CANDIDATES_PER_ITEM` comparisons, whatever the archive's size.
    """
    stored = [item for item in items if item.id is not None]
    # Stemming is CPU work: done in a worker thread, the event loop keeps serving.
    fingerprints = await asyncio.to_thread(
        lambda: [fingerprint(item.title, item.text, item.language) for item in stored]
    )
    for item, fp in zip(stored, fingerprints, strict=True):
        candidates = await _candidates(conn, item, fp)
        story_id = best_story(fp, item.source_id, item.published_at, candidates)
        if story_id is None:
            story_id = await _new_story(conn, item, fp)
        else:
            await _join_story(conn, story_id, item)
        item.story_id = story_id
        await conn.execute("UPDATE items SET story_id = ? WHERE id = ?", (story_id, item.id))
        await _remember(conn, item, story_id, fp)
    if stored:
        newest = min(max(item.published_at for item in stored), time.time())
        await conn.execute(
            "DELETE FROM story_terms WHERE day < ?", (_day(newest) - TERMS_KEPT_DAYS,)
        )


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
