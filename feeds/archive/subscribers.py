"""Chats that receive digests, their settings and watch words."""

from __future__ import annotations

from dataclasses import dataclass, field

from feeds.archive.db import Database


@dataclass(slots=True)
class Subscriber:
    """A chat's subscription and settings, as stored."""

    chat_id: int
    chat_type: str = "private"  # private, group, supergroup, channel
    title: str = ""
    language: str = "ru"  # interface language: ru, kk, en
    timezone: str = "Asia/Almaty"
    mode: str = "daily"  # instant, daily, weekly, off
    hour: int = 9
    weekday: int = 0  # 0 = Monday, for weekly digests
    topics: list[str] = field(default_factory=list)  # empty means every topic
    status: str = "active"  # active, stopped, blocked
    added_by: int | None = None
    created_at: float = 0.0
    updated_at: float = 0.0
    last_digest_at: float | None = None
    watch_words: list[str] = field(default_factory=list)


class SubscriberStore:
    def __init__(self, db: Database) -> None:
        self._db = db
