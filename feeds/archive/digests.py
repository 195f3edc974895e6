"""Queries behind digests: candidate stories since a time, with the other sources of each.

One read serves any number of subscribers: `candidates(since)` returns every story with a
relevant item published at or after `since`, already grouped, and `delivered(...)` tells
which of them each chat has had. Filtering by topic, watch words and time per subscriber is
then plain Python over this one result (bot/digest.py), so 10,000 digests cost one query.

A story is keyed by `stories.id`; an item that no story holds yet is keyed by its negated id,
so the queries work before and after story matching fills `items.story_id`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

import aiosqlite

from feeds.archive.db import Database

# Up to this many chats, deliveries are looked up per chat by the primary key (one seek per
# chat and candidate story); for more, reading the candidates' deliveries by the story
# index and filtering here is faster (measured: 500 chats x 15,000 stories took 5 s by the
# key, 0.08 s by the story index).
_CHATS_BY_KEY = 8

_MEMBER_COLUMNS = """
    items.id, items.story_id, items.title, items.url, items.summary, items.language,
    items.published_at, items.topics, items.relevant,
    COALESCE(NULLIF(sources.title, ''), NULLIF(sources.site_url, ''), sources.url) AS source,
    stories.representative_id
"""


@dataclass(slots=True)
class StoryCandidate:
    """One story a digest may carry, shown through its representative item."""

    story_id: int  # stories.id, or -items.id for an item no story holds yet
    item_id: int  # the item shown
    title: str
    url: str
    summary: str | None
    language: str
    source: str  # title of the shown item's feed
    published_at: float  # of the shown item
    latest_at: float  # the newest relevant item of the story: when it was last news
    topics: list[str]  # best first: the shown item's, then the other relevant items'
    other_sources: list[str] = field(default_factory=list)  # who else reported it, in order
    item_ids: list[int] = field(default_factory=list)  # its relevant items (for watch words)


@dataclass(slots=True)
class _Member:
    item_id: int
    title: str
    url: str
    summary: str | None
    language: str
    published_at: float
    topics: list[str]
    relevant: bool
    source: str


def _member(row: aiosqlite.Row) -> tuple[int, int | None, _Member]:
    story = row["story_id"] if row["story_id"] is not None else -row["id"]
    try:
        topics = [t for t in json.loads(row["topics"] or "[]") if isinstance(t, str)]
    except (ValueError, TypeError):
        topics = []  # a damaged topics cell costs the item its headings, not the digest
    member = _Member(
        item_id=row["id"], title=row["title"] or "", url=row["url"] or "",
        summary=row["summary"] or None, language=row["language"] or "",
        published_at=float(row["published_at"]), topics=topics, relevant=row["relevant"] == 1,
        source=row["source"] or "",
    )
    return story, row["representative_id"], member


def _story(story_id: int, representative_id: int | None, members: list[_Member],
           since: float) -> StoryCandidate | None:
    """Fold a story's items into one candidate; None when it has no relevant news since."""
    relevant = [m for m in members if m.relevant]
    if not relevant or max(m.published_at for m in relevant) < since:
        return None
    members.sort(key=lambda m: (m.published_at, m.item_id))
    relevant.sort(key=lambda m: (m.published_at, m.item_id))
    shown = next((m for m in relevant if m.item_id == representative_id), relevant[0])
    summary = shown.summary or next(
        (m.summary for m in relevant if m.summary and m.language == shown.language), None
    )
    topics = list(dict.fromkeys([*shown.topics, *(t for m in relevant for t in m.topics)]))
    others = list(dict.fromkeys(m.source for m in members if m.source and m.source != shown.source))
    return StoryCandidate(
        story_id=story_id, item_id=shown.item_id, title=shown.title, url=shown.url,
        summary=summary, language=shown.language, source=shown.source,
        published_at=shown.published_at, latest_at=relevant[-1].published_at, topics=topics,
        other_sources=others, item_ids=[m.item_id for m in relevant],
    )


