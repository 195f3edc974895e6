"""Into the outbox: composed messages, written once per chat and key, and the per-chat
delivery records that keep any story from reaching a chat twice.

What the sender then does with the rows (claim, mark sent, retry, drop) is
feeds.archive.sending's.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from feeds.archive.db import Database
from feeds.archive.subscribers import Subscriber

_KEYS_PER_QUERY = 400  # (chat, key) pairs looked up per statement, well under SQLite's limit
_SUBSCRIBER_COLUMNS = (
    "chat_id, chat_type, title, language, timezone, mode, hour, weekday, topics, status,"
    " added_by, created_at, updated_at, last_digest_at"
)


@dataclass(frozen=True, slots=True)
class NewMessage:
    """A composed message to write: its parts, the stories it carries, how it came about."""

    chat_id: int
    dedup_key: str
    parts: list[str]
    story_ids: list[int] = field(default_factory=list)
    via: str = "digest"  # digest, instant, watch
    parse_mode: str = "HTML"
    digest_at: float | None = None  # set: also the subscriber's last_digest_at


@dataclass(frozen=True, slots=True)
class Enqueued:
    """What `enqueue_many` did with a list of messages."""

    written: int
    # Left out: a story of theirs reached their chat after they were composed (by another
    # route: a poll's instant or watch-word news landing while a tick composed digests).
    # Compose those chats again.
    outdated: list[NewMessage] = field(default_factory=list)


def _subscriber(row: Any) -> Subscriber:
    data = dict(row)
    data["topics"] = json.loads(data["topics"] or "[]")
    return Subscriber(**data)


class OutboxStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- composing -------------------------------------------------------------------------

    async def enqueue(
        self,
        chat_id: int,
        dedup_key: str,
        parts: Sequence[str],
        *,
        story_ids: Sequence[int] = (),
        via: str = "digest",
        parse_mode: str = "HTML",
        digest_at: float | None = None,
        now: float | None = None,
    ) -> bool:
        """Write a message's parts once per (chat, key); False if that key was written before.

        In the same transaction the stories are recorded as delivered to the chat (so no story
        reaches it twice) and, when `digest_at` is given, the subscriber's `last_digest_at`.
        """
        message = NewMessage(chat_id, dedup_key, list(parts), list(story_ids), via, parse_mode,
                             digest_at)
        return (await self.enqueue_many([message], now=now)).written == 1

    async def enqueue_many(
        self, messages: Sequence[NewMessage], *, now: float | None = None
    ) -> Enqueued:
        """`enqueue` for many messages in one transaction: writes the new ones, leaves out
        those whose (chat, key) was written before, and those that would bring a chat a
        story it already has (`Enqueued.outdated`).

        A handful of statements whatever the number of messages (one statement per message
        cost 6 s of round trips to the database thread for 10,000 digests).
        """
        if any(not message.parts for message in messages):
            raise ValueError("a message needs at least one part")
        stamp = time.time() if now is None else now
        async with self._db.transaction() as conn:
            unwritten = await self._not_written(conn, messages)
            # Composers read the delivery records before this transaction; what reached a
            # chat since is only known here, under the write lock.
            delivered = await self._delivered(conn, unwritten)
            new: list[NewMessage] = []
            outdated: list[NewMessage] = []
            for message in unwritten:
                stale = any((message.chat_id, story) in delivered for story in message.story_ids)
                (outdated if stale else new).append(message)
            await conn.executemany(
                "INSERT INTO outbox(chat_id, dedup_key, part, text, parse_mode, state,"
                " created_at, updated_at, story_ids, via)"
                " VALUES (?, ?, ?, ?, ?, 'pending', ?, ?, ?, ?)",
                [
                    (m.chat_id, m.dedup_key, n, text, m.parse_mode, stamp, stamp,
                     json.dumps(m.story_ids), m.via)
                    for m in new
                    for n, text in enumerate(m.parts)
                ],
            )
            await conn.executemany(
                "INSERT OR IGNORE INTO deliveries(chat_id, story_id, via, created_at)"
                " VALUES (?, ?, ?, ?)",
                [(m.chat_id, story_id, m.via, stamp) for m in new for story_id in m.story_ids],
            )
            await conn.executemany(
                "UPDATE subscribers SET last_digest_at = ? WHERE chat_id = ?",
                [(m.digest_at, m.chat_id) for m in new if m.digest_at is not None],
            )
        return Enqueued(len(new), outdated)

    @staticmethod
    async def _delivered(conn: Any, messages: Sequence[NewMessage]) -> set[tuple[int, int]]:
        """Which (chat, story) pairs of these messages are recorded as delivered."""
        pairs = sorted({(m.chat_id, story) for m in messages for story in m.story_ids})
        if not pairs:
            return set()
        cursor = await conn.execute(
            "SELECT d.chat_id, d.story_id FROM json_each(?) AS wanted JOIN deliveries AS d"
            " ON d.chat_id = wanted.value ->> 0 AND d.story_id = wanted.value ->> 1",
            (json.dumps(pairs),),
        )
        return {(row[0], row[1]) for row in await cursor.fetchall()}

    @staticmethod
    async def _not_written(conn: Any, messages: Sequence[NewMessage]) -> list[NewMessage]:
        """The messages whose (chat, key) is neither in the outbox nor earlier in the list."""
        seen: set[tuple[int, str]] = set()
        for start in range(0, len(messages), _KEYS_PER_QUERY):
            chunk = messages[start : start + _KEYS_PER_QUERY]
            cursor = await conn.execute(
                "WITH wanted(chat_id, dedup_key) AS (VALUES "
                + ", ".join(["(?, ?)"] * len(chunk))
                + ") SELECT DISTINCT o.chat_id, o.dedup_key FROM wanted w JOIN outbox o"
                " ON o.chat_id = w.chat_id AND o.dedup_key = w.dedup_key",
                [value for m in chunk for value in (m.chat_id, m.dedup_key)],
            )
            seen.update((row[0], row[1]) for row in await cursor.fetchall())
        new = []
        for message in messages:
            key = (message.chat_id, message.dedup_key)
            if key not in seen:
                seen.add(key)
                new.append(message)
        return new

    async def existing_keys(self, keys: Iterable[tuple[int, str]]) -> set[tuple[int, str]]:
        """Which of these (chat, key) pairs already have a message in the outbox."""
        wanted = set(keys)
        if not wanted:
            return set()
        found: set[tuple[int, str]] = set()
        by_key: dict[str, list[int]] = {}
        for chat_id, key in wanted:
            by_key.setdefault(key, []).append(chat_id)
        for key, chats in by_key.items():
            for start in range(0, len(chats), 500):
                chunk = chats[start : start + 500]
                marks = ", ".join("?" * len(chunk))
                cursor = await self._db.reader.execute(
                    f"SELECT DISTINCT chat_id FROM outbox WHERE dedup_key = ?"
                    f" AND chat_id IN ({marks})",
                    (key, *chunk),
                )
                found.update((row[0], key) for row in await cursor.fetchall())
        return found

    async def delivered_stories(self, chat_id: int, story_ids: Iterable[int]) -> set[int]:
        """Which of these stories were already given to the chat (digest, instant or watch)."""
        ids = list(dict.fromkeys(story_ids))
        if not ids:
            return set()
        marks = ", ".join("?" * len(ids))
        cursor = await self._db.reader.execute(
            f"SELECT story_id FROM deliveries WHERE chat_id = ? AND story_id IN ({marks})",
            (chat_id, *ids),
        )
        return {row[0] for row in await cursor.fetchall()}

    async def digest_candidates(self, modes: Sequence[str] = ("daily", "weekly")) -> list[Subscriber]:
        """Active subscribers of these modes, with their watch words; the caller decides
        whose digest is due now."""
        marks = ", ".join("?" * len(modes))
        cursor = await self._db.reader.execute(
            f"SELECT {_SUBSCRIBER_COLUMNS} FROM subscribers"
            f" WHERE status = 'active' AND mode IN ({marks}) ORDER BY chat_id",
            tuple(modes),
        )
        subscribers = [_subscriber(row) for row in await cursor.fetchall()]
        cursor = await self._db.reader.execute(
            "SELECT w.chat_id, w.phrase FROM watch_words w JOIN subscribers s"
            " ON s.chat_id = w.chat_id WHERE s.status = 'active' ORDER BY w.chat_id, w.id"
        )
        words: dict[int, list[str]] = {}
        for chat_id, phrase in await cursor.fetchall():
            words.setdefault(chat_id, []).append(phrase)
        for subscriber in subscribers:
            subscriber.watch_words = words.get(subscriber.chat_id, [])
        return subscribers
