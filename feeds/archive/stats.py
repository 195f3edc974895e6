"""Counts for /stats, health and metrics: subscribers, items, deliveries.

Read-only queries on the reader connection. The delivery log (flood waits) belongs to the
delivery stage and may not exist in an older archive, so it is read only when present.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from feeds.archive.db import Database

DAY_SECONDS = 24 * 3600


@dataclass(slots=True)
class StatsOverview:
    """The state of the bot at one moment, for the /stats reply."""

    subscribers_by_mode: dict[str, int] = field(default_factory=dict)  # active chats only
    subscribers_by_language: dict[str, int] = field(default_factory=dict)  # active chats only
    active: int = 0
    stopped: int = 0
    blocked: int = 0
    feeds_enabled: int = 0
    feeds_paused: int = 0
    feeds_failing: int = 0
    items_total: int = 0
    items_24h: int = 0
    kept_24h: int = 0
    last_poll_at: float | None = None
    sent_24h: int = 0
    flood_waits_24h: int | None = None  # None: this archive keeps no send log
    outbox_pending: int = 0
    outbox_dead: int = 0


class StatsStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _rows(self, sql: str, params: tuple[object, ...] = ()) -> list[tuple[Any, ...]]:
        cursor = await self._db.reader.execute(sql, params)
        return [tuple(row) for row in await cursor.fetchall()]

    async def _count(self, sql: str, params: tuple[object, ...] = ()) -> int:
        rows = await self._rows(sql, params)
        return int(rows[0][0] or 0) if rows else 0

    async def _table_columns(self, table: str) -> set[str]:
        rows = await self._rows("SELECT name FROM pragma_table_info(?)", (table,))
        return {str(row[0]) for row in rows}

    async def overview(self, now: float) -> StatsOverview:
        """Subscribers, feeds, items and deliveries, with the last 24 hours before `now`."""
        since = now - DAY_SECONDS
        stats = StatsOverview()
        for status, count in await self._rows(
            "SELECT status, COUNT(*) FROM subscribers GROUP BY status"
        ):
            if status in ("active", "stopped", "blocked"):
                setattr(stats, str(status), int(count))
        stats.subscribers_by_mode = {
            str(mode): int(count)
            for mode, count in await self._rows(
                "SELECT mode, COUNT(*) FROM subscribers WHERE status = 'active'"
                " GROUP BY mode ORDER BY COUNT(*) DESC, mode"
            )
        }
        stats.subscribers_by_language = {
            str(language): int(count)
            for language, count in await self._rows(
                "SELECT language, COUNT(*) FROM subscribers WHERE status = 'active'"
                " GROUP BY language ORDER BY COUNT(*) DESC, language"
            )
        }
        feeds = await self._rows(
            "SELECT COALESCE(SUM(enabled = 1), 0), COALESCE(SUM(enabled = 0), 0),"
            " COALESCE(SUM(enabled = 1 AND error_count > 0), 0), MAX(last_fetch_at)"
            " FROM sources"
        )
        enabled, paused, failing, last_poll = feeds[0]
        stats.feeds_enabled, stats.feeds_paused = int(enabled or 0), int(paused or 0)
        stats.feeds_failing = int(failing or 0)
        stats.last_poll_at = float(last_poll) if last_poll is not None else None
        stats.items_total = await self._count("SELECT COUNT(*) FROM items")
        recent = await self._rows(
            "SELECT COUNT(*), COALESCE(SUM(relevant = 1), 0) FROM items WHERE fetched_at >= ?",
            (since,),
        )
        stats.items_24h, stats.kept_24h = int(recent[0][0] or 0), int(recent[0][1] or 0)
        stats.sent_24h = await self._count(
            "SELECT COUNT(*) FROM outbox WHERE state = 'sent' AND sent_at >= ?", (since,)
        )
        stats.outbox_pending = await self._count(
            "SELECT COUNT(*) FROM outbox WHERE state IN ('pending', 'sending')"
        )
        stats.outbox_dead = await self._count("SELECT COUNT(*) FROM outbox WHERE state = 'dead'")
        send_log = await self._send_log_since(since)
        if send_log is not None:
            stats.sent_24h, stats.flood_waits_24h = send_log
        return stats

    async def _send_log_since(self, since: float) -> tuple[int, int] | None:
        """(messages sent, 429 flood waits) in the delivery log since `since`; None when
        this archive has no delivery log (the outbox's sent rows are the fallback)."""
        if not {"at", "outcome"} <= await self._table_columns("send_log"):
            return None
        rows = await self._rows(
            "SELECT COALESCE(SUM(outcome = 'sent'), 0),"
            " COALESCE(SUM(outcome = 'flood'), 0) FROM send_log WHERE at >= ?",
            (since,),
        )
        return int(rows[0][0]), int(rows[0][1])
