"""Full article text for kept items whose feed carries only a teaser.

Many feeds give a headline and a line or two. For the items the filter kept, and only
those (so the extra load stays small), the article page is fetched through the same
`Fetcher` as the feeds (size cap, timeouts, per-host politeness, address policy) and its
main text extracted with trafilatura in a worker thread. Whatever goes wrong (a 404, a
page over the cap, a page that is not HTML, a page whose text is not the article) leaves
the item as it was, with a log line naming the URL.
"""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from feeds.models import Item
from feeds.stopwords import content_stems
from feeds.textnorm import normalize

if TYPE_CHECKING:
    from feeds.fetch import Fetcher

log = logging.getLogger(__name__)

TEASER_MAX_CHARS = 300
"""Feed text shorter than this is a teaser worth replacing by the article."""
ARTICLE_MAX_CHARS = 20_000
"""The article text kept: far more than a summary or a search snippet needs."""
HEADLINE_MATCH = 0.5
"""Share of the headline's content words the page's text must hold to be its article."""
CONCURRENT_PAGES = 4
"""Pages fetched at once; the fetcher also limits connections per host."""

HTML_ACCEPT = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5"
_HTML_TYPES = ("text/html", "application/xhtml+xml", "application/xml", "text/xml", "text/plain")


def needs_article(item: Item) -> bool:
    """True for a kept item whose text is only a teaser and that has a web address."""
    if item.verdict is None or not item.verdict.relevant:
        return False
    if len(item.text.strip()) >= TEASER_MAX_CHARS:
        return False
    url = item.url or item.canonical_url
    return url.startswith(("http://", "https://"))


def extract_article_text(body: bytes, url: str) -> str | None:
    """The main text of an HTML page, paragraphs separated by blank lines, or None.

    Runs trafilatura (CPU-bound: call it in a thread). Never raises: a page the extractor
    cannot read gives None.
    """
    import trafilatura

    try:
        text = trafilatura.extract(
            body, url=url, include_comments=False, include_tables=False,
            include_images=False, favor_precision=True, deduplicate=True,
        )
    except Exception:  # a third-party parser on hostile input: any failure means "no text"
        log.warning("article %s: the page could not be read", url, exc_info=True)
        return None
    if not text:
        return None
    lines = [line.strip() for line in text.splitlines()]
    return "\n\n".join(line for line in lines if line)[:ARTICLE_MAX_CHARS] or None


def _without_headline(text: str, title: str) -> str:
    """The article text without the headline the page repeats as its first line."""
    first, _, rest = text.partition("\n\n")
    if rest and fuzz.ratio(normalize(first), normalize(title)) >= 85:
        return rest
    return text


def _is_the_article(text: str, item: Item) -> bool:
    """The page's text is this item's article: it holds most of the headline's words."""
    title = set(content_stems(item.title, item.language))
    if not title:
        return True
    found = set(content_stems(text, item.language))
    return len(title & found) / len(title) >= HEADLINE_MATCH


def _is_html(content_type: str) -> bool:
    kind = content_type.split(";", 1)[0].strip().lower()
    return not kind or kind in _HTML_TYPES


async def _expand(fetcher: Fetcher, item: Item, slots: asyncio.Semaphore) -> None:
    url = item.url or item.canonical_url
    async with slots:
        result = await fetcher.fetch(url, accept=HTML_ACCEPT)
    if not result.ok:
        reason = result.error or f"status {result.status}"
        log.info("article %s: not fetched (%s); the teaser stays", url, reason)
        return
    if not _is_html(result.content_type):
        log.info("article %s: not a web page (%s); the teaser stays", url, result.content_type)
        return
    text = await asyncio.to_thread(extract_article_text, result.body, result.url or url)
    if text is None:
        log.info("article %s: no article text found; the teaser stays", url)
        return
    text = _without_headline(text, item.title)
    if len(text) <= len(item.text.strip()):
        log.info("article %s: the page says no more than the feed; the teaser stays", url)
        return
    if not _is_the_article(text, item):
        log.info("article %s: the page's text is not about the headline; the teaser stays", url)
        return
    item.text = text


async def expand_teasers(fetcher: Fetcher, items: list[Item]) -> None:
    """Replace the short text of kept items by the article's main text, where it can.

    Only relevant items with text under `TEASER_MAX_CHARS` are fetched. Never raises for
    one item's page: failures are logged with the URL and leave that item unchanged.
    """
    wanted = [item for item in items if needs_article(item)]
    if not wanted:
        return
    slots = asyncio.Semaphore(CONCURRENT_PAGES)
    outcomes = await asyncio.gather(
        *(_expand(fetcher, item, slots) for item in wanted), return_exceptions=True
    )
    for item, outcome in zip(wanted, outcomes, strict=True):
        if isinstance(outcome, Exception):
            log.error("article %s: expanding the teaser failed", item.url,
                      exc_info=(type(outcome), outcome, outcome.__traceback__))
        elif isinstance(outcome, BaseException):
            raise outcome  # cancellation and interpreter exits are not ours to swallow
