"""Admin include and exclude terms per topic, on top of the bundled lexicon."""

from __future__ import annotations

from feeds.archive.db import Database


class TermStore:
    def __init__(self, db: Database) -> None:
        self._db = db
