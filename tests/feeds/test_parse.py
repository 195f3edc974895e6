"""Parsing fixture feeds of every format and every kind of damage."""

from __future__ import annotations

import calendar
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.dates import parse_local_date
from feeds.models import ParsedFeed
from feeds.parse import looks_like_html_page, parse_feed
from tests.conftest import TEST_DATA

FEEDS = TEST_DATA / "feeds"
RSS = "application/rss+xml"


def parse(name: str, content_type: str = RSS) -> ParsedFeed:
    return parse_feed((FEEDS / name).read_bytes(), url=f"https://example.kz/{name}",
                      content_type=content_type)


@pytest.mark.parametrize(
    ("name", "title", "count", "first_title"),
    [
        ("rss2.xml", "Степной вестник", 3,
         "Общественный совет обсудил закон о некоммерческих организациях"),
        ("rss1.xml", "Civic Steppe", 2, "Parliament hears NGOs on the draft law on public councils"),
        ("atom.xml", "Дала жаңалықтары", 2, "Азаматтық қоғам форумы Астанада өтті"),
        ("cp1251.xml", "Вестник в windows-1251", 3,
         "Общественный совет обсудил закон о некоммерческих организациях"),
    ],
)
def test_formats_parse_with_titles_intact(
    name: str, title: str, count: int, first_title: str
) -> None:
    parsed = parse(name)
    assert (parsed.error, parsed.warning) == (None, None)
    assert parsed.title == title
    assert len(parsed.entries) == count
    assert parsed.entries[0].title == first_title
    assert all(entry.guid for entry in parsed.entries)


def test_rss2_entry_fields() -> None:
    first, second, _ = parse("rss2.xml").entries
    assert first.guid == "vestnik-1001"
    assert first.link.startswith("https://vestnik.example.kz/news/1001?utm_source=rss")
    assert "<p>" in first.content_html
    assert first.published_at == calendar.timegm((2025, 9, 1, 5, 30, 0))
    assert "<script>" in second.content_html  # markup is clean's job, not the parser's


