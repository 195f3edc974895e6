"""The SQLite connection pair, the write lock and the migrations runner.

One connection writes (serialised by an asyncio lock, so that one feed refresh is one
transaction even when many run concurrently); another reads, which WAL lets proceed while a
write is in progress. aiosqlite runs each connection on its own thread, so the event loop
never waits on the disk.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from importlib import resources
from pathlib import Path
from typing import Any

import aiosqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 10_000


class ArchiveError(RuntimeError):
    """The archive cannot be used (FTS5 missing, file unreadable, migration failed)."""


class Rows:
    """The rows of a finished statement, read as from a cursor."""

    def __init__(self, rows: list[sqlite3.Row]) -> None:
        self._rows = rows
        self._next = 0

    async def fetchone(self) -> sqlite3.Row | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    async def fetchall(self) -> list[sqlite3.Row]:
        rest = self._rows[self._next:]
        self._next = len(self._rows)
        return rest


class Reader:
    """The reading connection, one whole statement at a time.

    `execute` runs its statement to the end in one call on the database thread and hands
    back the rows. A statement with rows left to read keeps its connection inside the read
    it began, and every other read on that connection then answers from before the commits
    since (a subscriber's new settings, an alert just removed). Whole statements leave no
    read open across an await, so every read sees every commit before it.
    """

    def __init__(self, conn: aiosqlite.Connection) -> None:
        self._conn = conn

    async def execute(self, sql: str, parameters: Iterable[Any] = ()) -> Rows:
        return Rows(list(await self._conn.execute_fetchall(sql, parameters)))


async def _configure(conn: aiosqlite.Connection) -> None:
    conn.row_factory = aiosqlite.Row
    await conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    await conn.execute("PRAGMA foreign_keys = ON")
    await conn.execute("PRAGMA synchronous = NORMAL")


def _migration_files() -> list[tuple[int, str, str]]:
    """(version, name, sql) for every packaged migration, in version order."""
    found = []
    for entry in resources.files("feeds.archive.migrations").iterdir():
        name = entry.name
        if not name.endswith(".sql"):
            continue
        version = int(name.split("_", 1)[0])
        found.append((version, name, entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    """Owns the connections; the stores borrow them."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer: aiosqlite.Connection | None = None
        self._reader: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()
        self._on_commit: list[Callable[[], None]] | None = None
        """While a transaction is open: what to run once it commits."""
        self.item_deletions = 0
        """How many transactions of this process have deleted items (a feed removed with
        its items): memory that mirrors the items (feeds/archive/story_index.py) drops what
        it holds when this moves. Another connection's writes move PRAGMA data_version."""

    async def open(self) -> None:
        await asyncio.to_thread(self._check_openable)
        try:
            self._writer = await aiosqlite.connect(self.path, isolation_level=None)
            await _configure(self._writer)
            await self._writer.execute("PRAGMA journal_mode = WAL")
            await self._check_fts5(self._writer)
            await self._migrate(self._writer)
            self._reader = await aiosqlite.connect(self.path, isolation_level=None)
            await _configure(self._reader)
            await self._reader.execute("PRAGMA query_only = ON")
        except sqlite3.Error as exc:
            await self.close()
            raise ArchiveError(f"cannot open the archive at {self.path}: {exc}") from exc

    def _check_openable(self) -> None:
        """Create the folder and open the file once, plainly, so that a path that cannot hold
        an archive fails here with its reason (aiosqlite's worker thread would outlive the
        failure and report it again later)."""
        if str(self.path) == ":memory:":
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            probe = sqlite3.connect(self.path)
            try:
                probe.execute("PRAGMA schema_version").fetchone()
            finally:
                probe.close()
        except (OSError, sqlite3.Error) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise ArchiveError(f"cannot open the archive at {self.path}: {reason}") from exc

    async def close(self) -> None:
        for conn in (self._reader, self._writer):
            if conn is not None:
                await conn.close()
        self._reader = self._writer = None

    @property
    def reader(self) -> Reader:
        """The read connection (see `Reader`), for reads outside a transaction."""
        if self._reader is None:
            raise ArchiveError("the archive is closed")
        return Reader(self._reader)

    @property
    def writer(self) -> aiosqlite.Connection:
        """The write connection, for use inside `transaction()` only."""
        if self._writer is None:
            raise ArchiveError("the archive is closed")
        return self._writer

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One atomic unit of writes: all of it is stored, or none of it."""
        async with self._write_lock:
            conn = self.writer
            await conn.execute("BEGIN IMMEDIATE")
            self._on_commit = []
            try:
                yield conn
            except BaseException:
                self._on_commit = None
                await conn.execute("ROLLBACK")
                raise
            committed, self._on_commit = self._on_commit, None
            await conn.execute("COMMIT")
            for callback in committed:
                callback()

    def after_commit(self, callback: Callable[[], None]) -> None:
        """Run `callback` when the open transaction commits, never if it rolls back: for
        memory that mirrors what the transaction wrote (feeds/archive/story_index.py)."""
        if self._on_commit is None:
            raise ArchiveError("after_commit needs an open transaction")
        self._on_commit.append(callback)

    def deletes_items(self) -> None:
        """Note that the open transaction deletes items: `item_deletions` moves when it
        commits."""
        self.after_commit(self._count_item_deletion)

    def _count_item_deletion(self) -> None:
        self.item_deletions += 1

    @staticmethod
    async def _check_fts5(conn: aiosqlite.Connection) -> None:
        # Fail at start-up, not at the first search, when the linked SQLite lacks FTS5.
        try:
            await conn.execute("CREATE VIRTUAL TABLE temp.fts5_probe USING fts5(x)")
            await conn.execute("DROP TABLE temp.fts5_probe")
        except sqlite3.OperationalError as exc:
            raise ArchiveError("this SQLite library has no FTS5; install one that does") from exc

    @staticmethod
    async def _migrate(conn: aiosqlite.Connection) -> None:
        """Apply, in order, every packaged migration not yet recorded. Forward only."""
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
            " applied_at TEXT NOT NULL DEFAULT (datetime('now')))"
        )
        cursor = await conn.execute("SELECT version FROM schema_migrations")
        applied = {row[0] for row in await cursor.fetchall()}
        for version, name, sql in _migration_files():
            if version in applied:
                continue
            log.info("applying migration %s", name)
            # executescript commits first and runs the script as its own statements, so the
            # script wraps itself in BEGIN/COMMIT and records its version inside that unit.
            script = (
                "BEGIN IMMEDIATE;\n"
                + sql
                + f"\nINSERT INTO schema_migrations(version, name) VALUES ({version}, '{name}');"
                + "\nCOMMIT;"
            )
            try:
                await conn.executescript(script)
            except sqlite3.Error as exc:
                if conn.in_transaction:
                    await conn.execute("ROLLBACK")
                raise ArchiveError(f"migration {name} failed: {exc}") from exc
