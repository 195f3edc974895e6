"""Full-text search over the archive: bm25 ranking, the title above the text, one hit a story.

Three short steps keep a search fast however common its words are: rank the matches inside
FTS5 and keep the best few dozen, keep the best item of each story, and only then read and
mark the handful of items that will be shown. Ranking costs time in proportion to the number
of matches, so the newest RECENT_WINDOW items are ranked first, and the whole archive only
when they hold too few matches: a common word costs the same in a year-old archive as in a
week-old one, and a rare word still finds its one old article.
"""

from __future__ import annotations

import json
import sqlite3

from feeds.archive.db import Database
from feeds.models import SearchHit
from feeds.search import ParsedQuery, mark, parse_query, snippet

CANDIDATES_PER_RESULT = 4  # ranked matches read per result wanted, for story grouping
MIN_CANDIDATES = 40
RECENT_WINDOW = 20_000  # items (by id, which grows with time) ranked before the rest


class SearchStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def search(
        self, query: str, *, limit: int = 5, offset: int = 0, only_relevant: bool = False
    ) -> list[SearchHit]:
        """The best matches, one per story, best first. Empty when the query has no words."""
        parsed = parse_query(query)
        if parsed is None or limit <= 0:
            return []
        try:
            ranked = await self._ranked_items(parsed.match, limit, offset, only_relevant)
            return await self._hits(parsed, ranked)
        except sqlite3.OperationalError:
            # build_match quotes every token, so this is not expected; a search must still
            # never fail in front of a person, so a malformed query finds nothing.
            return []

    async def _ranked_items(
        self, match: str, limit: int, offset: int, only_relevant: bool
    ) -> list[tuple[int, float]]:
        """(item id, rank) of the best item of each matching story, for the wanted page."""
        wanted = offset + limit
        candidates = max(MIN_CANDIDATES, wanted * CANDIDATES_PER_RESULT)
        relevant_join = (
            "JOIN items AS kept ON kept.id = items_fts.rowid AND kept.relevant = 1"
            if only_relevant else ""
        )
        cursor = await self._db.reader.execute("SELECT COALESCE(MAX(id), 0) FROM items")
        newest = (await cursor.fetchone() or (0,))[0]
        rows: list[tuple[int, float, int]] = []
        for lowest_id in (newest - RECENT_WINDOW, 0):
            cursor = await self._db.reader.execute(
                f"""
                WITH best AS (
                    SELECT items_fts.rowid AS item_id, items_fts.rank AS rank
                    FROM items_fts {relevant_join}
                    WHERE items_fts MATCH ? AND items_fts.rowid > ?
                    ORDER BY items_fts.rank LIMIT ?
                )
                SELECT best.item_id, best.rank, COALESCE(items.story_id, -items.id) AS story
                FROM best JOIN items ON items.id = best.item_id
                ORDER BY best.rank, items.published_at DESC
                """,
                (match, lowest_id, candidates),
            )
            rows = [(row[0], row[1], row[2]) for row in await cursor.fetchall()]
            if len(rows) >= candidates or lowest_id <= 0:
                break
        seen_stories: set[int] = set()
        ranked: list[tuple[int, float]] = []
        for item_id, rank, story in rows:
            if story in seen_stories:
                continue
            seen_stories.add(story)
            ranked.append((item_id, rank))
        return ranked[offset:wanted]

    async def _hits(self, query: ParsedQuery, ranked: list[tuple[int, float]]) -> list[SearchHit]:
        if not ranked:
            return []
        ids = [item_id for item_id, _ in ranked]
        placeholders = ",".join("?" * len(ids))
        cursor = await self._db.reader.execute(
            f"""
            SELECT items.id AS item_id, items.story_id, items.title, items.text, items.url,
                   items.published_at, items.language, items.summary, items.topics,
                   COALESCE(NULLIF(sources.title, ''), sources.url) AS source_title
            FROM items JOIN sources ON sources.id = items.source_id
            WHERE items.id IN ({placeholders})
            """,
            ids,
        )
        rows = {row["item_id"]: row for row in await cursor.fetchall()}
        hits = []
        for item_id, rank in ranked:
            row = rows.get(item_id)
            if row is None:
                continue
            hits.append(SearchHit(
                item_id=item_id, story_id=row["story_id"], title=row["title"], url=row["url"],
                source_title=row["source_title"], published_at=row["published_at"],
                language=row["language"], summary=row["summary"],
                title_marked=mark(row["title"], query, row["language"]),
                snippet_marked=snippet(row["text"], query, row["language"]), rank=rank,
                topics=json.loads(row["topics"] or "[]"),
            ))
        return hits
