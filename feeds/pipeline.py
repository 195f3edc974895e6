"""The ingest orchestrator: fetch → parse → clean → classify → expand → summarize → store.

`refresh` does one feed and reads top to bottom; `poll_all` refreshes many at once; and
`probe_feed` runs the first half (no storing) for an admin who adds a feed. The stages are
plain functions (feeds.parse, feeds.clean, feeds.classify, feeds.summarize, feeds.stories);
this module only wires them; feeds.stages keeps their CPU work off the event loop, in worker
threads or, for large polls, worker processes. When the feed is fetched next is
feeds.schedule's decision; a permanent redirect moves the stored URL.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field

from feeds import article
from feeds.archive import Archive
from feeds.archive.items import insert_new_items
from feeds.archive.sources import save_refresh_state
from feeds.archive.stories import assign_stories
from feeds.classify import Classifier
from feeds.clean import detect_language
from feeds.fetch import Fetcher
from feeds.models import FeedStatus, FetchResult, Item, ParsedFeed, Source
from feeds.parse import looks_like_html_page
from feeds.schedule import failed, succeeded
from feeds.stages import (
    CpuWorkers,
    classify_items,
    item_text,
    read_feed,
    run_stage,
    summarize_and_stem,
)
from feeds.stories import Fingerprint

log = logging.getLogger(__name__)


@dataclass
class PipelineContext:
    """Everything the pipeline needs, passed in (nothing is read from globals)."""

    archive: Archive
    fetcher: Fetcher
    classifier: Classifier
    clock: Callable[[], float] = time.time
    interval: float = 900.0
    concurrency: int = 8
    """How many feeds `poll_all` refreshes at once (the fetcher bounds connections too)."""
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)
    """Held by each CPU stage, so that only one runs at a time while the fetches and the
    stores overlap: CPU stages gain nothing from running side by side (one interpreter
    lock). Stores do not take it: a store is a dozen statements whose time is spent in
    SQLite, which releases the interpreter lock, so a CPU stage runs meanwhile."""
    workers: CpuWorkers | None = None
    """When given, the CPU stages run in these processes instead (not in turn): beside the
    stores on another core, and off the interpreter lock that the stores' every statement
    needs again. Items are classified there only with this context's own classifier."""


@dataclass
class RefreshReport:
    """How one feed's refresh went: what `poll` prints and /poll sums up."""

    source_id: int
    url: str
    title: str
    status: FeedStatus
    new_items: list[Item] = field(default_factory=list)
    total: int = 0
    kept: int = 0
    error: str | None = None
    warning: str | None = None
    """A problem the feed was read despite (status WARNING): not an error."""


@dataclass
class FeedProbe:
    """What a feed URL gives, checked without storing anything."""

    url: str
    title: str = ""
    site_url: str = ""
    language: str = ""
    item_count: int = 0
    kept_count: int = 0
    error: str | None = None
    is_html_page: bool = False
    body: bytes = b""


async def refresh(ctx: PipelineContext, source: Source) -> RefreshReport:
    """Refresh one feed and store its new items and its state in one transaction.

    Never raises for a problem of the feed (network, HTTP, format): that becomes the
    report's status and error, and the feed's state in the archive.
    """
    now = ctx.clock()
    fetched = await ctx.fetcher.fetch(
        source.url, etag=source.etag, last_modified=source.last_modified
    )
    if fetched.not_modified:
        state = succeeded(source, fetched, now, ctx.interval, FeedStatus.NOT_MODIFIED, None)
        state = await _follow_permanent_redirect(ctx.archive, state, fetched)
        await _store(ctx, state, [], [], [])
        return _report(state, FeedStatus.NOT_MODIFIED)
    if fetched.error is not None:
        return await _fail(ctx, source, fetched, now, fetched.error)

    parsed, items = await run_stage(ctx, read_feed, fetched.body, fetched.url,
                                    fetched.content_type, source, now)
    if parsed.error is not None:
        return await _fail(ctx, source, fetched, now, parsed.error)
    source = _learn_metadata(source, parsed, items)
    fresh = await _not_stored(ctx.archive, source.id, items)

    await classify_items(ctx, fresh)
    matched = [_terms_if_kept(item) for item in fresh]
    kept = [item for item, terms in zip(fresh, matched, strict=True) if terms is not None]
    await article.expand_teasers(ctx.fetcher, kept)
    summaries, stems, fingerprints = await run_stage(
        ctx, summarize_and_stem, [item_text(item) for item in fresh], matched)
    for item, terms, summary in zip(fresh, matched, summaries, strict=True):
        if terms is not None:
            item.summary = summary

    status = FeedStatus.WARNING if parsed.warning else FeedStatus.OK
    state = succeeded(source, fetched, now, ctx.interval, status, parsed.warning)
    state = await _follow_permanent_redirect(ctx.archive, state, fetched)
    new = await _store(ctx, state, fresh, stems, fingerprints)
    report = _report(state, status)
    report.warning = parsed.warning
    report.new_items = new
    report.total = len(items)
    report.kept = sum(1 for item in new if item.verdict is not None and item.verdict.relevant)
    return report


async def poll_all(
    ctx: PipelineContext,
    *,
    only_due: bool = True,
    source_ids: Collection[int] | None = None,
) -> list[RefreshReport]:
    """Refresh the enabled feeds (only those due, unless told otherwise), a bounded number
    at a time; one report per feed, in feed order. No exception escapes: a feed whose
    refresh fails unexpectedly gets an error report and the others go on."""
    archive = ctx.archive
    if only_due:
        sources = await archive.sources.due(ctx.clock())
    else:
        sources = await archive.sources.all(enabled_only=True)
    if source_ids is not None:
        wanted = set(source_ids)
        sources = [source for source in sources if source.id in wanted]
    gate = asyncio.Semaphore(max(1, ctx.concurrency))

    async def one(source: Source) -> RefreshReport:
        async with gate:
            return await _refresh_guarded(ctx, source)

    return list(await asyncio.gather(*(one(source) for source in sources)))


