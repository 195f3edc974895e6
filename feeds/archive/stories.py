"""Stories: items about one event from several sources, with one representative.

`assign_stories` runs inside a feed refresh's transaction, after the new items were
inserted: each item joins the story of the most similar item published within 48 hours
around it (feeds/stories.py decides what "similar" is), or starts a story of its own. The
items compared are found through an inverted index of specific words keyed by day: the
items of those days that share its words, a word common on a day left out there, so that
what one item reads is bounded however busy the day. The index is made from the items'
fingerprints and held in memory (feeds/archive/story_index.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter

import aiosqlite

from feeds.archive.db import Database
from feeds.archive.story_index import (
    COMMON_TERM_ITEMS,
    DayWords,
    Postings,
    StoryIndex,
    day_of,
    json_list,
)
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


SEARCHED_DAYS = 14
"""Days of the word index searched behind today: older items keep their stories, but an
item published that long before its arrival starts a story of its own (so that a late
import of old news does not read weeks of the archive into memory)."""
CANDIDATES_PER_ITEM = 20
"""Items compared in full with a new item: those sharing the most specific words. With
common words left out the one it joins ranks among the first five almost always (in the
ingest bench; 50 gave the same stories of different texts, at twice the reading)."""


def _window_days(published_at: float) -> range:
    """The days whose items may be one story with an item published at `published_at`."""
    return range(day_of(published_at - STORY_WINDOW_SECONDS),
                 day_of(published_at + STORY_WINDOW_SECONDS) + 1)


@dataclass(slots=True)
class _Plan:
    """The rows that one batch's story assignment writes, in the order it decided them."""

    story_ids: list[int] = field(default_factory=list)  # per item, in the batch's order
    new_stories: list[tuple[int, int, float, float, str]] = field(default_factory=list)
    joins: list[tuple[float, float, int]] = field(default_factory=list)
    representatives: list[tuple[int, int]] = field(default_factory=list)


def _rank(stored: list[Item], terms: list[list[str]], archived: DayWords) -> list[list[int]]:
    """For each item, in order, the items it is compared with: of those stored before it
    (in the archive, or earlier in the batch), the ones sharing the most of its words on
    the days around it, words common on a day left out there; at most
    `CANDIDATES_PER_ITEM`, ties to the newest."""
    batch: DayWords = {}  # the batch's own postings, as the archive's
    nothing: dict[str, list[int]] = {}
    ranked = []
    for item, item_terms in zip(stored, terms, strict=True):
        assert item.id is not None
        shared: list[int] = []  # each candidate once per word it shares with the item
        for day in _window_days(item.published_at):
            words, mine = archived.get(day, nothing), batch.get(day, nothing)
            for term in item_terms:
                found = words.get(term)
                also = mine.get(term)
                if also:
                    found = found + also if found else also
                if found and len(found) <= COMMON_TERM_ITEMS:
                    shared += found
        ranked.append(_most_shared(Counter(shared)))
        own = batch.setdefault(day_of(item.published_at), {})
        for term in item_terms:
            own.setdefault(term, []).append(item.id)
    return ranked


def _most_shared(counts: Counter[int]) -> list[int]:
    """The `CANDIDATES_PER_ITEM` items sharing the most words, ties to the newest."""
    pool: Iterable[tuple[int, int]] = counts.items()
    if len(counts) > CANDIDATES_PER_ITEM:
        # Only those with at least the count of the last one taken can be taken: a sort of
        # bare counts finds it, and the full sort below is then of a few dozen.
        floor = sorted(counts.values(), reverse=True)[CANDIDATES_PER_ITEM - 1]
        pool = [(other, count) for other, count in pool if count >= floor]
    best = sorted(pool, key=itemgetter(1, 0), reverse=True)  # (count, id) descending
    return [other for other, _ in best[:CANDIDATES_PER_ITEM]]


def _plan(stored: list[Item], fingerprints: list[Fingerprint], ranked: list[list[int]],
          members: dict[int, Member], next_story_id: int) -> _Plan:
    """Decide every item's story, in order, as if each were stored before the next one is
    matched: it is compared with its `ranked` candidates, the archive's (`members`) and
    the batch's earlier items (added to `members` as they are decided)."""
    plan = _Plan()
    for item, fp, candidates in zip(stored, fingerprints, ranked, strict=True):
        assert item.id is not None
        compared = [members[other] for other in candidates if other in members]
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
        members[item.id] = Member.of(item.id, story_id, item.source_id, item.published_at, fp)
    return plan


def _postings(stored: list[Item], terms: list[list[str]]) -> list[Postings]:
    """The word index's new postings: each item's day, index words and id."""
    return [
        (day_of(item.published_at), item_terms, item.id)
        for item, item_terms in zip(stored, terms, strict=True) if item.id is not None
    ]


async def _write(conn: aiosqlite.Connection, stored: list[Item],
                 fingerprints: list[Fingerprint], plan: _Plan) -> None:
    """Store the plan: new stories first, then what joining them changes, then each item's
    story and fingerprint."""
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


def item_fingerprints(items: Sequence[Item]) -> list[Fingerprint]:
    """The fingerprint of each item, in order: CPU work, for a worker thread."""
    return [fingerprint(item.title, item.text, item.language) for item in items]


async def assign_stories(conn: aiosqlite.Connection, items: list[Item],
                         fingerprints: Sequence[Fingerprint] | None = None,
                         index: StoryIndex | None = None) -> None:
    """Give every new (already inserted) item a story; runs in the refresh transaction.

    An item joins the story of the most similar item of another source published within
    48 hours of it (of its own source only when it is a near-copy), or starts a new story
    with itself as the representative. Sets `item.story_id`. `fingerprints`, when given,
    are the items' own (`item_fingerprints`, computed before the transaction); else they
    are computed here in a worker thread. `index` is the archive's word index in memory
    (`Archive.story_index`); without it the index is made afresh from the fingerprints in
    SQLite. The items are matched one after another (each sees the ones before it) but
    read and written in a few statements per batch; each item reads a bounded part of the
    word index (`COMMON_TERM_ITEMS`) and is compared with at most `CANDIDATES_PER_ITEM`
    others, whatever the archive's size.
    """
    if fingerprints is None:
        fingerprints = await asyncio.to_thread(item_fingerprints, items)
    pairs = [(item, fp) for item, fp in zip(items, fingerprints, strict=True)
             if item.id is not None]
    if not pairs:
        return
    index = index or StoryIndex()
    await index.check(conn)
    stored = [item for item, _ in pairs]
    prints = [fp for _, fp in pairs]
    terms = [index_terms(fp) for fp in prints]
    searched_from = day_of(time.time()) - SEARCHED_DAYS
    archived = await index.days(conn, {
        day for item in stored for day in _window_days(item.published_at)
        if day >= searched_from})
    ranked = await asyncio.to_thread(_rank, stored, terms, archived)
    new = {item.id for item in stored}
    members = await index.members(
        conn, (other for others in ranked for other in others if other not in new))
    (row,) = await conn.execute_fetchall("SELECT COALESCE(MAX(id), 0) + 1 FROM stories")
    # Story ids are given here as SQLite would give them one insert at a time (the
    # largest id plus one): the write lock keeps anyone else from inserting meanwhile.
    plan = await asyncio.to_thread(_plan, stored, prints, ranked, members, int(row[0]))
    postings = _postings(stored, terms)
    await _write(conn, stored, prints, plan)
    for item, story_id in zip(stored, plan.story_ids, strict=True):
        item.story_id = story_id
    index.remember(postings, [members[item.id] for item in stored if item.id is not None],
                   searched_from)


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