async def record_deliveries(
    conn: aiosqlite.Connection, chat_id: int, story_ids: Iterable[int], via: str, now: float
) -> None:
    """Note that `story_ids` reached `chat_id` (inside the caller's transaction); repeats are
    ignored, so recording a digest twice is harmless."""
    await conn.executemany(
        "INSERT OR IGNORE INTO deliveries(chat_id, story_id, via, created_at) VALUES (?,?,?,?)",
        [(chat_id, story_id, via, now) for story_id in dict.fromkeys(story_ids)],
    )


class DigestStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def mark_delivered(
        self, chat_id: int, story_ids: Iterable[int], via: str, now: float
    ) -> None:
        """Record, in a transaction of its own, that `story_ids` reached `chat_id`."""
        async with self._db.transaction() as conn:
            await record_deliveries(conn, chat_id, story_ids, via, now)

    async def candidates(self, since: float) -> list[StoryCandidate]:
        """Every story with a relevant item published at or after `since`, newest news first,
        with the sources of all its items (whenever published) for its "also" line."""
        cursor = await self._db.reader.execute(
            f"""
            WITH fresh AS (
                SELECT DISTINCT story_id FROM items
                WHERE relevant = 1 AND published_at >= ? AND story_id IS NOT NULL
            )
            SELECT {_MEMBER_COLUMNS}
            FROM items JOIN sources ON sources.id = items.source_id
            LEFT JOIN stories ON stories.id = items.story_id
            WHERE items.story_id IN (SELECT story_id FROM fresh)
            UNION ALL
            SELECT {_MEMBER_COLUMNS}
            FROM items JOIN sources ON sources.id = items.source_id
            LEFT JOIN stories ON stories.id = items.story_id
            WHERE items.story_id IS NULL AND items.relevant = 1 AND items.published_at >= ?
            """,
            (since, since),
        )
        grouped: dict[int, tuple[int | None, list[_Member]]] = {}
        for row in await cursor.fetchall():
            story, representative, member = _member(row)
            grouped.setdefault(story, (representative, []))[1].append(member)
        found = [
            candidate
            for story, (representative, members) in grouped.items()
            if (candidate := _story(story, representative, members, since)) is not None
        ]
        found.sort(key=lambda c: (c.latest_at, c.story_id), reverse=True)
        return found

    async def items_matching(self, match: str) -> set[int]:
        """Ids of the items a safe FTS5 MATCH expression (feeds.search.parse_query) finds:
        how watch words are matched on word forms, one indexed lookup per phrase."""
        try:
            cursor = await self._db.reader.execute(
                "SELECT rowid FROM items_fts WHERE items_fts MATCH ?", (match,)
            )
            return {row[0] for row in await cursor.fetchall()}
        except sqlite3.OperationalError:
            # parse_query quotes every token, so this is not expected; a watch phrase that
            # cannot be matched must cost its subscriber matches, not the digest run.
            return set()

    async def delivered(
        self, story_ids: Collection[int], chat_ids: Collection[int] | None = None
    ) -> dict[int, set[int]]:
        """chat_id -> the ones of `story_ids` already delivered there (to any chat, or only
        to `chat_ids` when given)."""
        if not story_ids or (chat_ids is not None and not chat_ids):
            return {}
        params: list[object] = [json.dumps(sorted(set(story_ids)))]
        chat_filter = ""
        wanted = None
        if chat_ids is not None and len(chat_ids) <= _CHATS_BY_KEY:
            chat_filter = f" AND chat_id IN ({','.join('?' * len(chat_ids))})"
            params.extend(chat_ids)
        elif chat_ids is not None:
            wanted = set(chat_ids)
        cursor = await self._db.reader.execute(
            "SELECT chat_id, story_id FROM deliveries"
            f" WHERE story_id IN (SELECT value FROM json_each(?)){chat_filter}",
            params,
        )
        result: dict[int, set[int]] = {}
        for chat_id, story_id in await cursor.fetchall():
            if wanted is None or chat_id in wanted:
                result.setdefault(chat_id, set()).add(story_id)
        return result
