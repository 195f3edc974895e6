"""Composing digests from a real archive: which stories, in what order, in which language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.digest import MAX_STORIES, compose_digest, compose_digests, prepare_digests
from bot.digest_text import story_time
from feeds.archive import Archive
from feeds.archive.digests import record_deliveries
from feeds.archive.subscribers import Subscriber
from tests.bot.digest_seed import News, distinct_title, seed

# 20:30 UTC on 27 November is already 01:30 on the 28th in Almaty (UTC+5).
NOW = datetime(2026, 11, 27, 20, 30, tzinfo=UTC)
NOW_TS = NOW.timestamp()


def titles(digest: object) -> list[str]:
    assert digest is not None
    view = digest.view  # type: ignore[attr-defined]
    return [story.title for story in view.stories()]


async def test_nothing_to_send_gives_none(archive: Archive) -> None:
    assert await compose_digest(archive, Subscriber(chat_id=1), NOW) is None
    await seed(archive, [News("Не по теме", relevant=False)], NOW_TS)
    assert await compose_digest(archive, Subscriber(chat_id=1), NOW) is None


async def test_topics_filter_and_best_topic_heading(archive: Archive) -> None:
    await seed(archive, [
        News("Правозащитники о суде", topics=["human_rights"], hours_ago=1),
        News("Гранты и права", topics=["social_order_grants", "human_rights"], hours_ago=2),
        News("Волонтёры собрали помощь", topics=["charity_volunteering"], hours_ago=3),
    ], NOW_TS)
    rights = await compose_digest(
        archive, Subscriber(chat_id=1, topics=["human_rights"]), NOW
    )
    assert titles(rights) == ["Правозащитники о суде", "Гранты и права"]
    assert rights is not None and rights.view is not None
    assert [s.heading for s in rights.view.sections] == ["Права человека"]

    everything = await compose_digest(archive, Subscriber(chat_id=2), NOW)
    assert everything is not None and everything.view is not None
    # Fixed topic order; a story goes under its best topic.
    assert [(s.heading, [x.title for x in s.stories]) for s in everything.view.sections] == [
        ("Госсоцзаказ и гранты", ["Гранты и права"]),
        ("Благотворительность и волонтёрство", ["Волонтёры собрали помощь"]),
        ("Права человека", ["Правозащитники о суде"]),
    ]
    assert "<b>Госсоцзаказ и гранты</b>" in everything.parts[0]


async def test_watch_words_match_word_forms_and_nothing_else(archive: Archive) -> None:
    await seed(archive, [
        News("Выданы гранты", text="Фонд распределил гранты среди организаций"),
        News("Новый закон", text="Мажилис принял закон о некоммерческих организациях"),
        News("ҮЕҰ жаңалықтары", text="Үкіметтік емес ұйымдарға гранттар берілді", language="kk"),
        News("Про погоду", text="Ничего о деньгах"),
    ], NOW_TS)
    granted = await compose_digest(
        archive, Subscriber(chat_id=1, watch_words=["грантов"]), NOW
    )
    # A word form matches every form: «грантов» finds «гранты», and «гранттар» in Kazakh.
    assert sorted(titles(granted)) == ["Выданы гранты", "ҮЕҰ жаңалықтары"]
    phrase = await compose_digest(
        archive, Subscriber(chat_id=1, watch_words=["некоммерческая организация"]), NOW
    )
    assert titles(phrase) == ["Новый закон"]  # every word of a phrase, not just one
    either = await compose_digest(
        archive, Subscriber(chat_id=1, watch_words=["ұйымы", "мажилиса"]), NOW
    )
    assert sorted(titles(either)) == ["Новый закон", "ҮЕҰ жаңалықтары"]
    nothing = await compose_digest(archive, Subscriber(chat_id=1, watch_words=["выборы"]), NOW)
    assert nothing is None
    wordless = await compose_digest(archive, Subscriber(chat_id=1, watch_words=["…"]), NOW)
    assert len(titles(wordless)) == 4  # a watch "word" without letters filters nothing


async def test_window_first_digest_last_digest_and_since(archive: Archive) -> None:
    await seed(archive, [
        News("Сегодня", hours_ago=2),
        News("Позавчера", hours_ago=40),
        News("Давно", hours_ago=24 * 20),
    ], NOW_TS)
    assert titles(await compose_digest(archive, Subscriber(chat_id=1), NOW)) == ["Сегодня"]
    returning = Subscriber(chat_id=1, last_digest_at=NOW_TS - 48 * 3600)
    assert titles(await compose_digest(archive, returning, NOW)) == ["Сегодня", "Позавчера"]
    # A long pause gives at most a week and a day, not everything ever stored.
    away = Subscriber(chat_id=1, last_digest_at=NOW_TS - 60 * 24 * 3600)
    assert titles(await compose_digest(archive, away, NOW)) == ["Сегодня", "Позавчера"]
    recent = Subscriber(chat_id=1, last_digest_at=NOW_TS - 3600)
    assert await compose_digest(archive, recent, NOW) is None
    wide = await compose_digest(archive, recent, NOW, since=NOW_TS - 30 * 24 * 3600)
    assert titles(wide) == ["Сегодня", "Позавчера", "Давно"]


async def test_delivered_stories_are_left_out_and_composing_records_nothing(
    archive: Archive,
) -> None:
    first, second = await seed(archive, [News("Первая"), News("Вторая", hours_ago=2)], NOW_TS)
    digest = await compose_digest(archive, Subscriber(chat_id=5), NOW)
    assert digest is not None and digest.story_ids == [first, second]
    again = await compose_digest(archive, Subscriber(chat_id=5), NOW)
    assert again is not None and again.story_ids == [first, second]  # nothing was recorded

    async with archive.db.transaction() as conn:
        await record_deliveries(conn, 5, [first], "digest", NOW_TS)
        await record_deliveries(conn, 5, [first], "digest", NOW_TS)  # a repeat is harmless
    after = await compose_digest(archive, Subscriber(chat_id=5), NOW)
    assert after is not None and after.story_ids == [second] and after.total_stories == 1
    other_chat = await compose_digest(archive, Subscriber(chat_id=6), NOW)
    assert other_chat is not None and other_chat.story_ids == [first, second]


async def test_at_most_twenty_stories_then_a_pointer_to_latest(archive: Archive) -> None:
    ids = await seed(
        archive, [News(distinct_title(n), hours_ago=1 + n / 10) for n in range(25)], NOW_TS
    )
    digest = await compose_digest(archive, Subscriber(chat_id=1), NOW)
    assert digest is not None
    assert digest.story_ids == ids[:MAX_STORIES]  # the newest twenty
    assert digest.total_stories == 25
    assert digest.parts[-1].endswith("<i>и ещё 5: /latest</i>")
    assert all(len(part) <= 4096 for part in digest.parts)


@pytest.mark.parametrize(
    ("language", "timezone", "header", "heading", "more"),
    [
        ("ru", "Asia/Almaty", "Дайджест · 28 ноября 2026 г.", "НКО и гражданское общество",
         "и ещё 1: /latest"),
        ("kk", "Asia/Almaty", "Дайджест · 2026 ж. 28 қараша", "ҮЕҰ және азаматтық қоғам",
         "тағы 1: /latest"),
        ("en", "Europe/London", "Digest · November 27, 2026", "NGOs and civil society",
         "and 1 more: /latest"),
        ("de", "Nowhere/Unknown", "Digest · November 28, 2026", "NGOs and civil society",
         "and 1 more: /latest"),
    ],
)
async def test_header_date_in_the_subscribers_language_and_time_zone(
    archive: Archive, language: str, timezone: str, header: str, heading: str, more: str
) -> None:
    await seed(archive, [News(distinct_title(n), hours_ago=1 + n / 10) for n in range(21)], NOW_TS)
    digest = await compose_digest(
        archive, Subscriber(chat_id=1, language=language, timezone=timezone), NOW
    )
    assert digest is not None
    assert digest.parts[0].startswith(f"<b>{header}</b>\n\n<b>{heading}</b>\n\n")
    assert digest.parts[-1].endswith(f"<i>{more}</i>")


async def test_story_time_is_local_and_dated_when_not_today(archive: Archive) -> None:
    await seed(archive, [News("Свежая", hours_ago=0.5), News("Вчерашняя", hours_ago=3)], NOW_TS)
    digest = await compose_digest(archive, Subscriber(chat_id=1, language="en"), NOW)
    assert digest is not None
    # 20:00 UTC is 01:00 on the 28th in Almaty; 17:30 UTC is 22:30 on the 27th.
    # Each locale's own short time, as in settings: 12-hour in English, 24-hour in ru and kk.
    assert "Первая лента · 1:00 AM" in digest.parts[0]
    assert "Первая лента · 27 Nov, 10:30 PM" in digest.parts[0]
    digest = await compose_digest(archive, Subscriber(chat_id=2, language="ru"), NOW)
    assert digest is not None
    assert "Первая лента · 01:00" in digest.parts[0]
    assert "Первая лента · 27 нояб., 22:30" in digest.parts[0]


@pytest.mark.parametrize(("today", "expected"), [
    (date(2025, 12, 31), {"ru": "30 дек., 15:00", "kk": "30 жел., 15:00", "en": "30 Dec, 3:00\u202fPM"}),
    (date(2026, 1, 2), {"ru": "30 дек. 2025, 15:00", "kk": "30 жел. 2025, 15:00",
                        "en": "30 Dec 2025, 3:00\u202fPM"}),
])
def test_story_time_names_the_year_of_a_story_from_another_year(
    today: date, expected: dict[str, str]
) -> None:
    almaty = ZoneInfo("Asia/Almaty")
    published = datetime(2025, 12, 30, 15, 0, tzinfo=almaty).timestamp()
    assert {lang: story_time(published, today, almaty, lang) for lang in expected} == expected


async def test_summary_and_escaping_in_the_message(archive: Archive) -> None:
    await seed(archive, [
        News("Суд & <НКО>", summary="Суд рассмотрел иск. Решение обжалуют.", source="Лента «А&Б»"),
    ], NOW_TS)
    digest = await compose_digest(archive, Subscriber(chat_id=1), NOW)
    assert digest is not None
    assert "<b><a href=\"https://news.example.kz/0\">Суд &amp; &lt;НКО&gt;</a></b>" in digest.parts[0]
    assert "<i>Лента «А&amp;Б» · 00:30</i>\nСуд рассмотрел иск. Решение обжалуют." in digest.parts[0]


async def test_many_subscribers_from_one_read(archive: Archive) -> None:
    ids = await seed(archive, [
        News("Права", topics=["human_rights"], hours_ago=1),
        News("Гранты", topics=["social_order_grants"], hours_ago=2, text="новые гранты"),
        News("Старое", topics=["human_rights"], hours_ago=30),
    ], NOW_TS)
    async with archive.db.transaction() as conn:
        await record_deliveries(conn, 3, [ids[0]], "instant", NOW_TS)
    subscribers = [
        Subscriber(chat_id=1),
        Subscriber(chat_id=2, topics=["human_rights"], last_digest_at=NOW_TS - 48 * 3600),
        Subscriber(chat_id=3, topics=["human_rights"]),  # had its only story already
        Subscriber(chat_id=4, watch_words=["грант"], language="en"),
    ]
    digests = await compose_digests(archive, subscribers, NOW)
    assert sorted(digests) == [1, 2, 4]
    assert titles(digests[1]) == ["Гранты", "Права"]
    assert titles(digests[2]) == ["Права", "Старое"]
    assert titles(digests[4]) == ["Гранты"]
    for subscriber in subscribers:  # the batch agrees with composing one by one
        single = await compose_digest(archive, subscriber, NOW)
        assert (single.parts if single else None) == (
            digests[subscriber.chat_id].parts if subscriber.chat_id in digests else None
        )
    assert await compose_digests(archive, [], NOW) == {}

    # Prepared once, composed in chunks: the same digests.
    batch = await prepare_digests(archive, subscribers, NOW)
    chunked = {**batch.compose(subscribers[:2]), **batch.compose(subscribers[2:])}
    assert {k: d.parts for k, d in chunked.items()} == {k: d.parts for k, d in digests.items()}
    assert batch.compose([Subscriber(chat_id=99)]) == {}  # not prepared: left out, logged


async def link_into_one_story(archive: Archive, story_ids: list[int]) -> None:
    """Stands in for story matching (the feeds/ half): the items of `story_ids` become one
    story, represented by the first one's item."""
    async with archive.db.transaction() as conn:
        await conn.execute(
            f"UPDATE items SET story_id = ? WHERE story_id IN ({','.join('?' * len(story_ids))})",
            [story_ids[0], *story_ids],
        )


