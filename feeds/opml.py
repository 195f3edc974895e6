"""OPML 2.0 import and export of feed lists.

Uploaded OPML is untrusted: it is parsed with defusedxml (no entity expansion, no external
entities or DTDs) after a size check, and every outline URL is checked to be http(s).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import formatdate
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, SubElement, tostring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import ParseError, fromstring

from feeds.models import Source

MAX_OPML_BYTES = 1_000_000


class OpmlError(ValueError):
    """The document is not usable OPML; the message says why in plain words."""


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    url: str
    title: str = ""
    site_url: str = ""
    language: str = ""


@dataclass(slots=True)
class OpmlImport:
    """What an uploaded OPML document holds: usable feeds and the outlines that were not."""

    feeds: list[OpmlFeed]
    invalid: list[str]


def _is_web_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


def parse_opml(data: bytes) -> OpmlImport:
    """The feeds listed in an OPML document (nested outlines included), without duplicates."""
    if len(data) > MAX_OPML_BYTES:
        raise OpmlError(f"the file is larger than {MAX_OPML_BYTES // 1000} KB")
    try:
        root = fromstring(data, forbid_dtd=True)
    except (ParseError, DefusedXmlException) as exc:
        raise OpmlError(f"not a valid OPML document ({type(exc).__name__})") from exc
    except ValueError as exc:
        raise OpmlError("not a valid OPML document") from exc
    if root.tag != "opml":
        raise OpmlError("not an OPML document (the root element is not <opml>)")
    feeds: list[OpmlFeed] = []
    invalid: list[str] = []
    seen: set[str] = set()
    for outline in root.iter("outline"):
        url = (outline.get("xmlUrl") or outline.get("xmlurl") or "").strip()
        if not url:
            continue  # a folder, not a feed
        if not _is_web_url(url):
            invalid.append(url[:200])
            continue
        if url in seen:
            continue
        seen.add(url)
        feeds.append(
            OpmlFeed(
                url=url,
                title=(outline.get("title") or outline.get("text") or "").strip()[:300],
                site_url=(outline.get("htmlUrl") or "").strip()[:500],
                language=(outline.get("language") or "").strip()[:8],
            )
        )
    return OpmlImport(feeds=feeds, invalid=invalid)


def build_opml(sources: Iterable[Source], title: str = "civic-digest feeds") -> bytes:
    """An OPML 2.0 document listing the given feeds."""
    opml = Element("opml", version="2.0")
    head = SubElement(opml, "head")
    SubElement(head, "title").text = title
    SubElement(head, "dateCreated").text = formatdate(time.time(), usegmt=True)
    body = SubElement(opml, "body")
    for source in sources:
        attributes = {"type": "rss", "text": source.title or source.url, "xmlUrl": source.url}
        if source.title:
            attributes["title"] = source.title
        if source.site_url:
            attributes["htmlUrl"] = source.site_url
        if source.language:
            attributes["language"] = source.language
        SubElement(body, "outline", attributes)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + tostring(opml, encoding="utf-8")
