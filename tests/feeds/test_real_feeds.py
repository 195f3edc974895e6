"""Every real feed in ../shared/data/feeds parses with all its items and titles intact.

The expected items and titles are read independently of feedparser, with the standard XML
parser (through defusedxml), so the test compares two readings of the same file.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from defusedxml import ElementTree

from feeds.clean import clean_entries, html_to_text, is_home_page
from feeds.models import Source
from feeds.parse import parse_feed

REAL_FEEDS = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "feeds"
FILES = sorted(REAL_FEEDS.glob("*.xml")) if REAL_FEEDS.is_dir() else []


def _plain(text: str) -> str:
    return " ".join(html_to_text(text).split())


def _xml_titles(body: bytes) -> list[str]:
    root = ElementTree.fromstring(body)
    items = [element for element in root.iter() if element.tag.split("}")[-1] == "item"]
    titles = []
    for item in items:
        title = next((child.text or "" for child in item
                      if child.tag.split("}")[-1] == "title"), "")
        titles.append(title)
    return titles


@pytest.mark.parametrize("path", FILES, ids=[path.name[:60] for path in FILES])
def test_real_feed_parses_whole(path: Path, shared_data: Path) -> None:
    body = path.read_bytes()
    parsed = parse_feed(body, url="https://example.org/rss", content_type="application/rss+xml")
    assert parsed.error is None, parsed.error
    expected = _xml_titles(body)
    assert len(parsed.entries) == len(expected) > 0
    assert [_plain(entry.title) for entry in parsed.entries] == [_plain(t) for t in expected]

    source = Source(id=1, url="https://example.org/rss")
    items = clean_entries(parsed, source, time.time())
    assert items, "every real feed yields items"
    assert all(item.title and item.language in ("ru", "kk", "en") for item in items)
    # Only true repeats (an earlier entry's guid or article URL) may be dropped.
    seen: set[str] = set()
    repeats = 0
    for entry in parsed.entries:
        keys = {entry.guid} | ({entry.link} if not is_home_page(entry.link) else set())
        repeats += bool(keys & seen)
        seen |= keys
    assert len(items) == len(parsed.entries) - repeats


def test_real_feeds_are_present_when_shared_data_is(shared_data: Path) -> None:
    assert FILES, f"no feeds found in {REAL_FEEDS}"