RELATIVE = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>T</title><link>{site}</link>
<item><title>One</title><link>/news/1</link><guid>/news/1</guid></item>
<item><title>Two</title><guid>news/2</guid></item>
<item><title>Three</title><link>https://other.example.kz/3</link></item>
</channel></rss>"""


@pytest.mark.parametrize(("site", "site_url"), [
    ("/", "https://example.kz/"),
    ("https://vestnik.example.kz/", "https://vestnik.example.kz/"),
    ("javascript:alert(1)", ""),
])
def test_relative_links_are_joined_with_the_feeds_address(site: str, site_url: str) -> None:
    parsed = parse_feed(RELATIVE.format(site=site).encode(), url="https://example.kz/rss/all.xml",
                        content_type=RSS)
    assert parsed.site_url == site_url
    assert [(e.link, e.guid) for e in parsed.entries] == [
        ("https://example.kz/news/1", "/news/1"),
        ("https://example.kz/rss/news/2", "news/2"),  # a permalink guid is the link
        ("https://other.example.kz/3", "https://other.example.kz/3"),
    ]


def test_atom_falls_back_to_updated_and_resolves_nothing_itself() -> None:
    first, second = parse("atom.xml").entries
    assert first.published_at == calendar.timegm((2025, 9, 2, 5, 0, 0))  # only <updated>
    assert second.published_at == calendar.timegm((2025, 9, 1, 7, 0, 0))  # <published> wins


def test_local_date_formats_are_read() -> None:
    stamps = [entry.published_at for entry in parse("ru-dates.xml").entries]
    assert stamps == [
        calendar.timegm((2025, 9, 1, 5, 30, 0)),
        calendar.timegm((2025, 9, 2, 9, 0, 0)),
        calendar.timegm((2025, 9, 2, 19, 0, 0)),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("01.09.2025 10:30", (2025, 9, 1, 5, 30)),
        ("1 сентября 2025", (2025, 8, 31, 19, 0)),
        ("Пн, 01 сен 2025 10:30:00 +0500", (2025, 9, 1, 5, 30)),
        ("12 мая 2025, 09:15", (2025, 5, 12, 4, 15)),
        ("5 қыркүйек 2025 ж. 14:00", (2025, 9, 5, 9, 0)),
        ("3 марта 2025 10:00 MSK", (2025, 3, 3, 7, 0)),
        ("31.02.2025", None),
        ("1 foo 2025", None),
        ("Mon, 01 Sep 2025 10:30:00 GMT", None),  # feedparser's own format: not ours
        ("", None),
    ],
)
def test_parse_local_date(text: str, expected: tuple[int, ...] | None) -> None:
    parsed = parse_local_date(text)
    assert (tuple(parsed[:5]) if parsed else None) == expected


@pytest.mark.parametrize(
    ("name", "content_type", "error"),
    [
        ("broken.xml", RSS, "broken feed: "),
        ("html-page.html", "text/html; charset=utf-8",
         "not a feed: the address gives a web page (HTML)"),
        ("html-page.html", RSS, "not a feed: the address gives a web page (HTML)"),
    ],
)
def test_unreadable_bodies_are_errors(name: str, content_type: str, error: str) -> None:
    parsed = parse(name, content_type)
    assert parsed.error is not None and parsed.error.startswith(error)
    assert parsed.entries == []


@pytest.mark.parametrize(
    ("body", "error"),
    [
        (b"", "empty response: the server sent no content"),
        (b"  \n ", "empty response: the server sent no content"),
        (b"just some text", "not a feed: no RSS or Atom found in the response"),
        (b'{"items": []}', "not a feed: no RSS or Atom found in the response"),
    ],
)
def test_bodies_that_are_not_feeds(body: bytes, error: str) -> None:
    assert parse_feed(body, url="https://example.kz/", content_type="").error == error


def test_empty_feed_is_a_warning_not_an_error() -> None:
    parsed = parse("empty.xml")
    assert parsed.error is None
    assert parsed.warning == "the feed has no entries"
    assert parsed.title == "Пустая лента"


def test_wrong_charset_is_read_as_windows_1251_with_a_warning() -> None:
    parsed = parse("wrong-charset.xml", "application/rss+xml; charset=utf-8")
    assert parsed.error is None
    assert parsed.warning is not None and "windows-1251" in parsed.warning
    assert parsed.title == "Неверная кодировка"
    assert parsed.entries[2].title == "В Алматы открылся новый каток"


def test_malformed_feed_with_entries_is_a_warning() -> None:
    body = (FEEDS / "rss2.xml").read_bytes().replace(b"</channel>", b"<oops></channel>")
    parsed = parse_feed(body, url="https://example.kz/", content_type=RSS)
    assert parsed.error is None and parsed.warning is not None
    assert parsed.warning.startswith("read despite errors (3 entries)")
    assert len(parsed.entries) == 3


def test_entries_without_guid_get_a_stable_one() -> None:
    first = parse("no-link-title.xml").entries
    again = parse("no-link-title.xml").entries
    assert [entry.guid for entry in first] == [entry.guid for entry in again]
    assert first[0].guid.startswith("sha256:")
    assert first[2].guid == "https://partial.example.kz/only-link"
    assert len({entry.guid for entry in first}) == len(first)


def test_html_sniffing() -> None:
    assert looks_like_html_page(b"<!DOCTYPE html><html><head></head></html>")
    assert looks_like_html_page(b"\xef\xbb\xbf  <html lang='ru'>")
    assert looks_like_html_page(b"whatever", "text/html; charset=utf-8")
    assert not looks_like_html_page(b"<?xml version='1.0'?><rss version='2.0'>", "text/html")
    assert not looks_like_html_page(b"<?xml version='1.0'?><feed xmlns='x'>")


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=600))
def test_any_bytes_give_a_verdict_not_an_exception(body: bytes) -> None:
    parsed = parse_feed(body, url="https://example.kz/", content_type=RSS)
    assert parsed.error is not None or parsed.entries or parsed.warning


# feedparser repairs UTF-8 that was decoded as Latin-1 and encoded again ("Ã©" -> "é"), so a
# title that is all Latin-1 supplement letters may be "repaired"; such titles are left out.
TITLE_TEXT = st.text(alphabet=st.characters(exclude_characters=[chr(c) for c in range(0x80, 0x100)]),
                     max_size=80)


@settings(max_examples=60, deadline=None)
@given(st.lists(TITLE_TEXT, max_size=5))
def test_generated_feeds_keep_their_titles(titles: list[str]) -> None:
    from tests.fakes.feed_server import FeedEntry, rss_document

    clean_titles = ["T" + "".join(ch for ch in t if ch.isprintable()).strip() for t in titles]
    entries = [FeedEntry(title=t, text="x", guid=f"g{n}") for n, t in enumerate(clean_titles)]
    parsed = parse_feed(rss_document("Feed", entries), url="https://example.kz/",
                        content_type=RSS)
    assert [entry.title for entry in parsed.entries] == [t.strip() for t in clean_titles]


def test_gmt_struct_time_round_trip() -> None:
    assert time.gmtime(calendar.timegm((2025, 1, 1, 0, 0, 0)))[:3] == (2025, 1, 1)
