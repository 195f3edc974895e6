"""Admin include and exclude terms per topic, on top of the bundled lexicon."""

from __future__ import annotations

import time

from feeds.archive.db import Database
from feeds.classify import FilterTerm


class TermStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def all(self) -> list[FilterTerm]:
        cursor = await self._db.reader.execute(
            "SELECT topic, kind, term FROM filter_terms ORDER BY topic, kind, term"
        )
        return [FilterTerm(row[0], row[1], row[2]) for row in await cursor.fetchall()]

    async def add(self, term: FilterTerm, added_by: int | None = None) -> bool:
        """Store a term; False when it was already there."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO filter_terms(topic, kind, term, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (term.topic, term.kind, term.term, added_by, time.time()),
            )
            return cursor.rowcount == 1

    async def remove(self, term: FilterTerm) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM filter_terms WHERE topic = ? AND kind = ? AND term = ?",
                (term.topic, term.kind, term.term),
            )
            return cursor.rowcount == 1
