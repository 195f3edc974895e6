"""News items: store the new ones of a refresh, record verdicts and summaries, read them back."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

import aiosqlite

from feeds.archive.db import Database
from feeds.models import Item, Verdict

ITEM_COLUMNS = (
    "items.id, items.source_id, items.guid, items.url, items.canonical_url, items.title,"
    " items.text, items.language, items.published_at, items.fetched_at, items.content_hash,"
    " items.relevant, items.score, items.topics, items.matched, items.summary, items.story_id"
)


def item_from_row(row: aiosqlite.Row | Sequence[Any]) -> Item:
    (id_, source_id, guid, url, canonical_url, title, text, language, published_at, fetched_at,
     content_hash, relevant, score, topics, matched, summary, story_id) = tuple(row)[:17]
    verdict = None
    if relevant is not None:
        verdict = Verdict(
            relevant=bool(relevant), score=float(score or 0.0),
            topics=json.loads(topics), matched=json.loads(matched),
        )
    return Item(
        id=id_, source_id=source_id, guid=guid, url=url, canonical_url=canonical_url,
        title=title, text=text, language=language, published_at=published_at,
        fetched_at=fetched_at, content_hash=content_hash, verdict=verdict, summary=summary,
        story_id=story_id,
    )


async def insert_new_items(
    conn: aiosqlite.Connection, items: Iterable[Item], stems: Iterable[tuple[str, str]]
) -> list[Item]:
    """Insert the items not already stored; returns the new ones with their ids.

    An item is already stored when its feed has its guid or its canonical URL, or any
    feed has its canonical URL (the same article syndicated twice); the same holds among
    the items given. Runs inside the caller's transaction, in a few statements whatever
    the number of items (each statement is a hop to the database thread).
    """
    batch = list(zip(items, stems, strict=True))
    if not batch:
        return []
    known_guids = await _stored_guids(conn, [(item.source_id, item.guid) for item, _ in batch])
    known_urls = await _stored_urls(conn, [item.canonical_url for item, _ in batch])
    new: list[tuple[Item, tuple[str, str]]] = []
    for item, item_stems in batch:
        if (item.source_id, item.guid) in known_guids or (
            item.canonical_url and item.canonical_url in known_urls
        ):
            continue
        known_guids.add((item.source_id, item.guid))
        if item.canonical_url:
            known_urls.add(item.canonical_url)
        new.append((item, item_stems))
    await conn.executemany(
        "INSERT INTO items(source_id, guid, url, canonical_url, title, text, language,"
        " published_at, fetched_at, content_hash, title_stems, text_stems, relevant, score,"
        " topics, matched, classified_at, summary)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
        [_item_row(item, item_stems) for item, item_stems in new],
    )
    ids = await _ids_of(conn, [(item.source_id, item.guid) for item, _ in new])
    for item, _ in new:
        item.id = ids[(item.source_id, item.guid)]
    return [item for item, _ in new]


def _item_row(item: Item, item_stems: tuple[str, str]) -> tuple[Any, ...]:
    verdict = item.verdict
    return (
        item.source_id, item.guid, item.url, item.canonical_url, item.title, item.text,
        item.language, item.published_at, item.fetched_at, item.content_hash,
        item_stems[0], item_stems[1],
        None if verdict is None else int(verdict.relevant),
        None if verdict is None else verdict.score,
        json.dumps(verdict.topics if verdict else [], ensure_ascii=False),
        json.dumps(verdict.matched if verdict else [], ensure_ascii=False),
        None if verdict is None else item.fetched_at,
        item.summary,
    )


def _by_source(keys: Iterable[tuple[int, str]]) -> dict[int, list[str]]:
    grouped: dict[int, list[str]] = {}
    for source_id, guid in keys:
        grouped.setdefault(source_id, []).append(guid)
    return grouped


async def _stored_guids(
    conn: aiosqlite.Connection, keys: Sequence[tuple[int, str]]
) -> set[tuple[int, str]]:
    found: set[tuple[int, str]] = set()
    for source_id, guids in _by_source(keys).items():
        for start in range(0, len(guids), _IN_CHUNK):
            chunk = guids[start:start + _IN_CHUNK]
            rows = await conn.execute_fetchall(
                f"SELECT guid FROM items WHERE source_id = ? AND guid IN ({_marks(chunk)})",
                (source_id, *chunk),
            )
            found.update((source_id, row[0]) for row in rows)
    return found


async def _stored_urls(conn: aiosqlite.Connection, urls: Sequence[str]) -> set[str]:
    wanted = sorted({url for url in urls if url})
    found: set[str] = set()
    for start in range(0, len(wanted), _IN_CHUNK):
        chunk = wanted[start:start + _IN_CHUNK]
        rows = await conn.execute_fetchall(
            f"SELECT canonical_url FROM items WHERE canonical_url IN ({_marks(chunk)})", chunk
        )
        found.update(row[0] for row in rows)
    return found


async def _ids_of(
    conn: aiosqlite.Connection, keys: Sequence[tuple[int, str]]
) -> dict[tuple[int, str], int]:
    ids: dict[tuple[int, str], int] = {}
    for source_id, guids in _by_source(keys).items():
        for start in range(0, len(guids), _IN_CHUNK):
            chunk = guids[start:start + _IN_CHUNK]
            rows = await conn.execute_fetchall(
                f"SELECT id, guid FROM items WHERE source_id = ? AND guid IN ({_marks(chunk)})",
                (source_id, *chunk),
            )
            ids.update(((source_id, row[1]), row[0]) for row in rows)
    return ids


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


_IN_CHUNK = 400  # bound parameters per IN (...) list, well under SQLite's limit


class ItemStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def stored_keys(
        self, source_id: int, guids: Sequence[str], canonical_urls: Sequence[str]
    ) -> tuple[set[str], set[str]]:
        """Which of these guids the feed already has, and which canonical URLs any feed has.

        A read before the work: the pipeline classifies and summarises only what is new.
        `insert_new_items` checks again inside the write transaction.
        """
        known_guids: set[str] = set()
        known_urls: set[str] = set()
        reader = self._db.reader
        for start in range(0, len(guids), _IN_CHUNK):
            chunk = list(guids[start:start + _IN_CHUNK])
            marks = ",".join("?" * len(chunk))
            cursor = await reader.execute(
                f"SELECT guid FROM items WHERE source_id = ? AND guid IN ({marks})",
                (source_id, *chunk),
            )
            known_guids.update(row[0] for row in await cursor.fetchall())
        urls = [url for url in canonical_urls if url]
        for start in range(0, len(urls), _IN_CHUNK):
            chunk = urls[start:start + _IN_CHUNK]
            marks = ",".join("?" * len(chunk))
            cursor = await reader.execute(
                f"SELECT canonical_url FROM items WHERE canonical_url IN ({marks})", chunk
            )
            known_urls.update(row[0] for row in await cursor.fetchall())
        return known_guids, known_urls

    async def get(self, item_id: int) -> Item | None:
        cursor = await self._db.reader.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", (item_id,)
        )
        row = await cursor.fetchone()
        return item_from_row(row) if row else None

    async def count(self) -> int:
        cursor = await self._db.reader.execute("SELECT COUNT(*) FROM items")
        row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def iter_batches(self, batch_size: int = 500) -> list[list[Item]]:
        """Every item, in id order, in batches (for re-scoring the archive)."""
        batches: list[list[Item]] = []
        last_id = 0
        while True:
            cursor = await self._db.reader.execute(
                f"SELECT {ITEM_COLUMNS} FROM items WHERE id > ? ORDER BY id LIMIT ?",
                (last_id, batch_size),
            )
            rows = await cursor.fetchall()
            if not rows:
                return batches
            batch = [item_from_row(r) for r in rows]
            batches.append(batch)
            last_id = batch[-1].id or last_id

    async def save_verdicts(self, verdicts: Iterable[tuple[int, Verdict]], now: float) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE items SET relevant = ?, score = ?, topics = ?, matched = ?,"
                " classified_at = ? WHERE id = ?",
                [
                    (int(v.relevant), v.score, json.dumps(v.topics, ensure_ascii=False),
                     json.dumps(v.matched, ensure_ascii=False), now, item_id)
                    for item_id, v in verdicts
                ],
            )

    async def save_summaries(self, summaries: Iterable[tuple[int, str | None]]) -> None:
        async with self._db.transaction() as conn:
            await conn.executemany(
                "UPDATE items SET summary = ? WHERE id = ?",
                [(summary, item_id) for item_id, summary in summaries],
            )

    async def relevant_since(self, since: float, limit: int = 1000) -> list[Item]:
        """Relevant items published at or after `since`, newest first."""
        cursor = await self._db.reader.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE relevant = 1 AND published_at >= ?"
            " ORDER BY published_at DESC, id DESC LIMIT ?",
            (since, limit),
        )
        return [item_from_row(r) for r in await cursor.fetchall()]
