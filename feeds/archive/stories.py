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
from collections.abc import Sequence
from dataclasses import dataclass, field

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


def _window_days(published_at: float) -> range:
    """The days whose items may be one story with an item published at `published_at`."""
    return range(_day(published_at - STORY_WINDOW_SECONDS),
                 _day(published_at + STORY_WINDOW_SECONDS) + 1)


@dataclass(frozen=True, slots=True)
class _Candidate:
    """An item sharing specific words with a new one: how many, and its fingerprint (None
    for an indexed item without one, which takes a place but is never compared)."""

    item_id: int
    shared: int
    member: Member | None


@dataclass(slots=True)
class _Plan:
    """The rows that one batch's story assignment writes, in the order it decided them."""

    story_ids: list[int] = field(default_factory=list)  # per item, in the batch's order
    new_stories: list[tuple[int, int, float, float, str]] = field(default_factory=list)
    joins: list[tuple[float, float, int]] = field(default_factory=list)
    representatives: list[tuple[int, int]] = field(default_factory=list)


async def _archive_candidates(
    conn: aiosqlite.Connection, stored: list[Item], terms: list[list[str]]
) -> dict[int, list[_Candidate]]:
    """For each item (by position in `stored`), the items already indexed that share the
    most of its specific words on the days around it, at most `CANDIDATES_PER_ITEM`, ties
    to the newest. One statement for the whole batch, whatever its size."""
    probes = [
        [position, day, term]
        for position, (item, item_terms) in enumerate(zip(stored, terms, strict=True))
        for day in _window_days(item.published_at)
        for term in item_terms
    ]
    if not probes:
        return {}
    cursor = await conn.execute(
        """
        WITH probe(position, day, term) AS (
            SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'),
                   json_extract(value, '$[2]')
            FROM json_each(?)
        ), counted AS (
            SELECT probe.position, t.item_id, COUNT(*) AS shared
            FROM probe JOIN story_terms AS t ON t.day = probe.day AND t.term = probe.term
            GROUP BY probe.position, t.item_id
        ), ranked AS (
            SELECT position, item_id, shared, ROW_NUMBER() OVER (
                PARTITION BY position ORDER BY shared DESC, item_id DESC) AS place
            FROM counted
        )
        SELECT r.position, r.item_id, r.shared, f.item_id, f.story_id, f.source_id,
               f.published_at, f.title, f.lead
        FROM ranked AS r LEFT JOIN story_fingerprints AS f ON f.item_id = r.item_id
        WHERE r.place <= ?
        """,
        (json.dumps(probes, ensure_ascii=False), CANDIDATES_PER_ITEM),
    )
    found: dict[int, list[_Candidate]] = {}
    members: dict[int, Member | None] = {}  # the same items are candidates of many
    for row in await cursor.fetchall():
        position, item_id, shared, fingerprinted, story_id, source_id, published, title, lead = row
        if item_id not in members:
            members[item_id] = None if fingerprinted is None else Member(
                item_id=item_id, story_id=story_id, source_id=source_id,
                published_at=published, fingerprint=Fingerprint.decode(title, lead))
        found.setdefault(position, []).append(_Candidate(item_id, shared, members[item_id]))
    return found


def _plan(stored: list[Item], fingerprints: list[Fingerprint], terms: list[list[str]],
          archived: dict[int, list[_Candidate]], next_story_id: int) -> _Plan:
    """Decide every item's story, in order, as if each were stored before the next one is
    matched: an item's candidates are the archive's (`archived`) and the batch's earlier
    items, ranked together by shared words (ties to the newest)."""
    plan = _Plan()
    index: dict[tuple[int, str], list[int]] = {}  # the batch's own (day, term) → items
    members: dict[int, Member] = {}
    for position, (item, fp, item_terms) in enumerate(
        zip(stored, fingerprints, terms, strict=True)
    ):
        assert item.id is not None
        counts: dict[int, int] = {}
        for day in _window_days(item.published_at):
            for term in item_terms:
                for other in index.get((day, term), ()):
                    counts[other] = counts.get(other, 0) + 1
        pool = archived.get(position, []) + [
            _Candidate(other, shared, members[other]) for other, shared in counts.items()
        ]
        pool.sort(key=lambda candidate: (-candidate.shared, -candidate.item_id))
        compared = [c.member for c in pool[:CANDIDATES_PER_ITEM] if c.member is not None]
        story_id = best_story(fp, item.source_id, item.published_at, compared)
        if story_id is None:
            story_id = next_story_id
            next_story_id += 1
            plan.new_stories.append((story_id, item.id, item.published_at, item.published_at,
                                     " ".join(fp.encode()).strip()))
        else:
            plan.joins.append((item.published_at, item.published_at, story_id))
            if item.verdict is not None and item.verdict.relevant:
                plan.representatives.append((item.id, story_id))
        plan.story_ids.append(story_id)
        members[item.id] = Member(item_id=item.id, story_id=story_id, source_id=item.source_id,
                                  published_at=item.published_at, fingerprint=fp)
        day = _day(item.published_at)
        for term in item_terms:
            index.setdefault((day, term), []).append(item.id)
    return plan


