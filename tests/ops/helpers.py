"""Archive set-ups shared by the operations tests (feeds in a given state)."""

from __future__ import annotations

from dataclasses import replace

from feeds.archive import Archive
from feeds.archive.sources import save_refresh_state
from feeds.models import Source


async def feed_in_state(
    archive: Archive,
    url: str,
    *,
    fetched_at: float | None,
    succeeded_at: float | None,
    error_count: int = 0,
    error: str | None = None,
    added_at: float | None = None,
) -> Source:
    """A feed as if the pipeline had last fetched it at `fetched_at`, as the pipeline stores it."""
    source, _ = await archive.sources.add(url, title=url.rsplit("/", 1)[-1])
    updated = replace(
        source,
        last_fetch_at=fetched_at,
        last_success_at=succeeded_at,
        error_count=error_count,
        last_error=error,
        last_status="error" if error_count else "ok",
        added_at=added_at if added_at is not None else source.added_at,
    )
    async with archive.db.transaction() as conn:
        await save_refresh_state(conn, updated)
    return updated
