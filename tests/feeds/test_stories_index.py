"""The story word index: which items a new item is compared with, and what is read for it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.archive import Archive, stories
from feeds.archive.story_index import COMMON_TERM_ITEMS, DayWords, StoryIndex
from feeds.models import Item
from feeds.stories import Fingerprint, fingerprint, index_terms, stored_index_terms

DAY = 20_000  # a day number: items published at noon of it see the two days either side
WORDS = ["центр", "караганд", "ресурсн", "тариф", "минздрав"]


def _item(item_id: int, day: int) -> Item:
    return Item(source_id=1, guid=f"g{item_id}", url="", canonical_url="", title="", text="",
                language="ru", published_at=day * 86_400 + 43_200, fetched_at=0.0,
                content_hash="", id=item_id)


def _spec(postings: list[tuple[int, str, int]], item: Item, terms: list[str],
          common_above: int, most: int) -> list[int]:
    """What an item is compared with, said plainly: count the items before it per shared
    (day, word) of its window, leaving out a (day, word) with more than `common_above`
    items; the `most` with the highest counts, ties to the newest."""
    counts: dict[int, int] = {}
    keys = [(day, term) for day in stories._window_days(item.published_at) for term in terms]
    for key in keys:
        found = [other for day, term, other in postings if (day, term) == key]
        if len(found) <= common_above:
            for other in found:
                counts[other] = counts.get(other, 0) + 1
    return sorted(counts, key=lambda other: (-counts[other], -other))[:most]


_BATCH = st.lists(
    st.tuples(st.integers(DAY - 3, DAY + 3), st.sets(st.sampled_from(WORDS), max_size=4)),
    min_size=1, max_size=12,
)


@settings(max_examples=200, deadline=None)
@given(archive=_BATCH, batch=_BATCH)
def test_a_batch_ranks_as_one_item_at_a_time(archive: list[tuple[int, set[str]]],
                                              batch: list[tuple[int, set[str]]]) -> None:
    """The archive's postings (the first items) and the batch's earlier items count alike,
    and a word becomes common on a day by either."""
    postings = [(day, term, number) for number, (day, terms) in enumerate(archive)
                for term in sorted(terms)]
    items = [_item(len(archive) + n, day) for n, (day, _) in enumerate(batch)]
    terms = [sorted(words) for _, words in batch]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(stories, "COMMON_TERM_ITEMS", 3)
        patch.setattr(stories, "CANDIDATES_PER_ITEM", 4)
        read: DayWords = {}  # as the index holds them: at most COMMON_TERM_ITEMS + 1
        for day, term, number in postings:
            found = read.setdefault(day, {}).setdefault(term, [])
            if len(found) <= 3:
                found.append(number)
        ranked = stories._rank(items, terms, read)
    expected = []
    for item, item_terms in zip(items, terms, strict=True):
        expected.append(_spec(postings, item, item_terms, common_above=3, most=4))
        assert item.id is not None
        postings += [(int(item.published_at // 86_400), term, item.id) for term in item_terms]
    assert ranked == expected


async def _store_fingerprints(archive: Archive, fingerprints: list[tuple[int, str, str]],
                              first_id: int = 1) -> None:
    """Items with fingerprints as the store leaves them: one per (day, headline stems, lead
    stems), published at noon of its day, all in one story, ids in the order given."""
    async with archive.db.transaction() as conn:
        await conn.execute("INSERT INTO sources(id, url, added_at) VALUES (1, 'https://e.kz', 0)")
        await conn.execute("INSERT INTO stories(id, representative_id, first_published_at,"
                           " last_published_at) VALUES (1, 1, 0, 0)")
        for number, (day, title, lead) in enumerate(fingerprints, start=first_id):
            published = day * 86_400 + 43_200
            await conn.execute(
                "INSERT INTO items(id, source_id, guid, published_at, fetched_at, content_hash,"
                " story_id) VALUES (?, 1, ?, ?, 0, '', 1)", (number, f"g{number}", published))
            await conn.execute(
                "INSERT INTO story_fingerprints(item_id, story_id, source_id, published_at,"
                " title, lead) VALUES (?, 1, 1, ?, ?, ?)", (number, published, title, lead))


@pytest.mark.parametrize(("indexed", "common"), [(0, False), (1, False), (32, False),
                                                  (33, True), (500, True)])
async def test_reading_a_word_stops_when_it_is_common(archive: Archive, indexed: int,
                                                      common: bool) -> None:
    """A (day, word) is read with at most COMMON_TERM_ITEMS + 1 of its items: more than
    COMMON_TERM_ITEMS marks it common; fewer are all of them."""
    assert COMMON_TERM_ITEMS == 32
    await _store_fingerprints(archive,
                              [(DAY, "центр", "")] * indexed + [(DAY + 1, "центр", "")])
    async with archive.db.transaction() as conn:
        read = await StoryIndex().days(conn, {DAY, DAY + 2})
    assert read[DAY + 2] == {}
    found = read[DAY].get("центр", [])
    assert found == list(range(1, min(indexed, COMMON_TERM_ITEMS + 1) + 1))
    assert (len(found) > COMMON_TERM_ITEMS) is common


async def test_a_day_is_made_from_the_fingerprints_as_the_store_indexed_them(
        archive: Archive) -> None:
    """The words a day's index is made of are the items' `index_terms`: generic words and
    figures left out, the headline's first, then the lead's longest."""
    fp = fingerprint("Ресурсный центр Караганды открыл 2025 год",
                     "Министерство здравоохранения и тарифы обсуждали в центре.", "ru")
    await _store_fingerprints(archive, [(DAY, *fp.encode())], first_id=7)
    async with archive.db.transaction() as conn:
        read = await StoryIndex().days(conn, {DAY})
    assert index_terms(fp)
    assert read[DAY] == {word: [7] for word in index_terms(fp)}


@given(title=st.lists(st.sampled_from([*WORDS, "2025", "президент", "суд"]), max_size=8),
       lead=st.lists(st.sampled_from([*WORDS, "12", "министерств", "областн"]), max_size=12))
def test_stored_index_terms_are_the_fingerprints(title: list[str], lead: list[str]) -> None:
    """`stored_index_terms` of an encoded fingerprint: `index_terms` of the fingerprint."""
    fp = Fingerprint(title=frozenset(title), words=frozenset(title) | frozenset(lead))
    assert stored_index_terms(*fp.encode()) == index_terms(fp)
