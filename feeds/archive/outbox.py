"""The durable outbox of rendered messages and the per-chat delivery records."""

from __future__ import annotations

from feeds.archive.db import Database


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db