async def probe_feed(ctx: PipelineContext, url: str) -> FeedProbe:
    """Fetch, parse, clean and classify `url` without storing anything.

    When the address gives a web page instead of a feed, the probe says so
    (`is_html_page`) and carries the page's body, so the caller can discover feeds on it.
    """
    fetched = await ctx.fetcher.fetch(url)
    probe = FeedProbe(url=fetched.url or url)
    if fetched.error is not None:
        probe.error = fetched.error
        return probe
    if looks_like_html_page(fetched.body, fetched.content_type):
        probe.is_html_page = True
        probe.body = fetched.body
        probe.error = "not a feed: the address gives a web page (HTML)"
        return probe
    draft = Source(id=0, url=probe.url, language="")
    parsed, items = await run_stage(ctx, read_feed, fetched.body, probe.url,
                                    fetched.content_type, draft, ctx.clock())
    if parsed.error is not None:
        probe.error = parsed.error
        return probe
    await classify_items(ctx, items)
    probe.title = parsed.title
    probe.site_url = parsed.site_url
    probe.language = _feed_language(parsed, items)
    probe.item_count = len(items)
    probe.kept_count = sum(1 for item in items if item.verdict and item.verdict.relevant)
    return probe


def _terms_if_kept(item: Item) -> list[str] | None:
    """The terms a kept (relevant) item matched, which its summary favours; None for an
    item not kept, which gets no summary."""
    verdict = item.verdict
    return verdict.matched if verdict is not None and verdict.relevant else None


# --- state of the feed ----------------------------------------------------------------------

def _learn_metadata(source: Source, parsed: ParsedFeed, items: list[Item]) -> Source:
    """Fill what the archive does not know yet from the feed itself."""
    return dataclasses.replace(
        source,
        title=source.title or parsed.title[:300],
        site_url=source.site_url or parsed.site_url[:1000],
        language=source.language or _feed_language(parsed, items),
    )


async def _follow_permanent_redirect(
    archive: Archive, state: Source, fetched: FetchResult
) -> Source:
    target = fetched.permanent_redirect_to
    if not target or target == state.url:
        return state
    other = await archive.sources.find_by_url(target)
    if other is not None and other.id != state.id:
        log.warning("feed %s moved to %s, which is already feed %s; keeping its URL",
                    state.id, target, other.id)
        return state
    log.info("feed %s moved permanently: %s -> %s", state.id, state.url, target)
    return dataclasses.replace(state, url=target)


# --- archive -----------------------------------------------------------------------------

async def _not_stored(archive: Archive, source_id: int, items: list[Item]) -> list[Item]:
    """The items the archive does not have yet (the others need no classifying)."""
    if not items:
        return []
    guids, urls = await archive.items.stored_keys(
        source_id, [item.guid for item in items], [item.canonical_url for item in items]
    )
    return [item for item in items
            if item.guid not in guids and not (item.canonical_url and item.canonical_url in urls)]


async def _store(
    ctx: PipelineContext, state: Source, items: list[Item],
    stems: list[tuple[str, str]], fingerprints: list[Fingerprint],
) -> list[Item]:
    """The new items, their stories and the feed's state: all stored, or none.

    `stems` and `fingerprints` go with `items`, one each."""
    async with ctx.archive.db.transaction() as conn:
        new = await insert_new_items(conn, items, stems)
        # insert_new_items keeps the order and gives ids to the new items only.
        await assign_stories(conn, new, [
            fp for item, fp in zip(items, fingerprints, strict=True) if item.id is not None
        ], ctx.archive.story_index)
        await save_refresh_state(conn, state)
    return new


async def _fail(
    ctx: PipelineContext, source: Source, fetched: FetchResult, now: float, error: str
) -> RefreshReport:
    state, status = failed(source, fetched, now, ctx.interval, error)
    await _store(ctx, state, [], [], [])
    log.info("feed %s (%s): %s", source.id, source.url, error)
    return _report(state, status, error=error)


async def _refresh_guarded(ctx: PipelineContext, source: Source) -> RefreshReport:
    """`refresh`, with any unexpected failure logged and recorded on the feed."""
    try:
        return await refresh(ctx, source)
    except Exception as exc:
        log.exception("refreshing feed %s (%s) failed", source.id, source.url)
        error = f"internal error: {type(exc).__name__}: {exc}"[:300]
        failure = FetchResult(url=source.url, status=None, error=error)
        state, status = failed(source, failure, ctx.clock(), ctx.interval, error)
        try:
            await _store(ctx, state, [], [], [])
        except Exception:
            log.exception("recording the failure of feed %s failed too", source.id)
        return _report(state, status, error=error)


def _report(state: Source, status: FeedStatus, *, error: str | None = None) -> RefreshReport:
    return RefreshReport(
        source_id=state.id, url=state.url, title=state.title, status=status, error=error
    )


def _feed_language(parsed: ParsedFeed, items: list[Item]) -> str:
    """The feed's language: what most of its items are written in, else what it declares."""
    if items:
        return Counter(item.language for item in items).most_common(1)[0][0]
    return detect_language("", parsed.language) if parsed.language else ""
