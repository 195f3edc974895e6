"""Parsing a fetched body into a feed: feedparser on bytes, a verdict in plain words.

Pure and synchronous: the pipeline runs it in a worker thread. RSS 0.9x/1.0/2.0 and Atom in
any declared charset; feedparser's own HTML sanitising and URI resolution are off because
feeds.clean turns every piece of markup into plain text anyway (and they cost about half of
the parse time, tech-notes §6); relative links are joined with the feed's address here.

A malformed feed that still yields entries is a warning; one that yields none is an error,
and so is a web page where a feed was expected.
"""

from __future__ import annotations

import calendar
import hashlib
import io
import re
from typing import Any
from urllib.parse import urljoin, urlsplit

import feedparser

from feeds.clean import is_home_page
from feeds.dates import register_date_handlers
from feeds.models import ParsedFeed, RawEntry

_HTML_START = re.compile(rb"^\s*(?:<!--.*?-->\s*)*<(?:!doctype\s+html|html)[\s>]", re.I | re.S)
_FEED_ROOT = re.compile(rb"<(?:rss|feed|rdf:RDF)[\s>]", re.IGNORECASE)
_XML_ENCODING = re.compile(rb"^\s*<\?xml[^>]*encoding=[\"']([\w.:-]+)[\"']", re.IGNORECASE)
_HEADER_CHARSET = re.compile(r"charset=[\"']?([\w.:-]+)", re.IGNORECASE)
_UTF8_NAMES = frozenset({"utf-8", "utf8"})
FALLBACK_ENCODING = "windows-1251"
"""What a feed that claims UTF-8 but is not is read as: the usual case in the region."""
SNIFF_BYTES = 4096
MAX_ENTRIES = 1000
"""Entries past this many are ignored: no real feed carries more, a hostile one might."""


def looks_like_html_page(body: bytes, content_type: str = "") -> bool:
    """True when the body is a web page rather than a feed (so discovery can look on it)."""
    head = body[:SNIFF_BYTES].lstrip(b"\xef\xbb\xbf")
    if _FEED_ROOT.search(head):
        return False
    return bool(_HTML_START.match(head)) or content_type.split(";")[0].strip().lower() in (
        "text/html", "application/xhtml+xml"
    )


_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


def parse_feed(body: bytes, *, url: str, content_type: str) -> ParsedFeed:
    """The feed in `body`, with its entries, a warning when it was read despite problems,
    and an error (and no entries) when it could not be read as a feed at all."""
    if not body.strip():
        return _failed("empty response: the server sent no content")
    if looks_like_html_page(body, content_type):
        return _failed("not a feed: the address gives a web page (HTML)")
    register_date_handlers()
    body, content_type, charset_note = _repair_charset(body, content_type)
    # The feed's address (its location) is applied here, to the entry links and the site
    # link, rather than given to feedparser as content-location: feedparser would join it
    # with every element of the feed, over a quarter of the parse time. An xml:base in the
    # feed itself still applies.
    parsed = feedparser.parse(
        io.BytesIO(body),
        response_headers={"content-type": content_type or "text/xml"},
        sanitize_html=False,
        resolve_relative_uris=False,
    )
    channel = parsed.get("feed", {})
    entries = [_entry(raw, url) for raw in parsed.get("entries", [])[:MAX_ENTRIES]]
    result = ParsedFeed(
        title=_text(channel.get("title")),
        site_url=_web_address(url, _text(channel.get("link"))),
        language=_text(channel.get("language")),
        entries=entries,
    )
    problem = _problem(parsed) or charset_note
    if not entries:
        if not parsed.get("version") and not _FEED_ROOT.search(body[:SNIFF_BYTES]):
            result.error = "not a feed: no RSS or Atom found in the response"
        elif problem is not None:
            result.error = f"broken feed: {problem}"
        else:
            result.warning = "the feed has no entries"
    elif problem is not None:
        result.warning = f"read despite errors ({len(entries)} entries): {problem}"
    return result


