"""Finding the feeds of a site when an admin gives a web page instead of a feed.

Two sources of candidates, in order of trust: the page's own `<link rel="alternate"
type="application/rss+xml|atom+xml">` declarations, then the paths most sites use (/rss,
/feed, ...). The parsing is pure; `discover_feeds` then fetches each candidate (through the
caller's fetch function, so the same address checks and size caps apply) and keeps those
whose body looks like a feed.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from feeds.models import FetchResult

FEED_TYPES = frozenset(
    {
        "application/rss+xml",
        "application/atom+xml",
        "application/rdf+xml",
        "application/feed+xml",
        "application/xml",
        "text/xml",
    }
)
COMMON_PATHS: tuple[str, ...] = (
    "/rss",
    "/feed",
    "/rss.xml",
    "/feed.xml",
    "/atom.xml",
    "/news/rss",
)
MAX_CANDIDATES = 12
MAX_FOUND = 8
SNIFF_BYTES = 2048
_FEED_ROOT_RE = re.compile(rb"<(rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_HTML_ROOT_RE = re.compile(rb"<html[\s>]", re.IGNORECASE)

Fetch = Callable[[str], Awaitable[FetchResult]]


@dataclass(frozen=True, slots=True)
class FeedLink:
    """A feed a page declares: where it is and what the page calls it."""

    url: str
    title: str = ""


class _AlternateLinks(HTMLParser):
    """Collects `<link rel="alternate">` feed declarations and the page's `<base href>`."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []
        self.base: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): (value or "").strip() for name, value in attrs}
        if tag == "base" and self.base is None and values.get("href"):
            self.base = values["href"]
        if tag != "link":
            return
        rels = values.get("rel", "").lower().split()
        kind = values.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and values.get("href"):
            self.links.append((values["href"], values.get("title", "")))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)


def _decode(body: bytes | str) -> str:
    if isinstance(body, str):
        return body
    head = body[:4096].decode("ascii", "ignore").lower()
    match = re.search(r"charset=[\"']?([a-z0-9_\-]+)", head)
    encoding = match.group(1) if match else "utf-8"
    try:
        return body.decode(encoding, "replace")
    except LookupError:
        return body.decode("utf-8", "replace")


def _is_web_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:  # e.g. a malformed IPv6 host
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def _absolute(base: str, href: str) -> str | None:
    """`href` resolved against `base`, without its fragment; None when it cannot be."""
    try:
        return urljoin(base, href).split("#")[0]
    except ValueError:
        return None


def find_feed_links(body: bytes | str, page_url: str) -> list[FeedLink]:
    """The feeds a page declares with `<link rel="alternate">`, as absolute http(s) URLs,
    in page order, without duplicates. Broken markup yields what could be read."""
    parser = _AlternateLinks()
    try:
        parser.feed(_decode(body))
        parser.close()
    except (AssertionError, ValueError):
        pass  # html.parser gives up on some garbage; keep the links found before it
    base = (_absolute(page_url, parser.base) if parser.base else None) or page_url
    found: list[FeedLink] = []
    seen: set[str] = set()
    for href, title in parser.links:
        url = _absolute(base, href)
        if url is not None and _is_web_url(url) and url not in seen:
            seen.add(url)
            found.append(FeedLink(url, title[:200]))
    return found


def candidate_urls(body: bytes | str, page_url: str) -> list[FeedLink]:
    """Every URL worth probing for `page_url`: declared feeds first, then common paths on
    the same site, at most MAX_CANDIDATES."""
    candidates = find_feed_links(body, page_url)
    seen = {c.url for c in candidates} | {page_url}
    for path in COMMON_PATHS:
        url = urljoin(page_url, path)
        if url not in seen:
            seen.add(url)
            candidates.append(FeedLink(url))
    return candidates[:MAX_CANDIDATES]


def looks_like_feed(body: bytes) -> bool:
    """Whether a body starts like RSS, Atom or RDF rather than an HTML page."""
    head = body[:SNIFF_BYTES]
    return bool(_FEED_ROOT_RE.search(head)) and not _HTML_ROOT_RE.search(head)


async def discover_feeds(page_url: str, body: bytes | str, fetch: Fetch) -> list[FeedLink]:
    """The candidates of a page that answer with a feed, declared ones first.

    Candidates are fetched concurrently with `fetch`; one that fails for any reason is
    simply not offered. The URL kept is the one the fetch ended at (redirects followed).
    """
    candidates = candidate_urls(body, page_url)

    async def probe(candidate: FeedLink) -> FeedLink | None:
        try:
            result = await fetch(candidate.url)
        except Exception:  # a candidate that cannot be read is just not a feed
            return None
        if not result.ok or not looks_like_feed(result.body):
            return None
        return FeedLink(result.url or candidate.url, candidate.title)

    found: list[FeedLink] = []
    seen: set[str] = set()
    for link in await asyncio.gather(*(probe(c) for c in candidates)):
        if link is not None and link.url not in seen:
            seen.add(link.url)
            found.append(link)
    return found[:MAX_FOUND]
