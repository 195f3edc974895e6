"""The recent days of the story word index, and the fingerprints it leads to, in memory.

Each refresh looks its items' words up on the days around them and compares the items with
what it finds (feeds/archive/stories.py). Read from SQLite, that is thousands of index
seeks and hundreds of fingerprints a feed, the same ones again for the next feed of the
same days: most of a large poll's store time. So the writer keeps the days it reads: each
day's postings (a word's first `COMMON_TERM_ITEMS` + 1 items, enough to tell a common word)
and the fingerprints of the items read (`Member`: a tuple of interned words, some 0.5 KB).

SQLite stays the record, and a day in memory holds exactly what SQLite holds:
- a day is loaded whole the first time a refresh needs it, and at most `DAYS_KEPT` days are
  kept (the least recently used go);
- what a transaction adds is taken in only once it commits (`Database.after_commit`);
- when another connection has written to the archive (`PRAGMA data_version` moved: another
  process's poll, say), everything is dropped and read again;
- an item deleted by this process (a feed removed) is noticed when it is next a candidate:
  kept fingerprints are checked against the archive's before they are used.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

import aiosqlite

from feeds.archive.db import Database
from feeds.stories import Member

COMMON_TERM_ITEMS = 32
"""A word indexed for more items than this on one day is common that day, as generic as
GENERIC_WORDS («президент», «суд», an agency's name on a busy day), and finds no
candidates there: it would only rank look-alikes, and reading its list would make each
new item's cost grow with the day's density. So an item reads at most `INDEX_TERMS`
words × 5 days × (this + 1) postings, however many items a day has. (In the ingest
bench, 1,440 items a day, 16 already lost a few merges of different texts; 32 none.)"""
DAYS_KEPT = 8
"""Days held in memory: the five days around a refresh's items, and some to spare for a
poll whose feeds reach a few days further back. At 1,500 items a day, about 2 MB a day."""

DayWords = dict[int, dict[str, list[int]]]
"""Days of the word index: day -> word -> its first items (COMMON_TERM_ITEMS + 1 at
most: a word with more is common that day), in ascending order."""


@dataclass(slots=True)
class _Day:
    words: dict[str, list[int]]  # word -> its first COMMON_TERM_ITEMS + 1 items, ascending
    members: dict[int, Member] = field(default_factory=dict)  # those read so far


class StoryIndex:
    """The word index of recent days and their items' fingerprints, for one archive's
    writer. Used inside a transaction only (it reads through the transaction's connection).

    Without a database (`StoryIndex()`) it keeps nothing from one transaction to the next:
    every use reads what it needs from SQLite afresh.
    """

    def __init__(self, db: Database | None = None, days_kept: int = DAYS_KEPT) -> None:
        self._db = db
        self._days_kept = days_kept
        self._days: OrderedDict[int, _Day] = OrderedDict()
        self._version: int | None = None

    @property
    def held_days(self) -> list[int]:
        """The days in memory, least recently used first."""
        return list(self._days)

    async def check(self, conn: aiosqlite.Connection) -> None:
        """At the start of a transaction's use: drop everything if another connection has
        written to the archive since the last use."""
        cursor = await conn.execute("PRAGMA data_version")
        row = await cursor.fetchone()
        assert row is not None
        if row[0] != self._version:
            self._days.clear()
            self._version = row[0]

    async def days(self, conn: aiosqlite.Connection, wanted: set[int]) -> DayWords:
        """The word index of the `wanted` days, read from SQLite where not held. The lists
        are the index's own: read them, do not change them."""
        found = {}
        for number in sorted(wanted):
            day = self._days.get(number)
            if day is None:
                day = self._days[number] = _Day(await _read_day(conn, number))
            self._days.move_to_end(number)
            found[number] = day.words
        self._trim()
        return found

    async def members(self, conn: aiosqlite.Connection, item_ids: Iterable[int]) -> dict[
            int, Member]:
        """The items' fingerprints as story matching reads them; an item without one
        (deleted, or indexed but never fingerprinted) is left out."""
        wanted = sorted(set(item_ids))
        if not wanted:
            return {}
        kept = {}
        for item_id in wanted:
            for held in self._days.values():
                member = held.members.get(item_id)
                if member is not None:
                    kept[item_id] = member
                    break
        found = await _existing(conn, list(kept)) if kept else set()
        members = {item_id: member for item_id, member in kept.items() if item_id in found}
        read = await _read_members(conn, [item_id for item_id in wanted if item_id not in kept])
        for member in read:
            members[member.item_id] = member
            day = self._days.get(_day(member.published_at))
            if day is not None:
                day.members[member.item_id] = member
        return members

    def remember(self, postings: list[tuple[int, str, int]], members: list[Member],
                 pruned_before: int) -> None:
        """Take in what the open transaction wrote: index `postings` (day, word, item) in
        ascending item order, the new items as `members`, and the days before
        `pruned_before` deleted; once it commits, and only into the days held (a day not
        held is read whole when needed)."""
        if self._db is None:
            return
        self._db.after_commit(lambda: self._take(postings, members, pruned_before))

    def _take(self, postings: list[tuple[int, str, int]], members: list[Member],
              pruned_before: int) -> None:
        for day_number in [day for day in self._days if day < pruned_before]:
            del self._days[day_number]
        for day_number, word, item_id in postings:
            day = self._days.get(day_number)
            if day is None:
                continue
            found = day.words.setdefault(word, [])
            if len(found) <= COMMON_TERM_ITEMS:
                found.append(item_id)
        for member in members:
            day = self._days.get(_day(member.published_at))
            if day is not None:
                day.members[member.item_id] = member

    def _trim(self) -> None:
        if self._db is None:
            self._days.clear()
            return
        while len(self._days) > self._days_kept:
            self._days.popitem(last=False)


def _day(timestamp: float) -> int:
    return int(timestamp // 86_400)


async def _read_day(conn: aiosqlite.Connection, day: int) -> dict[str, list[int]]:
    """One day of the word index: each word's first COMMON_TERM_ITEMS + 1 items."""
    # One row back (a statement's every row costs a trip through the interpreter lock,
    # which the CPU stages may hold): word, then its items, all space-separated.
    cursor = await conn.execute(
        "SELECT group_concat(term || ' ' || ids, ' ') FROM ("
        " SELECT term, group_concat(item_id) AS ids FROM ("
        "  SELECT term, item_id FROM story_terms WHERE day = ? ORDER BY term, item_id)"
        " GROUP BY term)",
        (day,),
    )
    row = await cursor.fetchone()
    assert row is not None
    found = (row[0] or "").split()
    return {
        word: list(map(int, ids.split(",")[:COMMON_TERM_ITEMS + 1]))
        for word, ids in zip(found[::2], found[1::2], strict=True)
    }


async def _existing(conn: aiosqlite.Connection, item_ids: list[int]) -> set[int]:
    cursor = await conn.execute(
        "SELECT group_concat(item_id) FROM story_fingerprints"
        " WHERE item_id IN (SELECT value FROM json_each(?))",
        (json_list(item_ids),),
    )
    row = await cursor.fetchone()
    assert row is not None
    return set(map(int, row[0].split(","))) if row[0] else set()


async def _read_members(conn: aiosqlite.Connection, item_ids: list[int]) -> list[Member]:
    if not item_ids:
        return []
    cursor = await conn.execute(  # one row back (see _read_day)
        "SELECT json_group_array(json_array(item_id, story_id, source_id, published_at,"
        " title, lead)) FROM story_fingerprints"
        " WHERE item_id IN (SELECT value FROM json_each(?))",
        (json_list(item_ids),),
    )
    row = await cursor.fetchone()
    assert row is not None
    return [Member.decode(*fields) for fields in json.loads(row[0])]


def json_list(values: list[int]) -> str:
    """Integers as a JSON array, for `json_each` (no placeholder limit)."""
    return "[" + ",".join(str(int(v)) for v in values) + "]"