async def test_a_story_reported_by_several_outlets_appears_once_with_also(
    archive: Archive,
) -> None:
    ids = await seed(archive, [
        News("Совет НКО собрался", source="Первая лента", hours_ago=3,
             summary="Совет обсудил гранты."),
        News("Заседание совета НКО", source="Вторая лента", hours_ago=2),
        News("Совет НКО: итоги", source="Третья лента", hours_ago=1, relevant=False),
        News("Другое событие", source="Вторая лента", hours_ago=4),
    ], NOW_TS)
    await link_into_one_story(archive, ids[:3])
    digest = await compose_digest(archive, Subscriber(chat_id=1), NOW)
    assert digest is not None
    assert digest.story_ids == [ids[0], ids[3]]
    assert titles(digest) == ["Совет НКО собрался", "Другое событие"]
    assert "<i>также: Вторая лента, Третья лента</i>" in digest.parts[0]
    assert digest.parts[0].count("Совет НКО") == 1


async def test_relevant_news_without_a_known_topic_goes_last_under_other_news(
    archive: Archive,
) -> None:
    await seed(archive, [
        News("Без темы", topics=[], hours_ago=1),
        News("Права", topics=["human_rights"], hours_ago=2),
    ], NOW_TS)
    digest = await compose_digest(archive, Subscriber(chat_id=1), NOW)
    assert digest is not None and digest.view is not None
    assert [s.heading for s in digest.view.sections] == ["Права человека", "Другие новости"]
    narrow = await compose_digest(archive, Subscriber(chat_id=1, topics=["human_rights"]), NOW)
    assert titles(narrow) == ["Права"]