def _repair_charset(body: bytes, content_type: str) -> tuple[bytes, str, str | None]:
    """A body that claims (or defaults to) UTF-8 but is not valid UTF-8 is re-read as
    windows-1251; feedparser alone would fall back to windows-1252 and garble Cyrillic."""
    declared = _XML_ENCODING.match(body[:200])
    in_header = _HEADER_CHARSET.search(content_type)
    names = {m.group(1).decode("ascii", "replace").lower() for m in (declared,) if m}
    names |= {in_header.group(1).lower()} if in_header else set()
    if names - _UTF8_NAMES:
        return body, content_type, None  # a declared non-UTF-8 charset: feedparser's job
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return body, content_type, None
    try:
        text = body.decode(FALLBACK_ENCODING)
    except UnicodeDecodeError:
        return body, content_type, None
    if declared:
        start, end = declared.span(1)
        text = text[:start] + "utf-8" + text[end:]
    note = f"the declared charset was wrong; read as {FALLBACK_ENCODING}"
    return text.encode("utf-8"), "application/xml; charset=utf-8", note


def _web_address(base: str, link: str) -> str:
    """`link` joined with the feed's address, when it is an http(s) one; else ""."""
    joined = _joined(base, link)
    return joined if urlsplit(joined).scheme.lower() in ("http", "https") else ""


def _joined(base: str, reference: str) -> str:
    """`reference` joined with `base` when it has no scheme of its own (a path)."""
    if not reference or _SCHEME.match(reference):
        return reference
    try:
        return urljoin(base, reference)
    except ValueError:  # a malformed reference («http://[»): kept as it came
        return reference


def _failed(error: str) -> ParsedFeed:
    return ParsedFeed(title="", site_url="", language="", entries=[], error=error)


def _problem(parsed: Any) -> str | None:
    if not parsed.get("bozo"):
        return None
    exception = parsed.get("bozo_exception")
    name = type(exception).__name__
    if name == "CharacterEncodingOverride":
        return f"the declared charset was wrong; read as {parsed.get('encoding', 'unknown')}"
    if name == "NonXMLContentType":
        return None  # a feed served as text/plain or octet-stream: common and harmless
    get_line = getattr(exception, "getLineNumber", None)
    get_message = getattr(exception, "getMessage", None)
    if callable(get_line) and callable(get_message):
        return f"XML error at line {get_line()}: {get_message()}"[:200]
    message = str(exception).strip() or name
    return message[:200]


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _entry(raw: Any, url: str) -> RawEntry:
    # A relative link is joined with the feed's address; the guid identifies the entry
    # within its feed and is kept as written, so that it stays the same when the feed
    # moves to another address.
    link = _joined(url, _text(raw.get("link")))
    title = _text(raw.get("title"))
    content = _content_html(raw)
    guid = _text(raw.get("id")) or link
    if not guid or is_home_page(guid):
        digest = hashlib.sha256(f"{title}\n{content}".encode()).hexdigest()[:32]
        guid = f"sha256:{digest}"
    return RawEntry(
        guid=guid[:2000],
        link=link,
        title=title,
        content_html=content,
        published_at=_timestamp(raw),
    )


def _content_html(raw: Any) -> str:
    """The fullest body the entry has: its content, else its summary/description."""
    best = ""
    for part in raw.get("content") or []:
        value = part.get("value") if isinstance(part, dict) else None
        if isinstance(value, str) and len(value) > len(best):
            best = value
    summary = raw.get("summary")
    if isinstance(summary, str) and len(summary) > len(best):
        best = summary
    return best


def _timestamp(raw: Any) -> float | None:
    for key in ("published_parsed", "updated_parsed", "created_parsed"):
        value = raw.get(key)
        if value:
            try:
                return float(calendar.timegm(value))
            except (TypeError, ValueError, OverflowError):
                continue
    return None
