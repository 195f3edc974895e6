"""Stories: one event from several outlets merges, different events with similar words do not."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from feeds.archive import Archive, connect_archive, stories
from feeds.archive.items import insert_new_items
from feeds.archive.stories import COMMON_TERM_ITEMS, assign_stories
from feeds.archive.story_index import DayWords, StoryIndex
from feeds.models import Item, Verdict
from feeds.stories import STORY_WINDOW_SECONDS, fingerprint, same_story
from feeds.textnorm import stem_text
from tests.feeds.old_archive import archive_before

# Written for these tests: one event told by two outlets, and look-alike other events.
CENTRE_A = (
    "В Караганде открылся ресурсный центр для НКО",
    "В Караганде в среду открыли областной ресурсный центр для некоммерческих организаций. "
    "Центр будет бесплатно консультировать активистов по вопросам грантов и отчётности, "
    "сообщили в управлении внутренней политики.",
)
CENTRE_B = (
    "Ресурсный центр для некоммерческих организаций заработал в Караганде",
    "КАРАГАНДА. KAZINFORM – Областной ресурсный центр для НКО начал работу в Караганде. "
    "Специалисты центра будут консультировать общественников по грантам и отчётности бесплатно.",
)
ENERGY_COUNCIL = (
    "Общественный совет Минэнерго обсудил тарифы на электроэнергию",
    "В Астане состоялось заседание общественного совета Министерства энергетики. Члены совета "
    "обсудили повышение тарифов на электроэнергию для населения и работу ТЭЦ зимой.",
)
ENERGY_COUNCIL_OTHER_OUTLET = (
    "Тарифы на электричество обсудили в общественном совете Минэнерго",
    "Заседание общественного совета при Министерстве энергетики прошло в Астане. На нем "
    "рассматривали рост тарифов на электроэнергию для населения и подготовку ТЭЦ к зиме.",
)
HEALTH_COUNCIL = (
    "Общественный совет Минздрава обсудил лекарственное обеспечение",
    "В Астане прошло заседание общественного совета Министерства здравоохранения. Члены совета "
    "обсудили бесплатное лекарственное обеспечение и очереди в поликлиниках.",
)
KK_A = (
    "Павлодарда үкіметтік емес ұйымдарға арналған ресурстық орталық ашылды",
    "Павлодар облысында үкіметтік емес ұйымдарға тегін кеңес беретін ресурстық орталық ашылды. "
    "Орталық белсенділерге грант пен есеп беру мәселелері бойынша көмектеседі.",
)
KK_B = (
    "Павлодарда ҮЕҰ-ға арналған ресурстық орталық жұмысын бастады",
    "ПАВЛОДАР. KAZINFORM – Павлодарда ресурстық орталық жұмысын бастады. Орталық үкіметтік емес "
    "ұйымдарға грант пен есеп беру бойынша тегін кеңес береді.",
)
EN_A = (
    "Shymkent opens a legal aid office for domestic violence survivors",
    "A free legal aid office for survivors of domestic violence opened in Shymkent on Tuesday. "
    "Lawyers of a local NGO will help women file protection orders and lawsuits.",
)
EN_B = (
    "Free legal aid for domestic violence survivors launched in Shymkent",
    "SHYMKENT – Survivors of domestic violence can now get free legal aid in Shymkent, where a "
    "local NGO opened an office with lawyers who help women file protection orders and lawsuits.",
)
COVID_MONDAY = ("За сутки выявлено 1984 случая коронавируса", "Данные оперативного штаба.")
COVID_TUESDAY = ("За сутки выявлено 1520 случаев коронавируса", "Данные оперативного штаба.")


@pytest.mark.parametrize(
    ("first", "second", "language", "merged"),
    [
        (CENTRE_A, CENTRE_B, "ru", True),
        (ENERGY_COUNCIL, ENERGY_COUNCIL_OTHER_OUTLET, "ru", True),
        (KK_A, KK_B, "kk", True),
        (EN_A, EN_B, "en", True),
        (ENERGY_COUNCIL, HEALTH_COUNCIL, "ru", False),
        (ENERGY_COUNCIL_OTHER_OUTLET, HEALTH_COUNCIL, "ru", False),
        (CENTRE_A, HEALTH_COUNCIL, "ru", False),
        (COVID_MONDAY, COVID_TUESDAY, "ru", False),
    ],
)
def test_same_story_decisions(first: tuple[str, str], second: tuple[str, str], language: str,
                              merged: bool) -> None:
    a, b = fingerprint(*first, language), fingerprint(*second, language)
    assert same_story(a, b) is merged
    assert same_story(b, a) is merged


def test_one_source_merges_only_near_copies() -> None:
    a, b = fingerprint(*ENERGY_COUNCIL, "ru"), fingerprint(*ENERGY_COUNCIL_OTHER_OUTLET, "ru")
    assert not same_story(a, b, same_source=True)
    assert same_story(a, fingerprint(*ENERGY_COUNCIL, "ru"), same_source=True)


def test_title_only_items_have_fingerprints() -> None:
    fp = fingerprint("Общественный совет Минэнерго обсудил тарифы", "", "ru")
    assert fp.words == fp.title and fp.title


class _Newsroom:
    """Stores items as a feed refresh does: insert, then assign stories, in one transaction."""

    def __init__(self, archive: Archive, index: StoryIndex | None = None) -> None:
        self.archive = archive
        self.index = index or archive.story_index  # as the pipeline passes it
        self.count = 0
        self.now = time.time()

    async def source(self, title: str) -> int:
        source, _ = await self.archive.sources.add(f"https://{title}.example.kz/rss", title=title)
        return source.id

    async def publish(self, source_id: int, story: tuple[str, str], *, hours_ago: float = 0.0,
                      relevant: bool = True, language: str = "ru") -> Item:
        [item] = await self.publish_many(source_id, [story], hours_ago=hours_ago,
                                         relevant=relevant, language=language)
        return item

    async def publish_many(self, source_id: int, stories: list[tuple[str, str]], *,
                           hours_ago: float = 0.0, relevant: bool = True,
                           language: str = "ru") -> list[Item]:
        """One refresh of one feed bringing `stories`."""
        items = []
        for title, text in stories:
            self.count += 1
            items.append(Item(
                source_id=source_id, guid=f"g{self.count}",
                url=f"https://n.example.kz/{self.count}",
                canonical_url=f"https://n.example.kz/{self.count}", title=title, text=text,
                language=language, published_at=self.now - hours_ago * 3600,
                fetched_at=self.now, content_hash=f"h{self.count}",
                verdict=Verdict(relevant=relevant, score=1.0 if relevant else 0.0),
            ))
        async with self.archive.db.transaction() as conn:
            stored = await insert_new_items(
                conn, items,
                [(stem_text(i.title, language), stem_text(i.text, language)) for i in items],
            )
            await assign_stories(conn, stored, index=self.index)
        assert all(item.story_id is not None for item in items)
        return items


async def test_two_outlets_one_story_in_the_archive(archive: Archive) -> None:
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    a = await room.publish(first_outlet, CENTRE_A, hours_ago=5)
    b = await room.publish(second_outlet, CENTRE_B, hours_ago=1)
    assert a.story_id == b.story_id
    assert a.story_id is not None
    story = await archive.stories.get(a.story_id)
    assert story is not None
    assert story.representative_id == a.id
    assert story.item_ids == [a.id, b.id]
    assert story.sources == ["first", "second"]
    assert story.first_published_at == a.published_at
    assert story.last_published_at == b.published_at
    assert await archive.stories.sources_of([a.story_id]) == {a.story_id: ["second"]}


async def test_similar_words_different_events_stay_apart(archive: Archive) -> None:
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    energy = await room.publish(first_outlet, ENERGY_COUNCIL, hours_ago=3)
    health = await room.publish(second_outlet, HEALTH_COUNCIL, hours_ago=2)
    assert energy.story_id != health.story_id
    assert energy.story_id is not None and health.story_id is not None
    assert await archive.stories.sources_of([energy.story_id, health.story_id]) == {
        energy.story_id: [], health.story_id: [],
    }


@pytest.mark.parametrize(("hours_apart", "merged"), [(47.5, True), (48.5, False), (53, False)])
async def test_the_window_is_48_hours(archive: Archive, hours_apart: float,
                                      merged: bool) -> None:
    assert STORY_WINDOW_SECONDS == 48 * 3600
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    old = await room.publish(first_outlet, CENTRE_A, hours_ago=hours_apart)
    new = await room.publish(second_outlet, CENTRE_B)
    assert (old.story_id == new.story_id) is merged


async def test_same_source_rewrites_stay_apart(archive: Archive) -> None:
    room = _Newsroom(archive)
    outlet = await room.source("first")
    a = await room.publish(outlet, ENERGY_COUNCIL, hours_ago=2)
    b = await room.publish(outlet, ENERGY_COUNCIL_OTHER_OUTLET)
    assert a.story_id != b.story_id


async def test_relevant_item_becomes_the_representative(archive: Archive) -> None:
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    dropped = await room.publish(first_outlet, CENTRE_A, hours_ago=4, relevant=False)
    kept = await room.publish(second_outlet, CENTRE_B, hours_ago=1)
    assert dropped.story_id == kept.story_id
    assert kept.story_id is not None
    story = await archive.stories.get(kept.story_id)
    assert story is not None and story.representative_id == kept.id
    assert await archive.stories.sources_of([kept.story_id]) == {kept.story_id: ["first"]}


async def test_an_item_joins_the_story_of_a_later_member(archive: Archive) -> None:
    """Items arrive out of order: a story spans its members' times, whichever came first."""
    room = _Newsroom(archive)
    sources = [await room.source(name) for name in ("first", "second", "third")]
    a = await room.publish(sources[0], EN_A, hours_ago=1, language="en")
    b = await room.publish(sources[1], EN_B, hours_ago=10, language="en")
    c = await room.publish(sources[2], EN_B, hours_ago=30, language="en")
    assert a.story_id == b.story_id == c.story_id
    assert a.story_id is not None
    story = await archive.stories.get(a.story_id)
    assert story is not None
    assert story.first_published_at == c.published_at
    assert story.last_published_at == a.published_at


