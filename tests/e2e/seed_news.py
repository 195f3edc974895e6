"""News items for the search and admin tests: stored and indexed the way the pipeline does."""

from __future__ import annotations

import time

from feeds.archive import Archive
from feeds.archive.items import insert_new_items
from feeds.models import Item, Verdict
from feeds.textnorm import stem_text


def news_item(
    n: int,
    title: str,
    text: str,
    *,
    language: str = "ru",
    source_id: int = 1,
    relevant: bool = True,
    age_hours: float = 1.0,
    url: str | None = None,
) -> Item:
    now = time.time()
    return Item(
        source_id=source_id,
        guid=f"g{n}",
        url=url or f"https://news.example.kz/{n}",
        canonical_url=url or f"https://news.example.kz/{n}",
        title=title,
        text=text,
        language=language,
        published_at=now - age_hours * 3600 - n,
        fetched_at=now,
        content_hash=f"h{n}",
        verdict=Verdict(
            relevant=relevant,
            score=1.0 if relevant else 0.0,
            topics=["ngo_civil_society"] if relevant else [],
        ),
    )


async def store_items(archive: Archive, items: list[Item], source_title: str = "Хабар НКО") -> None:
    """Store items under one feed (created when missing), indexed for search."""
    source, _ = await archive.sources.add("https://news.example.kz/rss", title=source_title)
    for item in items:
        item.source_id = source.id
    stems = [(stem_text(i.title, i.language), stem_text(i.text, i.language)) for i in items]
    async with archive.db.transaction() as conn:
        await insert_new_items(conn, items, stems)
