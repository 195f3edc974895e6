"""Chats that receive digests, their settings and watch words.

A chat is a private chat, a group or a channel; its row is created by /start (or by binding a
channel) and kept on re-/start. `forget` removes every trace of a chat: the row, its watch
words, its delivery records and its outbox messages.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from feeds.archive.db import Database, Reader

MODES: tuple[str, ...] = ("instant", "daily", "weekly", "off")

_COLUMNS = (
    "chat_id, chat_type, title, language, timezone, mode, hour, weekday, topics, status,"
    " added_by, created_at, updated_at, last_digest_at"
)
# Every table that keeps rows about a chat, children first (send_log comes with delivery).
_CHAT_TABLES: tuple[str, ...] = ("watch_words", "deliveries", "outbox", "send_log", "subscribers")
# The settings a person may change; anything else goes through its own method.
_SETTINGS = frozenset({"title", "language", "timezone", "mode", "hour", "weekday", "topics"})


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

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True, slots=True)
class WatchWord:
    """One personal alert: a phrase whose word forms are looked for in new items."""

    id: int
    chat_id: int
    phrase: str


def _subscriber(row: aiosqlite.Row, watch_words: list[str] | None = None) -> Subscriber:
    data: dict[str, Any] = dict(row)
    data["topics"] = json.loads(data["topics"] or "[]")
    return Subscriber(**data, watch_words=watch_words or [])


async def _read_subscriber(conn: aiosqlite.Connection | Reader, chat_id: int,
                           ) -> Subscriber | None:
    """The chat's subscription with its watch words, read on `conn`: the reading
    connection, or the writing one inside the transaction of a store method that answers
    with what it has just written (that write, whatever another request writes next)."""
    cursor = await conn.execute(f"SELECT {_COLUMNS} FROM subscribers WHERE chat_id = ?", (chat_id,))
    row = await cursor.fetchone()
    if row is None:
        return None
    return _subscriber(row, [word.phrase for word in await _read_watch_words(conn, chat_id)])


async def _read_watch_words(conn: aiosqlite.Connection | Reader, chat_id: int,
                            ) -> list[WatchWord]:
    cursor = await conn.execute(
        "SELECT id, chat_id, phrase FROM watch_words WHERE chat_id = ? ORDER BY id", (chat_id,)
    )
    return [WatchWord(row[0], row[1], row[2]) for row in await cursor.fetchall()]


class SubscriberStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def subscribe(self, template: Subscriber) -> tuple[Subscriber, str]:
        """Subscribe `template.chat_id`, and say how: "new", "resumed" or "already".

        A new chat gets the template's settings; a known chat keeps its own settings and is
        made active again (its title is refreshed).
        """
        now = time.time()
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT status FROM subscribers WHERE chat_id = ?", (template.chat_id,)
            )
            row = await cursor.fetchone()
            if row is None:
                await conn.execute(
                    f"INSERT INTO subscribers({_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, ?, NULL)",
                    (
                        template.chat_id,
                        template.chat_type,
                        template.title,
                        template.language,
                        template.timezone,
                        template.mode,
                        template.hour,
                        template.weekday,
                        json.dumps(template.topics),
                        template.added_by,
                        now,
                        now,
                    ),
                )
                how = "new"
            else:
                how = "already" if row[0] == "active" else "resumed"
                await conn.execute(
                    "UPDATE subscribers SET status = 'active', title = ?, chat_type = ?,"
                    " updated_at = ? WHERE chat_id = ?",
                    (template.title, template.chat_type, now, template.chat_id),
                )
            subscriber = await _read_subscriber(conn, template.chat_id)
        assert subscriber is not None
        return subscriber, how

    async def get(self, chat_id: int) -> Subscriber | None:
        """The chat's subscription with its watch words, or None if it never subscribed."""
        return await _read_subscriber(self._db.reader, chat_id)

    async def update(self, chat_id: int, **changes: Any) -> Subscriber | None:
        """Change settings (title, language, timezone, mode, hour, weekday, topics).

        Returns the updated subscriber, or None when the chat is not subscribed. Values are
        checked by the schema; unknown names raise ValueError.
        """
        unknown = set(changes) - _SETTINGS
        if unknown:
            raise ValueError(f"not a setting: {', '.join(sorted(unknown))}")
        if changes:
            if "topics" in changes:
                changes["topics"] = json.dumps(list(changes["topics"]))
            assignments = ", ".join(f"{name} = ?" for name in changes)
            async with self._db.transaction() as conn:
                await conn.execute(
                    f"UPDATE subscribers SET {assignments}, updated_at = ? WHERE chat_id = ?",
                    (*changes.values(), time.time(), chat_id),
                )
                return await _read_subscriber(conn, chat_id)
        return await self.get(chat_id)

    async def set_language(self, chat_id: int, language: str) -> Subscriber | None:
        return await self.update(chat_id, language=language)

    async def _set_status(self, chat_id: int, status: str) -> bool:
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE subscribers SET status = ?, updated_at = ? WHERE chat_id = ?",
                (status, time.time(), chat_id),
            )
        return cursor.rowcount == 1

    async def stop(self, chat_id: int) -> bool:
        """Unsubscribe (settings are kept for a later /start); False if never subscribed."""
        return await self._set_status(chat_id, "stopped")

    async def mark_blocked(self, chat_id: int) -> bool:
        """The bot was blocked or removed from the chat: deliver nothing until it returns."""
        return await self._set_status(chat_id, "blocked")

    async def forget(self, chat_id: int) -> bool:
        """Delete everything stored about the chat; False if nothing was stored.

        That is its subscription and settings, watch words, delivery records, every outbox
        message (sent or not) and its lines in the send log.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN"
                f" ({', '.join('?' for _ in _CHAT_TABLES)})",
                _CHAT_TABLES,
            )
            present = {row[0] for row in await cursor.fetchall()}
            removed = 0
            for table in _CHAT_TABLES:
                if table in present:
                    cursor = await conn.execute(
                        f"DELETE FROM {table} WHERE chat_id = ?", (chat_id,)
                    )
                    removed += max(cursor.rowcount, 0)
        return removed > 0

    async def active(self, mode: str | None = None) -> list[Subscriber]:
        """Active subscribers (of one delivery mode if given), by chat id."""
        sql = f"SELECT {_COLUMNS} FROM subscribers WHERE status = 'active'"
        params: tuple[Any, ...] = ()
        if mode is not None:
            sql += " AND mode = ?"
            params = (mode,)
        cursor = await self._db.reader.execute(sql + " ORDER BY chat_id", params)
        return [_subscriber(row) for row in await cursor.fetchall()]

    async def add_watch(self, chat_id: int, phrase: str) -> bool:
        """Store a watch phrase for a subscribed chat; False if it was there already."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO watch_words(chat_id, phrase, created_at)"
                " SELECT chat_id, ?, ? FROM subscribers WHERE chat_id = ?"
                " ON CONFLICT(chat_id, phrase) DO NOTHING",
                (phrase, time.time(), chat_id),
            )
        return cursor.rowcount == 1

    async def watch_words(self, chat_id: int) -> list[WatchWord]:
        return await _read_watch_words(self._db.reader, chat_id)

    async def remove_watch(self, chat_id: int, watch_id: int) -> bool:
        """Remove one watch phrase of this chat (an id of another chat removes nothing)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM watch_words WHERE id = ? AND chat_id = ?", (watch_id, chat_id)
            )
        return cursor.rowcount == 1

    async def all_watch_words(self) -> list[WatchWord]:
        """Every watch phrase of an active subscriber, for matching new items."""
        cursor = await self._db.reader.execute(
            "SELECT w.id, w.chat_id, w.phrase FROM watch_words w"
            " JOIN subscribers s ON s.chat_id = w.chat_id WHERE s.status = 'active'"
            " ORDER BY w.chat_id, w.id"
        )
        return [WatchWord(row[0], row[1], row[2]) for row in await cursor.fetchall()]
