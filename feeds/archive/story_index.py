"""The story word index of recent days, and the fingerprints it leads to, in memory.

Each refresh looks its items' words up on the days around them and compares the items with
what it finds (feeds/archive/stories.py). The index is not a table: a day of it is made
from the fingerprints of the day's items (`story_fingerprints`, whose words are all it
needs) the first time a refresh needs that day, and the writer keeps it: each word's first
`COMMON_TERM_ITEMS` + 1 items (enough to tell a common word), and the day's fingerprints as
`Member`s (a tuple of interned words, some 0.5 KB). Keeping it in SQLite cost ~24 rows an
item on every refresh, most of what a refresh wrote, to be read back only into this.

SQLite stays the record, and a day in memory holds exactly what SQLite holds:
- a day is made whole the first time a refresh needs it, and at most `DAYS_KEPT` days are
  kept (the least recently used go);
- what a transaction adds is taken in only once it commits (`Database.after_commit`);
- when another connection has written to the archive (`PRAGMA data_version` moved: another
  process's poll, say), or this process has deleted items (a feed removed with its items:
  `Database.item_deletions` moved), everything is dropped and read again.
"""

from __future__ import annotations

import asyncio
import json
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

import aiosqlite

from feeds.archive.db import Database
from feeds.stories import Member, stored_index_terms

COMMON_TERM_ITEMS = 32
"""A word indexed for more items than this on one day is common that day, as generic as
GENERIC_WORDS («президент», «суд», an agency's name on a busy day), and finds no
candidates there: it would only rank look-alikes, and reading its list would make each
new item's cost grow with the day's density. So an item reads at most `INDEX_TERMS`
words × 5 days × (this + 1) postings, however many items a day has. (In the ingest
bench, 1,440 items a day, 16 already lost a few merges of different texts; 32 none.)"""
DAYS_KEPT = 8
"""Days held in memory: the five days around a refresh's items, and some to spare for a
poll whose feeds reach a few days further back. A day of 1,440 items holds 3.05 MB, half
of it the words and half every item's `Member` (tracemalloc, the ingest bench's archive),
and takes 0.06 s to make."""
DAY_SECONDS = 86_400

Postings = tuple[int, list[str], int]
"""An item's entries in the word index: its day, its index words and its id."""
DayWords = dict[int, dict[str, list[int]]]
"""Days of the word index: day -> word -> its first items (COMMON_TERM_ITEMS + 1 at
most: a word with more is common that day), in ascending order."""


