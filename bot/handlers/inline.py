"""Inline mode: `@bot words` in any chat lists stories to share; an empty query, the latest.

Results are articles whose message is the story itself (linked title, source, date, a
summary), so what gets shared reads well without the bot. Paging goes through Telegram's
`next_offset`, 20 results at a time.
"""

from __future__ import annotations

import time

from aiogram import Router
from aiogram.types import (
    InlineQuery,
    InlineQueryResultArticle,
    InputTextMessageContent,
)

from bot.config import Settings
from bot.handlers.search import reader_for
from bot.search_view import Reader, format_when, render_share, shorten
from feeds.archive import Archive
from feeds.models import SearchHit
from feeds.search import MARK_END, MARK_START
from feeds.textnorm import strip_invisible

PAGE_SIZE = 20
MAX_OFFSET = 100
LATEST_DAYS = 14
CACHE_SECONDS = 60


def _plain(marked: str) -> str:
    return marked.replace(MARK_START, "").replace(MARK_END, "")


def article(hit: SearchHit, reader: Reader) -> InlineQueryResultArticle:
    """One shareable story."""
    when = format_when(hit.published_at, reader)
    description = shorten(f"{hit.source_title} · {when} · {_plain(hit.snippet_marked)}", 200)
    return InlineQueryResultArticle(
        id=f"i{hit.item_id}",
        title=shorten(hit.title, 120) or shorten(hit.url, 120) or "—",
        description=description,
        input_message_content=InputTextMessageContent(
            message_text=render_share(hit, reader), parse_mode="HTML"
        ),
    )


async def latest_hits(archive: Archive, offset: int, limit: int) -> list[SearchHit]:
    """The newest relevant stories as hits (one per story), for an empty inline query."""
    since = time.time() - LATEST_DAYS * 86400
    items = await archive.items.relevant_since(since, limit=(offset + limit) * 3)
    titles = {s.id: s.title or s.url for s in await archive.sources.all()}
    hits: list[SearchHit] = []
    seen: set[int] = set()
    for item in items:
        story = item.story_id if item.story_id is not None else -(item.id or 0)
        if story in seen:
            continue
        seen.add(story)
        hits.append(
            SearchHit(
                item_id=item.id or 0,
                story_id=item.story_id,
                title=item.title,
                url=item.url,
                source_title=titles.get(item.source_id, ""),
                published_at=item.published_at,
                language=item.language,
                summary=item.summary,
                title_marked=item.title,
                snippet_marked=shorten(item.text, 300),
                rank=0.0,
            )
        )
    return hits[offset : offset + limit]


def parse_offset(raw: str) -> int:
    return min(int(raw), MAX_OFFSET) if raw.isdigit() else 0


def create_router() -> Router:
    router = Router(name="inline")

    @router.inline_query(flags={"throttle": "search"})
    async def inline_search(query: InlineQuery, archive: Archive, settings: Settings) -> None:
        offset = parse_offset(query.offset)
        words = strip_invisible(query.query).strip()
        if words:
            hits = await archive.search.search(words, limit=PAGE_SIZE, offset=offset)
        else:
            hits = await latest_hits(archive, offset, PAGE_SIZE)
        reader = await reader_for(archive, settings, query.from_user.id)
        more = len(hits) == PAGE_SIZE and offset + PAGE_SIZE < MAX_OFFSET
        await query.answer(
            [article(hit, reader) for hit in hits],
            cache_time=CACHE_SECONDS,
            is_personal=True,  # dates are in the asker's own language and time zone
            next_offset=str(offset + PAGE_SIZE) if more else "",
        )

    return router
