"""/search, plain-text search, paging, /latest and /digest through the real dispatcher and
aiogram session against the fake Bot API, in ru, kk and en."""

from __future__ import annotations

import pytest

from feeds.archive import Archive
from tests.e2e.conftest import BotUnderTest
from tests.e2e.seed_news import news_item, store_items
from tests.fakes.telegram_updates import group_chat

GRANT_TITLES = [f"Гранты для НКО: конкурс номер {n}" for n in range(12)]


async def fill(archive: Archive) -> None:
    items = [
        news_item(
            n,
            title,
            f"Министерство объявило приём заявок на гранты {n}. "
            "Некоммерческие организации могут подать документы до конца месяца.",
        )
        for n, title in enumerate(GRANT_TITLES)
    ]
    items.append(
        news_item(
            100,
            "Қоғамдық кеңес отырысы өтті",
            "Қоғамдық кеңестің отырысында азаматтық қоғам өкілдері сөз сөйледі.",
            language="kk",
        )
    )
    items.append(news_item(101, "Weather in Astana", "Sunny and cold.", relevant=False))
    await store_items(archive, items, source_title="Новости <НКО> & Co")


@pytest.mark.parametrize(
    ("language", "help_start", "more", "header"),
    [
        ("ru", "Отправьте /search", "Ещё ▸", "результаты 1–5"),
        ("kk", "/search командасын", "Тағы ▸", "1–5 нәтиже"),
        ("en", "Send /search", "More ▸", "results 1–5"),
    ],
)
async def test_search_pages_and_speaks_the_users_language(
    archive: Archive,
    running_bot: BotUnderTest,
    language: str,
    help_start: str,
    more: str,
    header: str,
) -> None:
    await fill(archive)
    bot = running_bot
    user = bot.fake.user(501, language_code=language)
    helped = await bot.reply(user, "/search")
    assert helped["text"].startswith(help_start)

    first = await bot.reply(user, "/search гранты")
    assert header in first["text"]
    assert "Гранты для НКО" in first["text"]
    assert "Новости <НКО> & Co" in first["text"]  # escaped on the way, shown as written
    kinds = {e["type"] for e in first.get("entities", [])}
    assert {"bold", "text_link", "italic"} <= kinds
    assert "news.example.kz" not in first["text"]  # URLs are links, not text
    assert sum(1 for e in first["entities"] if e["type"] == "text_link") == 5

    await bot.press(user, first, more)
    second = bot.current(first)
    assert "6–10" in second["text"] and "1. " not in second["text"]
    await bot.press(user, second, "◂")
    assert header in bot.current(first)["text"]


@pytest.mark.parametrize(
    ("language", "nothing"),
    [("ru", "ничего не найдено"), ("kk", "ештеңе табылмады"), ("en", "Nothing found")],
)
async def test_no_results_says_so_and_suggests_broader_words(
    archive: Archive, running_bot: BotUnderTest, language: str, nothing: str
) -> None:
    await fill(archive)
    user = running_bot.fake.user(502, language_code=language)
    reply = await running_bot.reply(user, "/search квантовая гравитация")
    assert nothing in reply["text"]
    assert "reply_markup" not in reply


