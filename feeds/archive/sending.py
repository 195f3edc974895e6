"""The outbox as the sender works it: claiming rows, and recording what Telegram answered.

A message row moves pending → sending → sent; a failed send goes to `failed` (with its
attempts, last error and a `not_before`) and is taken again, or ends `dead`. The sender takes,
per chat, only the first row not yet sent, so the parts of a digest leave in order and one
chat never has two messages in flight. Pacing is stored too: after a send, the chat's next
row waits in `not_before`, so a restart keeps the pace.

The delivery consequences of Telegram's answers live here as single transactions: a blocked
chat is marked blocked and its unsent rows dropped; a migrated group moves with its rows.
Each outcome is logged (`send_log`) for /stats and the alerts.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from feeds.archive.db import Database

_UNSENT = "('pending', 'failed', 'sending')"


@dataclass(frozen=True, slots=True)
class OutboxMessage:
    """One message the sender is to deliver."""

    id: int
    chat_id: int
    dedup_key: str
    part: int
    text: str
    parse_mode: str  # "HTML", or "" for plain text
    attempts: int


@dataclass(frozen=True, slots=True)
class OutboxCounts:
    """How many rows are in each state; `dead_recent` counts rows that died since a moment."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def unsent(self) -> int:
        return self.pending + self.sending + self.failed


@dataclass(frozen=True, slots=True)
class SendStats:
    """Send outcomes over a window, for /stats."""

    sent: int
    flood_waits: int
    retries: int
    dead: int
    blocked: int


@dataclass(frozen=True, slots=True)
class DeadMessage:
    chat_id: int
    dedup_key: str
    part: int
    attempts: int
    last_error: str
    updated_at: float


def _message(row: Any) -> OutboxMessage:
    return OutboxMessage(
        id=row["id"],
        chat_id=row["chat_id"],
        dedup_key=row["dedup_key"],
        part=row["part"],
        text=row["text"],
        parse_mode=row["parse_mode"],
        attempts=row["attempts"],
    )