async def _write(conn: aiosqlite.Connection, stored: list[Item],
                 fingerprints: list[Fingerprint], terms: list[list[str]], plan: _Plan) -> None:
    """Store the plan: new stories first, then what joining them changes, then each item's
    story, fingerprint and index words."""
    await conn.executemany(
        "INSERT INTO stories(id, representative_id, first_published_at, last_published_at,"
        " fingerprint) VALUES (?, ?, ?, ?, ?)",
        plan.new_stories,
    )
    # A story's span only widens (MIN/MAX), so these may run in any order.
    await conn.executemany(
        "UPDATE stories SET first_published_at = MIN(first_published_at, ?),"
        " last_published_at = MAX(last_published_at, ?) WHERE id = ?",
        plan.joins,
    )
    # A relevant item replaces a representative that is not (the digest shows the
    # representative, and it shows relevant news only); in order, the first one wins.
    await conn.executemany(
        "UPDATE stories SET representative_id = ? WHERE id = ? AND NOT EXISTS ("
        " SELECT 1 FROM items WHERE items.id = stories.representative_id"
        " AND items.relevant = 1)",
        plan.representatives,
    )
    await conn.executemany(
        "UPDATE items SET story_id = ? WHERE id = ?",
        [(story_id, item.id) for item, story_id in zip(stored, plan.story_ids, strict=True)],
    )
    await conn.executemany(
        "INSERT OR REPLACE INTO story_fingerprints"
        "(item_id, story_id, source_id, published_at, title, lead) VALUES (?,?,?,?,?,?)",
        [
            (item.id, story_id, item.source_id, item.published_at, *fp.encode())
            for item, story_id, fp in zip(stored, plan.story_ids, fingerprints, strict=True)
        ],
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO story_terms(day, term, item_id) VALUES (?,?,?)",
        [
            (_day(item.published_at), term, item.id)
            for item, item_terms in zip(stored, terms, strict=True)
            for term in item_terms
        ],
    )


def item_fingerprints(items: Sequence[Item]) -> list[Fingerprint]:
    """The fingerprint of each item, in order: CPU work, for a worker thread."""
    return [fingerprint(item.title, item.text, item.language) for item in items]


async def assign_stories(conn: aiosqlite.Connection, items: list[Item],
                         fingerprints: Sequence[Fingerprint] | None = None) -> None:
    """Give every new (already inserted) item a story; runs in the refresh transaction.

    An item joins the story of the most similar item of another source published within
    48 hours of it (of its own source only when it is a near-copy), or starts a new story
    with itself as the representative. Sets `item.story_id`. `fingerprints`, when given,
    are the items' own (`item_fingerprints`, computed before the transaction); else they
    are computed here in a worker thread. The items are matched one after another (each
    sees the ones before it) but read and written in a few statements per batch; each
    item is compared with at most `CANDIDATES_PER_ITEM` others, whatever the archive's size.
    """
    if fingerprints is None:
        fingerprints = await asyncio.to_thread(item_fingerprints, items)
    pairs = [(item, fp) for item, fp in zip(items, fingerprints, strict=True)
             if item.id is not None]
    if not pairs:
        return
    stored = [item for item, _ in pairs]
    prints = [fp for _, fp in pairs]
    terms = [index_terms(fp) for fp in prints]
    archived = await _archive_candidates(conn, stored, terms)
    cursor = await conn.execute("SELECT COALESCE(MAX(id), 0) + 1 FROM stories")
    row = await cursor.fetchone()
    assert row is not None
    # Story ids are given here as SQLite would give them one insert at a time (the
    # largest id plus one): the write lock keeps anyone else from inserting meanwhile.
    plan = await asyncio.to_thread(_plan, stored, prints, terms, archived, int(row[0]))
    await _write(conn, stored, prints, terms, plan)
    for item, story_id in zip(stored, plan.story_ids, strict=True):
        item.story_id = story_id
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