@dataclass(slots=True)
class _Day:
    words: dict[str, list[int]]  # word -> its first COMMON_TERM_ITEMS + 1 items, ascending
    members: dict[int, Member] = field(default_factory=dict)  # the day's items


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
        self._version: tuple[int, int] | None = None
        """PRAGMA data_version and `Database.item_deletions` when last checked."""

    @property
    def held_days(self) -> list[int]:
        """The days in memory, least recently used first."""
        return list(self._days)

    async def check(self, conn: aiosqlite.Connection) -> None:
        """At the start of a transaction's use: drop everything if another connection has
        written to the archive since the last use, or this process has deleted items."""
        (row,) = await conn.execute_fetchall("PRAGMA data_version")
        version = (row[0], self._db.item_deletions if self._db is not None else 0)
        if version != self._version:
            self._days.clear()
            self._version = version

    async def days(self, conn: aiosqlite.Connection, wanted: set[int]) -> DayWords:
        """The word index of the `wanted` days, read from SQLite where not held. The lists
        are the index's own: read them, do not change them."""
        found = {}
        for number in sorted(wanted):
            day = self._days.get(number)
            if day is None:
                day = self._days[number] = await _read_day(conn, number)
            self._days.move_to_end(number)
            found[number] = day.words
        self._trim()
        return found

    async def members(self, conn: aiosqlite.Connection, item_ids: Iterable[int]) -> dict[
            int, Member]:
        """The items' fingerprints as story matching reads them; an item without one
        (deleted) is left out."""
        wanted = set(item_ids)
        members: dict[int, Member] = {}
        for held in self._days.values():
            held_members = held.members
            for item_id in wanted & held_members.keys():
                members[item_id] = held_members[item_id]
        read = await _read_members(conn, sorted(wanted - members.keys()))
        for member in read:
            members[member.item_id] = member
            day = self._days.get(day_of(member.published_at))
            if day is not None:
                day.members[member.item_id] = member
        return members

    def remember(self, postings: list[Postings], members: list[Member],
                 searched_from: int) -> None:
        """Take in what the open transaction wrote: index `postings` (day, words, item) in
        ascending item order and the new items as `members`, and drop the days before
        `searched_from`, no longer searched; once it commits, and only into the days held
        (a day not held is made whole when needed)."""
        if self._db is None:
            return
        self._db.after_commit(lambda: self._take(postings, members, searched_from))

    def _take(self, postings: list[Postings], members: list[Member],
              searched_from: int) -> None:
        for day_number in [day for day in self._days if day < searched_from]:
            del self._days[day_number]
        for day_number, words, item_id in postings:
            day = self._days.get(day_number)
            if day is None:
                continue
            index = day.words
            for word in words:
                found = index.setdefault(word, [])
                if len(found) <= COMMON_TERM_ITEMS:
                    found.append(item_id)
        for member in members:
            day = self._days.get(day_of(member.published_at))
            if day is not None:
                day.members[member.item_id] = member

    def _trim(self) -> None:
        if self._db is None:
            self._days.clear()
            return
        while len(self._days) > self._days_kept:
            self._days.popitem(last=False)


def day_of(timestamp: float) -> int:
    """The day number of a moment: whole days since 1970-01-01 UTC, as the index keys days."""
    return int(timestamp // DAY_SECONDS)


async def _read_day(conn: aiosqlite.Connection, day: int) -> _Day:
    """One day of the word index, made from the fingerprints of the day's items."""
    (row,) = await conn.execute_fetchall(  # one row back (see _read_members)
        "SELECT json_group_array(json_array(item_id, story_id, source_id, published_at,"
        " title, lead)) FROM story_fingerprints"
        " WHERE published_at >= ? AND published_at < ?",
        (day * DAY_SECONDS, (day + 1) * DAY_SECONDS),
    )
    # A busy day is a thousand fingerprints or more: CPU work, off the event loop.
    return await asyncio.to_thread(_make_day, json.loads(row[0]))


def _make_day(rows: list[list[Any]]) -> _Day:
    """The day's index from its fingerprint rows (item, story, source, published, title,
    lead): each word's items in ascending order, as `StoryIndex._take` adds them."""
    day = _Day({})
    for fields in sorted(rows, key=itemgetter(0)):
        member = Member.decode(*fields)
        day.members[member.item_id] = member
        for word in stored_index_terms(fields[4], fields[5]):
            found = day.words.setdefault(word, [])
            if len(found) <= COMMON_TERM_ITEMS:
                found.append(member.item_id)
    return day


async def _read_members(conn: aiosqlite.Connection, item_ids: list[int]) -> list[Member]:
    if not item_ids:
        return []
    # One row back: a statement's every row costs a trip through the interpreter lock,
    # which the CPU stages may hold.
    (row,) = await conn.execute_fetchall(
        "SELECT json_group_array(json_array(item_id, story_id, source_id, published_at,"
        " title, lead)) FROM story_fingerprints"
        " WHERE item_id IN (SELECT value FROM json_each(?))",
        (json_list(item_ids),),
    )
    return [Member.decode(*fields) for fields in json.loads(row[0])]


def json_list(values: list[int]) -> str:
    """Integers as a JSON array, for `json_each` (no placeholder limit)."""
    return "[" + ",".join(str(int(v)) for v in values) + "]"
