"""The query builder and the archive search: word forms, Kazakh prefixes, hostile input."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.archive import Archive, connect_archive
from feeds.archive.items import insert_new_items
from feeds.models import Item
from feeds.search import MARK_END, MARK_START, build_match, marked_to_html
from feeds.textnorm import stem_text
from tests.feeds.old_archive import archive_before

HOSTILE = ['"', "*", "AND(", "NEAR", "NEAR(a b)", "-x", "{title}", "", "   ", "x" * 5000,
           "title:закон", "a OR", "NOT", "(", ")", "^", "\x00", "\u200b\u202e", "'; DROP TABLE items;--",
           "<b>НКО</b>", "\ud800", "😀 НКО"]


def _item(source_id: int, n: int, title: str, text: str, lang: str) -> Item:
    now = time.time()
    return Item(source_id=source_id, guid=f"g{n}", url=f"https://example.kz/{n}",
                canonical_url=f"https://example.kz/{n}", title=title, text=text, language=lang,
                published_at=now - n, fetched_at=now, content_hash=f"h{n}")


@pytest.fixture
async def filled(archive: Archive) -> Archive:
    source, _ = await archive.sources.add("https://example.kz/rss", title="Example")
    items = [
        _item(source.id, 1, "Совет по взаимодействию с НПО",
              "Заседание некоммерческих организаций прошло в Астане.", "ru"),
        _item(source.id, 2, "Үкіметтік емес ұйымдардың форумы",
              "Азаматтық қоғам өкілдері жиналды.", "kk"),
        _item(source.id, 3, "Civil society organizations meet",
              "Non-governmental organizations discussed the state social order.", "en"),
    ]
    async with archive.db.transaction() as conn:
        await insert_new_items(conn, items, [(stem_text(i.title, i.language),
                                              stem_text(i.text, i.language)) for i in items])
    return archive


@pytest.mark.parametrize(
    ("query", "expected_title"),
    [
        ("организации", "Совет по взаимодействию с НПО"),
        ("некоммерческая организация", "Совет по взаимодействию с НПО"),
        ("ұйымдар", "Үкіметтік емес ұйымдардың форумы"),
        ("азаматтық", "Үкіметтік емес ұйымдардың форумы"),
        ("organization", "Civil society organizations meet"),
        ("НПО", "Совет по взаимодействию с НПО"),
    ],
)
async def test_search_finds_word_forms(filled: Archive, query: str, expected_title: str) -> None:
    hits = await filled.search.search(query)
    assert [h.title for h in hits][:1] == [expected_title]


async def test_snippet_marks_the_matched_word_form(filled: Archive) -> None:
    [hit] = await filled.search.search("организация")
    assert f"{MARK_START}организаций{MARK_END}" in hit.snippet_marked


@pytest.mark.parametrize("query", HOSTILE)
async def test_hostile_queries_answer_without_error(filled: Archive, query: str) -> None:
    hits = await filled.search.search(query)
    assert isinstance(hits, list)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_build_match_never_raises(query: str) -> None:
    match = build_match(query)
    assert match is None or match.count('"') % 2 == 0


def test_marked_snippet_is_escaped_before_highlighting() -> None:
    marked = f"a <script> & {MARK_START}НКО{MARK_END}"
    assert marked_to_html(marked) == "a &lt;script&gt; &amp; <b>НКО</b>"


@pytest.mark.parametrize("first_missing", [11, 14, 15])
async def test_an_archive_from_before_an_index_change_keeps_finding_its_items(
    tmp_path: Path, first_missing: int
) -> None:
    # An archive written by an earlier version (the first index before 0011; prefix indexes
    # of three and four letters before 0014, of three before 0015), then opened by this
    # version: the migration rebuilds the index from the items already stored.
    path = tmp_path / "archive.db"
    async with archive_before(path, first_missing) as old:
        source, _ = await old.sources.add("https://example.kz/rss")
        items = [_item(source.id, 1, "Совет по взаимодействию с НПО",
                       "Заседание некоммерческих организаций прошло в Астане.", "ru"),
                 _item(source.id, 2, "Үкіметтік емес ұйымдардың форумы",
                       "Азаматтық қоғам өкілдері жиналды.", "kk")]
        async with old.db.transaction() as conn:
            await insert_new_items(conn, items, [(stem_text(i.title, i.language),
                                                  stem_text(i.text, i.language)) for i in items])
    archive = await connect_archive(path)
    try:
        rows = await archive.db.reader.execute("SELECT name FROM pragma_table_info('items_fts')")
        assert [row[0] for row in await rows.fetchall()] == ["title_stems", "text_stems"]
        rows = await archive.db.reader.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'items_fts'")
        assert "prefix" not in (await rows.fetchall())[0][0]
        assert [h.title for h in await archive.search.search("организация")] == [
            "Совет по взаимодействию с НПО"]
        # A Kazakh query («ұйым», the stored stem of «ұйымдардың») after the rebuild.
        assert [h.title for h in await archive.search.search("ұйым")] == [
            "Үкіметтік емес ұйымдардың форумы"]
        # Kazakh words typed in part: stem prefixes of three and four letters («қоға» and
        # «үкімет» are stored), read from the main index's term range.
        for partial in ("қоғ", "үкім"):
            assert [h.title for h in await archive.search.search(partial)] == [
                "Үкіметтік емес ұйымдардың форумы"], partial
    finally:
        await archive.close()