async def test_plain_text_in_private_is_a_search_but_not_in_groups(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await fill(archive)
    bot = running_bot
    user = bot.fake.user(503, language_code="kk")
    reply = await bot.reply(user, "қоғамдық кеңес")
    assert "Қоғамдық кеңес отырысы" in reply["text"]
    group = group_chat(-100777)
    bot.fake.send_text(user, "гранты", chat=group)
    searched = await bot.reply(user, "/search гранты")  # handled after the group message
    assert "Гранты" in searched["text"]
    assert bot.fake.sent_messages(-100777) == []


HOSTILE = [
    '"',
    "AND(",
    "{title}: x",
    "-закон",
    "NEAR(a b)",
    "*",
    "гранты OR 1=1; DROP TABLE items",
    "<b>гранты</b> & <script>",
    "гранты\u200b\u200f\u202e",
    "\ufeff",
    "x" * 5000,
    "гранты " * 800,
    "🙂" * 300,
    "\x00\x02\x03",
]


async def test_hostile_input_is_answered_with_valid_html(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await fill(archive)
    bot = running_bot
    # One user per query: a single user sending this many would be throttled.
    for n, text in enumerate(HOSTILE):
        user = bot.fake.user(600 + n, language_code="ru")
        assert (await bot.reply(user, "/search " + text))["text"]
        assert (await bot.reply(user, text))["text"]
    assert all(c.ok for c in bot.fake.calls("sendMessage"))
    found = await bot.reply(bot.fake.user(599), "/search <b>гранты</b>")
    assert "«<b>гранты</b>»" in found["text"]  # shown as typed, not as markup


async def test_a_stale_more_button_asks_to_search_again(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await fill(archive)
    user = running_bot.fake.user(505, language_code="en")
    first = await running_bot.reply(user, "/search гранты")
    # A button from before a restart: its query key is unknown to this process.
    answer = await running_bot.press(user, first, data="sp:000000000000:5")
    assert "expired" in answer.params["text"] and answer.params.get("show_alert")


@pytest.mark.parametrize(
    ("language", "heading", "empty"),
    [
        ("ru", "Последние новости", "Новостей пока нет"),
        ("kk", "Соңғы жаңалықтар", "Әзірге жаңалық жоқ"),
        ("en", "The latest news", "No news yet"),
    ],
)
async def test_latest_lists_ten_newest_relevant_stories(
    archive: Archive, running_bot: BotUnderTest, language: str, heading: str, empty: str
) -> None:
    user = running_bot.fake.user(506, language_code=language)
    nothing = await running_bot.reply(user, "/latest")
    assert empty in nothing["text"]
    await fill(archive)
    latest = await running_bot.reply(user, "/latest")
    assert heading in latest["text"]
    assert "10. " in latest["text"] and "11. " not in latest["text"]
    assert "Weather" not in latest["text"]
    assert latest["text"].index("номер 0\n") < latest["text"].index("номер 1\n")


@pytest.mark.parametrize(
    ("language", "no_news"),
    [("ru", "нет новых материалов"), ("kk", "жаңа материал жоқ"), ("en", "No new stories")],
)
async def test_digest_without_news_says_so(
    archive: Archive, running_bot: BotUnderTest, language: str, no_news: str
) -> None:
    user = running_bot.fake.user(507, language_code=language)
    reply = await running_bot.reply(user, "/digest")
    assert no_news in reply["text"]


async def test_digest_now_sends_the_composed_parts(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await fill(archive)
    user = running_bot.fake.user(508, language_code="ru")
    reply = await running_bot.reply(user, "/digest")
    assert "Гранты для НКО" in reply["text"]
    assert all(c.ok for c in running_bot.fake.calls("sendMessage"))
    again = await running_bot.reply(user, "/digest")
    assert "нет новых материалов" in again["text"], "a story the reader has seen came again"


async def test_two_digest_requests_at_once_send_the_news_once(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    """A double tap: the second /digest arrives before the first is answered. It waits for
    the first and finds its stories seen, rather than sending them all again."""
    await fill(archive)
    user = running_bot.fake.user(510, language_code="ru")
    before = len(running_bot.fake.sent_messages(user.id))
    running_bot.fake.send_text(user, "/digest")
    running_bot.fake.send_text(user, "/digest")
    sent = (await running_bot.fake.wait_for_messages(user.id, before + 2))[before:]
    texts = [message["text"] for message in sent]
    assert sum("Гранты для НКО" in text for text in texts) == 1, texts
    assert sum("нет новых материалов" in text for text in texts) == 1, texts


async def test_a_flood_of_searches_gets_one_slow_down_not_a_query_each(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await fill(archive)
    bot = running_bot
    user = bot.fake.user(509, language_code="en")
    for n in range(40):
        bot.fake.send_text(user, f"/search гранты {n}")
    await bot.fake.wait_for_messages(user.id, 6)
    marker = await bot.reply(user, "/digest")  # another kind of action, handled after the flood
    assert marker["text"]
    texts = bot.fake.texts(user.id)[:-1]
    assert sum("Too many requests" in t for t in texts) == 1
    assert len(texts) <= 6


@pytest.mark.parametrize(
    ("language", "refusal"),
    [("ru", "только её администраторы"), ("kk", "тек оның әкімшілері"), ("en", "only its admins")],
)
async def test_digest_now_in_a_group_is_for_its_admins(
    archive: Archive, running_bot: BotUnderTest, language: str, refusal: str
) -> None:
    await fill(archive)
    fake = running_bot.fake
    group = group_chat(-100512, "НКО чат")
    member = fake.user(512, language_code=language)
    admin = fake.user(513, language_code=language)
    fake.set_member(group["id"], member.id, "member")
    fake.set_member(group["id"], admin.id, "administrator")
    refused = await running_bot.reply(member, "/digest", chat=group)
    assert refusal in refused["text"]
    # The member's try took nothing from the group's digest.
    sent = await running_bot.reply(admin, "/digest", chat=group)
    assert "Гранты для НКО" in sent["text"]
