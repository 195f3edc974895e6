"""Feeds the bot polls: add, list, update after a refresh, schedule the next one."""

from __future__ import annotations

import time
from typing import Any

import aiosqlite

from feeds.archive.db import Database
from feeds.models import Source

_COLUMNS = (
    "id, url, title, site_url, language, enabled, etag, last_modified, last_fetch_at, "
    "last_success_at, last_status, last_error, error_count, next_fetch_at, added_by, added_at"
)


def _source(row: aiosqlite.Row) -> Source:
    data: dict[str, Any] = dict(row)
    data["enabled"] = bool(data["enabled"])
    return Source(**data)


class SourceStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(
        self,
        url: str,
        *,
        title: str = "",
        site_url: str = "",
        language: str = "",
        added_by: int | None = None,
    ) -> tuple[Source, bool]:
        """Store a feed; returns it and whether it is new (an existing URL is left as it was)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO sources(url, title, site_url, language, added_by, added_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO NOTHING",
                (url, title, site_url, language, added_by, time.time()),
            )
            created = cursor.rowcount == 1
            cursor = await conn.execute(f"SELECT {_COLUMNS} FROM sources WHERE url = ?", (url,))
            row = await cursor.fetchone()
        assert row is not None
        return _source(row), created

    async def get(self, source_id: int) -> Source | None:
        cursor = await self._db.reader.execute(
            f"SELECT {_COLUMNS} FROM sources WHERE id = ?", (source_id,)
        )
        row = await cursor.fetchone()
        return _source(row) if row else None

    async def find_by_url(self, url: str) -> Source | None:
        cursor = await self._db.reader.execute(
            f"SELECT {_COLUMNS} FROM sources WHERE url = ?", (url,)
        )
        row = await cursor.fetchone()
        return _source(row) if row else None

    async def all(self, *, enabled_only: bool = False) -> list[Source]:
        where = " WHERE enabled = 1" if enabled_only else ""
        cursor = await self._db.reader.execute(f"SELECT {_COLUMNS} FROM sources{where} ORDER BY id")
        return [_source(r) for r in await cursor.fetchall()]

    async def due(self, now: float) -> list[Source]:
        """Enabled feeds whose next fetch time has come (backoff included)."""
        cursor = await self._db.reader.execute(
            f"SELECT {_COLUMNS} FROM sources WHERE enabled = 1 AND next_fetch_at <= ?"
            " ORDER BY next_fetch_at, id",
            (now,),
        )
        return [_source(r) for r in await cursor.fetchall()]

    async def remove(self, source_id: int) -> bool:
        """Delete a feed and its items."""
        async with self._db.transaction() as conn:
            self._db.deletes_items()
            cursor = await conn.execute("DELETE FROM sources WHERE id = ?", (source_id,))
            return cursor.rowcount == 1

    async def set_enabled(self, source_id: int, enabled: bool) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sources SET enabled = ?, next_fetch_at = 0 WHERE id = ?",
                (int(enabled), source_id),
            )
            return cursor.rowcount == 1

    async def stats(self) -> dict[int, tuple[int, int]]:
        """Per feed: (items stored, items kept by the filter)."""
        cursor = await self._db.reader.execute(
            "SELECT source_id, COUNT(*), COALESCE(SUM(relevant = 1), 0) FROM items GROUP BY source_id"
        )
        return {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}


async def save_refresh_state(conn: aiosqlite.Connection, source: Source) -> None:
    """Write back what a refresh learnt about a feed; used inside the refresh transaction."""
    await conn.execute(
        "UPDATE sources SET url = ?, title = ?, site_url = ?, language = ?, enabled = ?,"
        " etag = ?, last_modified = ?, last_fetch_at = ?, last_success_at = ?, last_status = ?,"
        " last_error = ?, error_count = ?, next_fetch_at = ? WHERE id = ?",
        (
            source.url, source.title, source.site_url, source.language, int(source.enabled),
            source.etag, source.last_modified, source.last_fetch_at, source.last_success_at,
            source.last_status, source.last_error, source.error_count, source.next_fetch_at,
            source.id,
        ),
    )
