"""Rendering search hits and items: always valid Telegram HTML, escaped, within the limits."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.search_view import (
    MESSAGE_LIMIT,
    Reader,
    format_when,
    join_blocks,
    linked_title,
    render_hit,
    render_share,
    shorten,
    shorten_marked,
)
from feeds.models import SearchHit
from feeds.search import MARK_END, MARK_START
from tests.fakes.telegram_html import parse_html

ALMATY = Reader("ru", "Asia/Almaty")
NOON_UTC = 1_795_000_000.0  # a fixed moment


def hit(title: str = "НКО", url: str = "https://ngo.kz/a", snippet: str = "", source: str = "Src"):
    return SearchHit(
        item_id=1,
        story_id=None,
        title=title,
        url=url,
        source_title=source,
        published_at=NOON_UTC,
        language="ru",
        summary=None,
        title_marked=title,
        snippet_marked=snippet,
        rank=-1.0,
    )


def test_hit_has_bold_link_source_date_and_highlighted_snippet() -> None:
    text = render_hit(hit(snippet=f"о {MARK_START}НКО{MARK_END} <b>"), 1, ALMATY)
    plain, entities = parse_html(text)
    assert plain.startswith("1. НКО\nSrc · ")
    assert "о НКО <b>" in plain
    kinds = {e["type"] for e in entities}
    assert {"bold", "text_link", "italic"} <= kinds
    assert any(e.get("url") == "https://ngo.kz/a" for e in entities)


@pytest.mark.parametrize(
    ("url", "linked"),
    [
        ('https://x.kz/?a=1&b="2"', True),
        ("javascript:alert(1)", False),
        ("", False),
        ("ftp://x.kz/f", False),
        ("http://[oops/x", False),
    ],
)
def test_only_web_urls_become_links_and_are_escaped(url: str, linked: bool) -> None:
    text = linked_title("<script>", url)
    plain, entities = parse_html(text)
    assert plain == "<script>" or (not plain.strip() and not url) or plain == url
    assert any(e["type"] == "text_link" for e in entities) is linked
    if linked:
        assert html.escape(url, quote=True) in text


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "нояб"), ("kk", "қар"), ("en", "Nov")],
)
def test_dates_follow_the_reader_language_and_zone(language: str, expected: str) -> None:
    when = format_when(1_795_000_000.0, Reader(language, "Asia/Almaty"))
    assert expected in when.lower() or expected in when


def test_unknown_zone_falls_back_to_utc() -> None:
    assert format_when(0.0, Reader("en", "Mars/Base")) == "1 Jan 1970, 12:00\u202fAM"


def test_shorten_marked_closes_a_cut_marker() -> None:
    text = shorten_marked("a " * 10 + MARK_START + "слово" * 50 + MARK_END, 40)
    assert text.count(MARK_START) == text.count(MARK_END)
    assert len(shorten("x" * 100, 10)) == 10


def test_join_blocks_stops_before_the_limit() -> None:
    blocks = ["x" * 1000] * 10
    text = join_blocks("head", blocks)
    assert len(text) <= MESSAGE_LIMIT
    assert text.count("x" * 1000) == 4


printable = st.text(
    alphabet=st.one_of(st.characters(blacklist_categories=["Cs"]), st.sampled_from('\x02\x03<&>"')),
    max_size=700,
)


@settings(max_examples=150, deadline=None)
@given(title=printable, snippet=printable, source=printable, url=printable)
def test_any_hit_renders_valid_html_under_the_limit(
    title: str, snippet: str, source: str, url: str
) -> None:
    rendered = render_hit(hit(title, url, snippet, source), 5, ALMATY)
    parse_html(rendered)
    parse_html(render_share(hit(title, url, snippet, source), ALMATY))
    assert len(join_blocks("h", [rendered] * 5)) <= MESSAGE_LIMIT
