"""Queries behind digests: candidate stories for a subscriber, with the other sources of each."""

from __future__ import annotations

from feeds.archive.db import Database


class DigestStore:
    def __init__(self, db: Database) -> None:
        self._db = db
