"""Search hits and news items as Telegram HTML: escaped, highlighted, dated, within limits.

Everything that comes from a feed is escaped here (titles, sources, snippets); URLs go into
`href` escaped with quote=True, and only http(s) URLs become links. Dates are written in the
reader's language and time zone with Babel.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time

from feeds.models import Item, SearchHit
from feeds.search import MARK_END, MARK_START, marked_to_html

MESSAGE_LIMIT = 4096
TITLE_CHARS = 300
SOURCE_CHARS = 80
SNIPPET_CHARS = 500


@dataclass(frozen=True, slots=True)
class Reader:
    """Who reads a rendered text: their interface language and time zone."""

    language: str
    timezone: str

    def zone(self) -> ZoneInfo:
        try:
            return ZoneInfo(self.timezone)
        except (ValueError, KeyError):
            return ZoneInfo("UTC")


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut at a word boundary to at most `limit` characters with «…»."""
    flat = " ".join(text.split())
    if len(flat) <= limit:
        return flat
    cut = flat[: limit - 1]
    space = cut.rfind(" ")
    if space > limit // 2:
        cut = cut[:space]
    return cut.rstrip() + "…"


def balance_marks(marked: str) -> str:
    """Match markers in strict start/end pairs: a stray marker (a cut, or one that came with
    the feed's own text) is dropped, and a pair left open is closed."""
    out: list[str] = []
    inside = False
    for char in marked:
        if char == MARK_START:
            if not inside:
                out.append(char)
            inside = True
        elif char == MARK_END:
            if inside:
                out.append(char)
            inside = False
        else:
            out.append(char)
    if inside:
        out.append(MARK_END)
    return "".join(out)


def shorten_marked(marked: str, limit: int) -> str:
    """`shorten` for text with match markers, the markers kept in balanced pairs."""
    return balance_marks(shorten(marked, limit))


def web_url(url: str) -> str | None:
    """`url` when it is an http(s) address that can go into a link, else None."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. a malformed IPv6 host
        return None
    if parts.scheme in ("http", "https") and parts.hostname:
        return url.strip()
    return None


def format_when(timestamp: float, reader: Reader) -> str:
    """A publication time in the reader's language and zone: «28 нояб. 2026, 09:00» in ru,
    «28 Nov 2026, 9:00 AM» in en. The time is the locale's short format, as the settings
    show the digest hour (bot/handlers/screens.hour_label)."""
    moment = datetime.fromtimestamp(timestamp, reader.zone())
    try:
        locale = Locale.parse(reader.language)
    except (ValueError, LookupError, UnknownLocaleError):
        locale = Locale.parse("en")
    return (
        format_date(moment, "d MMM y", locale=locale)
        + ", "
        + format_time(moment, "short", locale=locale)
    )


def linked_title(title: str, url: str) -> str:
    """A bold title, linked when the URL is a web address."""
    text = html.escape(shorten(title, TITLE_CHARS) or url[:TITLE_CHARS], quote=False)
    link = web_url(url)
    if link is None:
        return f"<b>{text}</b>"
    return f'<b><a href="{html.escape(link, quote=True)}">{text}</a></b>'


def source_line(source: str, published_at: float, reader: Reader) -> str:
    """«Source · date», escaped."""
    name = html.escape(shorten(source, SOURCE_CHARS), quote=False)
    return f"<i>{name}</i> · {format_when(published_at, reader)}"


def render_hit(hit: SearchHit, number: int, reader: Reader) -> str:
    """One search result: number and linked title, source and date, highlighted snippet."""
    lines = [
        f"{number}. {linked_title(hit.title, hit.url)}",
        source_line(hit.source_title, hit.published_at, reader),
    ]
    snippet = marked_to_html(shorten_marked(hit.snippet_marked, SNIPPET_CHARS)).replace(
        "<b></b>", ""
    )
    if snippet:
        lines.append(snippet)
    return "\n".join(lines)


def render_item(item: Item, source: str, number: int, reader: Reader) -> str:
    """One news item for /latest: number and linked title, source and date, its summary."""
    lines = [
        f"{number}. {linked_title(item.title, item.url)}",
        source_line(source, item.published_at, reader),
    ]
    summary = item.summary or shorten(item.text, 200)
    if summary:
        lines.append(html.escape(shorten(summary, SNIPPET_CHARS), quote=False))
    return "\n".join(lines)


def render_share(hit: SearchHit, reader: Reader) -> str:
    """A story as someone shares it from inline mode: title, source and date, summary."""
    lines = [
        linked_title(hit.title, hit.url),
        source_line(hit.source_title, hit.published_at, reader),
    ]
    about = hit.summary or hit.snippet_marked.replace(MARK_START, "").replace(MARK_END, "")
    if about:
        lines.append(html.escape(shorten(about, SNIPPET_CHARS), quote=False))
    return "\n".join(lines)


def join_blocks(header: str, blocks: Sequence[str], limit: int = MESSAGE_LIMIT) -> str:
    """The header and as many whole blocks as fit in one message, blank lines between."""
    text = header
    for block in blocks:
        candidate = f"{text}\n\n{block}" if text else block
        if len(candidate) > limit:
            break
        text = candidate
    return text