class SendQueue:
    def __init__(self, db: Database) -> None:
        self._db = db

    # ---- sending ---------------------------------------------------------------------------

    async def reset_inflight(self) -> int:
        """At start: rows left in `sending` by a crash go back to pending. Returns how many."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE outbox SET state = 'pending' WHERE state = 'sending'"
            )
        return max(cursor.rowcount, 0)

    async def claim(self, now: float, limit: int) -> list[OutboxMessage]:
        """Take up to `limit` messages that may go now, marking them `sending`.

        Per chat only its first unsent row qualifies, and only when nothing of that chat is in
        flight and its `not_before` has passed; oldest first.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT o.id, o.chat_id, o.dedup_key, o.part, o.text, o.parse_mode, o.attempts"
                " FROM outbox o JOIN ("
                f"  SELECT MIN(id) AS id FROM outbox WHERE state IN {_UNSENT} GROUP BY chat_id"
                " ) first ON first.id = o.id"
                " WHERE o.state IN ('pending', 'failed') AND o.not_before <= ?"
                " ORDER BY o.not_before, o.id LIMIT ?",
                (now, limit),
            )
            rows = [_message(row) for row in await cursor.fetchall()]
            if rows:
                await conn.executemany(
                    "UPDATE outbox SET state = 'sending', updated_at = ? WHERE id = ?",
                    [(now, row.id) for row in rows],
                )
        return rows

    async def next_due_at(self) -> float | None:
        """When the next row `claim` could take may go (None when none waits).

        Rows behind a chat's message in flight do not count: that message's outcome wakes
        the sender anyway.
        """
        cursor = await self._db.reader.execute(
            "SELECT MIN(o.not_before) FROM outbox o JOIN ("
            f" SELECT MIN(id) AS id FROM outbox WHERE state IN {_UNSENT} GROUP BY chat_id"
            " ) first ON first.id = o.id WHERE o.state IN ('pending', 'failed')"
        )
        row = await cursor.fetchone()
        return None if row is None or row[0] is None else float(row[0])

    async def unsent_count(self) -> int:
        """Rows not yet sent, dead or dropped (pending, failed or sending)."""
        cursor = await self._db.reader.execute(
            f"SELECT COUNT(*) FROM outbox WHERE state IN {_UNSENT}"
        )
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def release(self, ids: Iterable[int]) -> None:
        """Give claimed rows back untouched (the sender is stopping before sending them)."""
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET state = 'pending' WHERE id = ? AND state = 'sending'",
                [(row_id,) for row_id in ids],
            )

    async def mark_sent(self, message: OutboxMessage, now: float, chat_next_at: float) -> None:
        """The message arrived; the chat's next message waits until `chat_next_at`."""
        await self.mark_sent_many([(message, now, chat_next_at)])

    async def mark_sent_many(self, sent: Sequence[tuple[OutboxMessage, float, float]]) -> None:
        """`mark_sent` for several messages (message, sent at, chat's next at) in one
        transaction: the sender's workers share one commit when they finish together."""
        async with self._db.transaction() as conn:
            for message, now, chat_next_at in sent:
                await conn.execute(
                    "UPDATE outbox SET state = 'sent', sent_at = ?, updated_at = ?,"
                    " attempts = attempts + 1 WHERE id = ?",
                    (now, now, message.id),
                )
                await conn.execute(
                    "UPDATE outbox SET not_before = MAX(not_before, ?)"
                    " WHERE chat_id = ? AND state IN ('pending', 'failed')",
                    (chat_next_at, message.chat_id),
                )
            await conn.executemany(
                "INSERT INTO send_log(at, chat_id, outcome, detail) VALUES (?, ?, 'sent', NULL)",
                [(now, message.chat_id) for message, now, _ in sent],
            )

    async def postpone(self, message: OutboxMessage, now: float, until: float, why: str) -> None:
        """A flood wait: the row goes back to pending until `until`; it is not an attempt."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = 'pending', not_before = ?, updated_at = ? WHERE id = ?",
                (until, now, message.id),
            )
            await self._log(conn, now, message.chat_id, "flood", why)

    async def mark_failed(
        self, message: OutboxMessage, now: float, error: str, retry_at: float | None
    ) -> None:
        """A failed attempt: retried from `retry_at`, or dead when `retry_at` is None."""
        state, outcome = ("failed", "retry") if retry_at is not None else ("dead", "dead")
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = ?, attempts = attempts + 1, last_error = ?,"
                " not_before = ?, updated_at = ? WHERE id = ?",
                (state, error[:500], retry_at or now, now, message.id),
            )
            await self._log(conn, now, message.chat_id, outcome, error[:200])

    async def as_plain_text(self, message: OutboxMessage, text: str, now: float) -> None:
        """Telegram could not parse the markup: the row is to be resent once as plain text."""
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET state = 'pending', text = ?, parse_mode = '',"
                " last_error = 'markup rejected; resent as plain text', updated_at = ?"
                " WHERE id = ?",
                (text, now, message.id),
            )
            await self._log(conn, now, message.chat_id, "plain", None)

    async def block_chat(self, chat_id: int, now: float, reason: str) -> int:
        """The bot may not write to the chat: mark it blocked, drop its unsent messages.

        Returns how many messages were dropped.
        """
        async with self._db.transaction() as conn:
            await conn.execute(
                "UPDATE subscribers SET status = 'blocked', updated_at = ? WHERE chat_id = ?",
                (now, chat_id),
            )
            cursor = await conn.execute(
                f"DELETE FROM outbox WHERE chat_id = ? AND state IN {_UNSENT}", (chat_id,)
            )
            await self._log(conn, now, chat_id, "blocked", reason[:200])
        return max(cursor.rowcount, 0)

    async def migrate_chat(self, old_chat_id: int, new_chat_id: int, now: float) -> None:
        """A group became a supergroup: its subscription, records and messages move along.

        When the new id is already subscribed (the supergroup ran /start itself), that row is
        kept and the old one removed; the unsent messages go to the new id all the same.
        """
        async with self._db.transaction() as conn:
            cursor = await conn.execute(
                "SELECT 1 FROM subscribers WHERE chat_id = ?", (new_chat_id,)
            )
            if await cursor.fetchone() is None:
                await conn.execute(
                    "UPDATE subscribers SET chat_id = ?, chat_type = 'supergroup',"
                    " updated_at = ? WHERE chat_id = ?",
                    (new_chat_id, now, old_chat_id),
                )
            else:
                await conn.execute("DELETE FROM subscribers WHERE chat_id = ?", (old_chat_id,))
            await conn.execute(
                "UPDATE OR IGNORE deliveries SET chat_id = ? WHERE chat_id = ?",
                (new_chat_id, old_chat_id),
            )
            await conn.execute(
                "UPDATE OR IGNORE outbox SET chat_id = ?, not_before = 0, updated_at = ?"
                " WHERE chat_id = ?",
                (new_chat_id, now, old_chat_id),
            )
            # Rows the new chat already had under the same key stay there; the old copies go.
            await conn.execute("DELETE FROM outbox WHERE chat_id = ?", (old_chat_id,))
            await conn.execute(
                "UPDATE outbox SET state = 'pending' WHERE chat_id = ? AND state = 'sending'",
                (new_chat_id,),
            )
            await self._log(conn, now, new_chat_id, "migrated", f"from {old_chat_id}")

    # ---- reporting -------------------------------------------------------------------------

    async def counts(self) -> OutboxCounts:
        cursor = await self._db.reader.execute(
            "SELECT state, COUNT(*) FROM outbox GROUP BY state"
        )
        return OutboxCounts(**{row[0]: row[1] for row in await cursor.fetchall()})

    async def dead_since(self, since: float, limit: int = 20) -> list[DeadMessage]:
        """Messages that died at or after `since`, newest first, with their last error."""
        cursor = await self._db.reader.execute(
            "SELECT chat_id, dedup_key, part, attempts, COALESCE(last_error, ''), updated_at"
            " FROM outbox WHERE state = 'dead' AND updated_at >= ?"
            " ORDER BY updated_at DESC LIMIT ?",
            (since, limit),
        )
        return [DeadMessage(*row) for row in await cursor.fetchall()]

    async def send_stats(self, since: float) -> SendStats:
        """Send outcomes since `since` (e.g. the last 24 hours), for /stats."""
        cursor = await self._db.reader.execute(
            "SELECT outcome, COUNT(*) FROM send_log WHERE at >= ? GROUP BY outcome", (since,)
        )
        found = {row[0]: row[1] for row in await cursor.fetchall()}
        return SendStats(
            sent=found.get("sent", 0),
            flood_waits=found.get("flood", 0),
            retries=found.get("retry", 0),
            dead=found.get("dead", 0),
            blocked=found.get("blocked", 0),
        )

    async def prune_log(self, before: float) -> int:
        """Forget send outcomes older than `before` (the log serves recent statistics)."""
        async with self._db.transaction() as conn:
            cursor = await conn.execute("DELETE FROM send_log WHERE at < ?", (before,))
        return max(cursor.rowcount, 0)

    @staticmethod
    async def _log(conn: Any, at: float, chat_id: int, outcome: str, detail: str | None) -> None:
        await conn.execute(
            "INSERT INTO send_log(at, chat_id, outcome, detail) VALUES (?, ?, ?, ?)",
            (at, chat_id, outcome, detail),
        )
