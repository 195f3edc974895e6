"""Full-text search over the archive: bm25 ranking, the title above the text, one hit a story."""

from __future__ import annotations

import json
import sqlite3

from feeds.archive.db import Database
from feeds.models import SearchHit
from feeds.search import MARK_END, MARK_START, build_match

# bm25 weights per items_fts column: title, text, title_stems, text_stems.
_BM25 = "bm25(items_fts, 8.0, 1.0, 8.0, 1.0)"
SNIPPET_TOKENS = 24


class SearchStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(
        self, query: str, *, limit: int = 5, offset: int = 0, only_relevant: bool = False
    ) -> list[SearchHit]:
        """The best matches, one per story, best first. Empty when the query has no words."""
        match = build_match(query)
        if match is None:
            return []
        relevant_filter = "AND items.relevant = 1" if only_relevant else ""
        sql = f"""
            WITH hits AS (
                SELECT items_fts.rowid AS item_id, {_BM25} AS rank,
                       highlight(items_fts, 0, ?, ?) AS title_marked,
                       snippet(items_fts, 1, ?, ?, '…', {SNIPPET_TOKENS}) AS snippet_marked
                FROM items_fts WHERE items_fts MATCH ?
            ), ranked AS (
                SELECT hits.*, items.story_id, items.title, items.url, items.published_at,
                       items.language, items.summary, items.topics, items.relevant,
                       sources.title AS source_title, sources.url AS source_url,
                       ROW_NUMBER() OVER (
                           PARTITION BY COALESCE(items.story_id, -items.id)
                           ORDER BY hits.rank, items.published_at DESC
                       ) AS nth
                FROM hits JOIN items ON items.id = hits.item_id
                JOIN sources ON sources.id = items.source_id
                WHERE 1 = 1 {relevant_filter}
            )
            SELECT * FROM ranked WHERE nth = 1
            ORDER BY rank, published_at DESC LIMIT ? OFFSET ?
        """
        params = (MARK_START, MARK_END, MARK_START, MARK_END, match, limit, offset)
        try:
            cursor = await self._db.reader.execute(sql, params)
            rows = await cursor.fetchall()
        except sqlite3.OperationalError:
            # build_match quotes every token, so this is not expected; a search must still
            # never fail in front of a person, so a malformed query finds nothing.
            return []
        return [
            SearchHit(
                item_id=row["item_id"], story_id=row["story_id"], title=row["title"],
                url=row["url"], source_title=row["source_title"] or row["source_url"],
                published_at=row["published_at"], language=row["language"],
                summary=row["summary"], title_marked=row["title_marked"] or row["title"],
                snippet_marked=row["snippet_marked"] or "", rank=row["rank"],
                topics=json.loads(row["topics"] or "[]"),
            )
            for row in rows
        ]
