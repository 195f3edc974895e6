"""Counts for /stats, health and metrics: subscribers, items, deliveries."""

from __future__ import annotations

from feeds.archive.db import Database


class StatsStore:
    def __init__(self, db: Database) -> None:
        self._db = db
