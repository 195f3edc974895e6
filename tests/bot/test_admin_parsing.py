"""What admins type, read strictly: feed URLs, feed ids, filter-term changes, fetch errors."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.handlers.admin.common import parse_feed_id
from bot.handlers.admin.feeds import normalise_url, reason_words
from bot.handlers.admin.keywords import parse_change, parse_topic, term_digest
from feeds.classify import FilterTerm


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://ngo.kz/rss", "https://ngo.kz/rss"),
        ("  <http://ngo.kz/feed>  ", "http://ngo.kz/feed"),
        ("ngo.kz/news", "https://ngo.kz/news"),
        ("localhost:8080/rss", "https://localhost:8080/rss"),
        ("javascript:alert(1)", None),
        ("mailto:a@b.kz", None),
        ("ftp://ngo.kz/rss", None),
        ("file:///etc/passwd", None),
        ("http://ngo.kz:99999/", None),
        ("https://", None),
        ("two words", None),
        ("", None),
        ("x" * 3000, None),
    ],
)
def test_normalise_url(text: str, expected: str | None) -> None:
    assert normalise_url(text) == expected


@given(st.text(max_size=300))
def test_normalise_url_gives_a_web_address_or_nothing(text: str) -> None:
    url = normalise_url(text)
    assert url is None or url.lower().startswith(("http://", "https://"))


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("7", 7),
        ("#7", 7),
        (" 12 ", 12),
        ("seven", None),
        ("", None),
        (None, None),
        ("-1", None),
        ("1" * 20, None),
        ("٣", None),
    ],
)
def test_parse_feed_id(args: str | None, expected: int | None) -> None:
    assert parse_feed_id(args) == expected


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        ("add 1 грант", ("add", "ngo_civil_society", "грант")),
        ("ADD 6   Закон  о  НКО ", ("add", "legislation_public_policy", "закон о нко")),
        ("exclude human_rights лотерея", ("exclude", "human_rights", "лотерея")),
        ("remove 3 x", ("remove", "social_order_grants", "x")),
        ("add 7 x", None),
        ("add 0 x", None),
        ("drop 1 x", None),
        ("add 1", None),
        ("add 1 " + "я" * 61, None),
    ],
)
def test_parse_change(args: str, expected: tuple[str, str, str] | None) -> None:
    assert parse_change(args) == expected


def test_topics_by_number_or_id_and_digests_differ_by_kind() -> None:
    assert parse_topic("4") == parse_topic("charity_volunteering") == "charity_volunteering"
    include = term_digest(FilterTerm("human_rights", "include", "суд"))
    exclude = term_digest(FilterTerm("human_rights", "exclude", "суд"))
    assert include != exclude and len(include) == 10


@pytest.mark.parametrize(
    ("error", "words"),
    [
        ("not allowed: private address", "is not allowed"),
        ("timed out", "did not answer in time"),
        ("unreachable: connection refused", "cannot be reached"),
        ("too large: over 5 MB", "too large"),
        ("not a feed: no RSS or Atom found in the response", "does not give an RSS"),
        ("broken feed: mismatched tag", "is broken"),
        ("not found (404)", "nothing at this address (404)"),
        ("forbidden (403)", "refuses access (403)"),
        ("server error (500)", "answered with an error (500)"),
        ("redirect loop", "redirects"),
        ("something <new>", "something &lt;new&gt;"),
    ],
)
def test_fetch_errors_in_plain_words_with_the_detail_escaped(error: str, words: str) -> None:
    text = reason_words(error)
    assert words in text
    assert "<new>" not in text
