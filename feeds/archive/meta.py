"""Small named facts the running bot records (heartbeat, last poll, alert state)."""

from __future__ import annotations

import time

from feeds.archive.db import Database


class MetaStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def set(self, key: str, value: str, now: float | None = None) -> None:
        async with self._db.transaction() as conn:
            await conn.execute(
                "INSERT INTO meta(key, value, updated_at) VALUES (?, ?, ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value,"
                " updated_at = excluded.updated_at",
                (key, value, time.time() if now is None else now),
            )

    async def get(self, key: str) -> tuple[str, float] | None:
        """The value and when it was written, or None."""
        cursor = await self._db.reader.execute(
            "SELECT value, updated_at FROM meta WHERE key = ?", (key,)
        )
        row = await cursor.fetchone()
        return (row[0], row[1]) if row else None