async def test_unknown_stories(archive: Archive) -> None:
    assert await archive.stories.get(12345) is None
    assert await archive.stories.sources_of([]) == {}
    assert await archive.stories.sources_of([12345]) == {}


def _look_alikes(count: int) -> list[tuple[str, str]]:
    """Items sharing many of CENTRE_A's words (their days' common words) but not its event."""
    return [
        (f"Ресурсный центр для НКО обсудил проект номер {number}",
         f"В Караганде общественный совет рассмотрел проект {number} о грантах для НКО.")
        for number in range(count)
    ]


async def test_the_twin_is_found_among_many_items_of_the_same_days(archive: Archive) -> None:
    """Candidates come from the inverted index: many look-alike items do not hide the twin."""
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    original = await room.publish(first_outlet, CENTRE_A, hours_ago=20)
    await room.publish_many(second_outlet, _look_alikes(120), hours_ago=10)
    twin = await room.publish(second_outlet, CENTRE_B, hours_ago=1)
    assert twin.story_id == original.story_id


async def test_old_days_of_the_word_index_are_not_searched(archive: Archive) -> None:
    """An item published longer than SEARCHED_DAYS ago starts a story of its own, even
    beside its twin of that time, and those days are not held in memory; the items keep
    their fingerprints."""
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    days_ago = stories.SEARCHED_DAYS + 26
    old = await room.publish(first_outlet, CENTRE_A, hours_ago=24 * days_ago)
    old_twin = await room.publish(second_outlet, CENTRE_B, hours_ago=24 * days_ago - 1)
    recent = await room.publish(first_outlet, CENTRE_A, hours_ago=20)
    recent_twin = await room.publish(second_outlet, CENTRE_B, hours_ago=1)
    assert old.story_id != old_twin.story_id
    assert recent.story_id == recent_twin.story_id  # the same pair, within the days searched
    searched_from = int(room.now // 86_400) - stories.SEARCHED_DAYS
    assert archive.story_index.held_days
    assert min(archive.story_index.held_days) >= searched_from
    cursor = await archive.db.reader.execute("SELECT COUNT(*) FROM story_fingerprints")
    assert tuple(await cursor.fetchone() or ()) == (4,)  # fingerprints stay with their items


async def _story_groups(archive: Archive, batches: list[list[Item]],
                        held: bool) -> list[list[str]]:
    """Store `batches` (one transaction each), with the index in memory or read from
    SQLite alone (`held`), and return the guids grouped by story."""
    for batch in batches:
        async with archive.db.transaction() as conn:
            stored = await insert_new_items(
                conn, batch,
                [(stem_text(i.title, i.language), stem_text(i.text, i.language)) for i in batch],
            )
            await assign_stories(conn, stored,
                                 index=archive.story_index if held else None)
    cursor = await archive.db.reader.execute(
        "SELECT story_id, guid FROM items ORDER BY story_id, id")
    groups: dict[int, list[str]] = {}
    for story_id, guid in await cursor.fetchall():
        groups.setdefault(story_id, []).append(guid)
    return list(groups.values())


@pytest.mark.parametrize("look_alikes", [0, 3 * COMMON_TERM_ITEMS])
@pytest.mark.parametrize("held", [True, False], ids=["in-memory", "sqlite-only"])
async def test_one_batch_assigns_as_one_item_at_a_time(archive: Archive, tmp_path: Path,
                                                       look_alikes: int, held: bool) -> None:
    """A refresh's items are matched together, each seeing the ones before it: the stories
    (and their ids) are those of storing the items one by one, also when the batch itself
    makes a word common on its day; the same with the index held in memory between the
    refreshes as with it read from SQLite each time."""
    now = time.time()
    told = [CENTRE_A, ENERGY_COUNCIL, CENTRE_B, ENERGY_COUNCIL_OTHER_OUTLET, HEALTH_COUNCIL,
            CENTRE_A]  # from sources 1, 2, 3, 1, 2, 3
    told[3:3] = _look_alikes(look_alikes)  # as many from each source, before the last three

    def items() -> list[Item]:
        return [
            Item(source_id=1 + n % 3, guid=f"g{n}", url=f"https://n.example.kz/{n}",
                 canonical_url=f"https://n.example.kz/{n}", title=title, text=text,
                 language="ru", published_at=now - n * 600, fetched_at=now,
                 content_hash=f"h{n}", verdict=Verdict(relevant=n % 2 == 0, score=1.0))
            for n, (title, text) in enumerate(told)
        ]
    last = len(told) - 3

    one_by_one = await connect_archive(tmp_path / "one_by_one.db")
    try:
        for number in range(3):
            for store in (archive, one_by_one):
                await store.sources.add(f"https://s{number}.example.kz/rss")
        together = await _story_groups(archive, [items()], held=False)
        apart = await _story_groups(one_by_one, [[item] for item in items()], held=held)
        rows = "SELECT id, representative_id, first_published_at, last_published_at FROM stories"
        cursor_a = await archive.db.reader.execute(rows)
        cursor_b = await one_by_one.db.reader.execute(rows)
        assert [tuple(r) for r in await cursor_a.fetchall()] == [
            tuple(r) for r in await cursor_b.fetchall()]
    finally:
        await one_by_one.close()
    assert together == apart
    assert ["g0", "g2", f"g{last + 2}"] in together  # one event from three items of a batch
    assert ["g1", f"g{last}"] in together
    assert [f"g{last + 1}"] in together


# --- the word index in memory (feeds/archive/story_index.py) ---------------------------------

async def _held_and_stored(archive: Archive, days: set[int]) -> tuple[DayWords, DayWords]:
    """The archive's index in memory and the same days read afresh from SQLite."""
    async with archive.db.transaction() as conn:
        await archive.story_index.check(conn)
        return (await archive.story_index.days(conn, days), await StoryIndex().days(conn, days))


def _days_around(room: _Newsroom) -> set[int]:
    today = int(room.now // 86_400)
    return set(range(today - 5, today + 2))


async def test_the_index_in_memory_holds_what_sqlite_holds(archive: Archive) -> None:
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    await room.publish(first_outlet, CENTRE_A, hours_ago=30)
    await room.publish_many(second_outlet, _look_alikes(3 * COMMON_TERM_ITEMS), hours_ago=5)
    await room.publish_many(first_outlet, [ENERGY_COUNCIL, CENTRE_B, KK_A], hours_ago=1)
    held, stored = await _held_and_stored(archive, _days_around(room))
    assert held == stored
    assert any(stored.values())


async def test_a_refresh_rolled_back_leaves_nothing_behind_in_memory(archive: Archive) -> None:
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    await room.publish(first_outlet, HEALTH_COUNCIL, hours_ago=3)  # the days are held now

    class Failed(Exception):
        pass

    with pytest.raises(Failed):
        async with archive.db.transaction() as conn:
            [lost] = await insert_new_items(conn, [_item(first_outlet, CENTRE_A, room.now)],
                                            [("", "")])
            await assign_stories(conn, [lost], index=archive.story_index)
            raise Failed  # say, the feed's state could not be saved
    twin = await room.publish(second_outlet, CENTRE_B)
    assert twin.story_id is not None
    story = await archive.stories.get(twin.story_id)
    assert story is not None and story.item_ids == [twin.id]
    held, stored = await _held_and_stored(archive, _days_around(room))
    assert held == stored


async def test_what_another_connection_stores_is_seen(archive: Archive) -> None:
    """Another process (`civic-digest poll` beside the bot) writes the same archive: the
    memory of the first is dropped and read again."""
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    await room.publish(first_outlet, HEALTH_COUNCIL, hours_ago=3)  # the days are held now
    other = await connect_archive(archive.path)
    try:
        other_room = _Newsroom(other)
        other_room.count = 1_000  # guids of its own
        original = await other_room.publish(first_outlet, CENTRE_A, hours_ago=2)
    finally:
        await other.close()
    twin = await room.publish(second_outlet, CENTRE_B)
    assert twin.story_id == original.story_id


async def test_an_item_deleted_meanwhile_is_no_candidate(archive: Archive) -> None:
    """A feed removed in this process takes its items with it; the memory of their
    fingerprints must not make a new item join their story."""
    room = _Newsroom(archive)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    await room.publish(first_outlet, CENTRE_A, hours_ago=2)
    await room.publish(second_outlet, ENERGY_COUNCIL, hours_ago=2)
    assert await archive.sources.remove(first_outlet)
    twin = await room.publish(second_outlet, CENTRE_B)
    assert twin.story_id is not None
    story = await archive.stories.get(twin.story_id)
    assert story is not None and story.item_ids == [twin.id]
    assert story.first_published_at == twin.published_at  # a story of its own


async def test_memory_holds_at_most_its_days(archive: Archive) -> None:
    index = StoryIndex(archive.db, days_kept=2)
    room = _Newsroom(archive, index)
    first_outlet, second_outlet = await room.source("first"), await room.source("second")
    original = await room.publish(first_outlet, CENTRE_A, hours_ago=30)
    assert len(index.held_days) == 2
    await room.publish(first_outlet, HEALTH_COUNCIL, hours_ago=24 * 9)
    assert len(index.held_days) == 2
    twin = await room.publish(second_outlet, CENTRE_B)
    assert twin.story_id == original.story_id
    assert len(index.held_days) == 2


def _item(source_id: int, story: tuple[str, str], published_at: float) -> Item:
    title, text = story
    return Item(source_id=source_id, guid="lost", url="https://n.example.kz/lost",
                canonical_url="https://n.example.kz/lost", title=title, text=text,
                language="ru", published_at=published_at, fetched_at=published_at,
                content_hash="lost", verdict=Verdict(relevant=True, score=1.0))


async def test_an_archive_from_before_the_index_in_memory_keeps_its_stories(
        tmp_path: Path) -> None:
    """An archive written with the word index as a table (migrations up to 0011), opened by
    this version: migration 0012 drops the table, and a new item still joins the story of
    an item stored before, found through the fingerprints alone."""
    path = tmp_path / "archive.db"
    async with archive_before(path, 12) as old:
        room = _Newsroom(old)
        first_outlet = await room.source("first")
        await room.source("second")
        original = await room.publish(first_outlet, CENTRE_A, hours_ago=20)
    archive = await connect_archive(path)
    try:
        tables = await archive.db.reader.execute(
            "SELECT name FROM sqlite_master WHERE name = 'story_terms'")
        assert await tables.fetchall() == []
        room = _Newsroom(archive)
        room.count = 1  # the guids go on from the first archive's
        twin = await room.publish(2, CENTRE_B, hours_ago=1)
        assert twin.story_id == original.story_id
    finally:
        await archive.close()
