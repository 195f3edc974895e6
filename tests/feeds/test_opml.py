"""OPML import and export: round trip, nesting, hostile documents."""

from __future__ import annotations

import pytest

from feeds.models import Source
from feeds.opml import MAX_OPML_BYTES, OpmlError, build_opml, parse_opml
from feeds.sources_file import load_default_sources

NESTED = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>x</title></head><body>
  <outline text="Kazakhstan">
    <outline type="rss" text="One" xmlUrl="https://one.kz/rss" htmlUrl="https://one.kz"/>
    <outline text="Deeper"><outline type="rss" text="Two" xmlUrl="http://two.kz/feed"/></outline>
  </outline>
  <outline type="rss" text="Again" xmlUrl="https://one.kz/rss"/>
  <outline type="rss" text="Bad" xmlUrl="file:///etc/passwd"/>
  <outline type="rss" text="Bad2" xmlUrl="javascript:alert(1)"/>
</body></opml>"""

BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<opml version="2.0"><body><outline text="&lol2;" xmlUrl="https://x.kz/rss"/></body></opml>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://x.kz/rss"/></body></opml>"""


def test_nested_outlines_are_read_once_each_and_bad_urls_reported() -> None:
    document = parse_opml(NESTED)
    assert [f.url for f in document.feeds] == ["https://one.kz/rss", "http://two.kz/feed"]
    assert document.feeds[0].site_url == "https://one.kz"
    assert document.invalid == ["file:///etc/passwd", "javascript:alert(1)"]


def test_export_then_import_keeps_every_feed() -> None:
    sources = [
        Source(id=i, url=d.url, title=d.title, site_url=d.site_url, language=d.language)
        for i, d in enumerate(load_default_sources(), 1)
    ]
    document = parse_opml(build_opml(sources))
    assert [(f.url, f.title, f.language) for f in document.feeds] == [
        (s.url, s.title, s.language) for s in sources
    ]


def test_titles_with_markup_survive_the_round_trip() -> None:
    source = Source(id=1, url="https://x.kz/rss?a=1&b=2", title='<b>"НКО" & Co</b>')
    [feed] = parse_opml(build_opml([source])).feeds
    assert (feed.url, feed.title) == (source.url, source.title)


@pytest.mark.parametrize(
    "data",
    [BILLION_LAUGHS, EXTERNAL_ENTITY, b"", b"not xml at all", b"<rss/>", b"<opml><body>",
     b"\xff\xfe\x00<", b"<?xml version='1.0'?><opml><body><outline xmlUrl='x'/>"],
)
def test_hostile_or_broken_documents_raise_a_plain_error(data: bytes) -> None:
    with pytest.raises(OpmlError):
        parse_opml(data)


def test_oversized_documents_are_refused_before_parsing() -> None:
    with pytest.raises(OpmlError, match="larger than"):
        parse_opml(b" " * (MAX_OPML_BYTES + 1))


def test_bundled_sources_cover_three_languages_with_notes() -> None:
    sources = load_default_sources()
    assert {s.language for s in sources} == {"ru", "kk", "en"}
    assert all(s.url.startswith("https://") and s.confirmed for s in sources)
    assert len({s.url for s in sources}) == len(sources)
