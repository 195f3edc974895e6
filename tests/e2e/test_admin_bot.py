"""Admin commands through the real dispatcher and aiogram session against the fake Bot API:
refusals for everyone else (commands, forged buttons, files), the feed list and its upkeep,
/stats, /keywords and OPML, in ru, kk and en."""

from __future__ import annotations

import time

import pytest

from bot.middlewares import Throttle, ThrottleRule
from feeds.archive import Archive
from feeds.archive.sources import save_refresh_state
from feeds.archive.subscribers import Subscriber
from feeds.classify import FilterTerm
from tests.e2e.conftest import ADMIN_ID, BotUnderTest, button_labels
from tests.e2e.seed_news import news_item, store_items

REFUSALS = {
    "ru": "только для администраторов",
    "kk": "тек бот әкімшілеріне",
    "en": "only for the bot's administrators",
}
ADMIN_COMMANDS = [
    "/addfeed https://x.kz/rss",
    "/feeds",
    "/removefeed 1",
    "/pausefeed 1",
    "/resumefeed 1",
    "/poll",
    "/stats",
    "/keywords",
    "/keywords add 1 слово",
    "/export",
]

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><head><title>NGO feeds</title></head><body>
<outline text="Folder">
  <outline type="rss" text="One" title="One &amp; Co" xmlUrl="https://one.example.kz/rss"/>
</outline>
<outline type="rss" text="Two" xmlUrl="https://two.example.kz/feed" language="kk"/>
<outline type="rss" text="Bad" xmlUrl="javascript:alert(1)"/>
</body></opml>"""


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
async def test_non_admins_are_refused_and_nothing_changes(
    archive: Archive, running_bot: BotUnderTest, language: str
) -> None:
    source, _ = await archive.sources.add("https://keep.example.kz/rss", title="Keep")
    stranger = running_bot.fake.user(4242, language_code=language)
    # Refusals are throttled like searches (tests/e2e/test_rough_edges.py); this test is about
    # each refusal, so the stranger gets room for all of them.
    throttle: Throttle = running_bot.dispatcher["throttle"]
    throttle.rules["search"] = ThrottleRule(burst=len(ADMIN_COMMANDS) + 10, refill_seconds=2.0)
    for command in ADMIN_COMMANDS:
        reply = await running_bot.reply(stranger, command)
        assert REFUSALS[language] in reply["text"], command
    # Buttons copied from an admin's message and pressed by someone else do nothing.
    decoy = await running_bot.reply(stranger, "/search x")
    for data in (
        f"adm_rm:{source.id}",
        "adm_fp:1",
        "adm_kd:1:abcdef0123",
        "adm_af:k:0",
        "adm_kt:1",
    ):
        answer = await running_bot.press(stranger, decoy, data=data)
        assert answer.params.get("show_alert") and answer.params["text"]
    refused_file = running_bot.fake.send_document(stranger, OPML, "feeds.opml")
    assert refused_file
    await running_bot.fake.wait_for_messages(stranger.id, len(ADMIN_COMMANDS) + 2)
    assert running_bot.fake.calls("getFile") == []
    assert [s.url for s in await archive.sources.all()] == ["https://keep.example.kz/rss"]
    assert await archive.terms.all() == []


async def test_feed_list_pages_within_limits_and_shows_health(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    for n in range(23):
        await archive.sources.add(
            f"https://feed{n}.example.kz/rss", title=f"Лента <{n}> " + "д" * 150
        )
    failing = await archive.sources.get(3)
    assert failing is not None
    failing.error_count, failing.last_error = 4, "not found (404)"
    failing.last_success_at = time.time() - 86400
    async with archive.db.transaction() as conn:
        await save_refresh_state(conn, failing)
    await archive.sources.set_enabled(5, False)
    await store_items(
        archive, [news_item(1, "НКО", "текст"), news_item(2, "x", "y", relevant=False)]
    )

    admin = running_bot.fake.user(ADMIN_ID, language_code="ru")
    first = await running_bot.reply(admin, "/feeds")
    text = first["text"]
    assert "Ленты: 24 (страница 1 из 3)" in text
    assert "⚠️ #3" in text and "ошибок подряд: 4" in text and "not found (404)" in text
    assert "⏸ #5" in text and "✅ #1" in text
    assert "Лента <0>" in text and len(text) <= 4096
    assert "#11" not in text
    await running_bot.press(admin, first, "▸")
    second = running_bot.current(first)
    assert "страница 2 из 3" in second["text"] and "#11" in second["text"]
    assert button_labels(second) == ["◂", "▸"]
    # The feed the items were stored under: 2 items, half kept.
    await running_bot.press(admin, second, "▸")
    last = running_bot.current(first)
    assert "#24" in last["text"] and "материалов 2, отобрано 50%" in last["text"]


@pytest.mark.parametrize(
    ("language", "paused", "resumed", "removed", "missing"),
    [
        ("ru", "приостановлена", "возобновлена", "удалена", "Ленты #99 нет"),
        ("kk", "тоқтатыла тұрды", "қайта қосылды", "жойылды", "#99 таспасы жоқ"),
        ("en", "paused", "resumed", "removed", "There is no feed #99"),
    ],
)
async def test_pause_resume_and_remove_a_feed(
    archive: Archive,
    running_bot: BotUnderTest,
    language: str,
    paused: str,
    resumed: str,
    removed: str,
    missing: str,
) -> None:
    source, _ = await archive.sources.add("https://one.example.kz/rss", title="One & <b>")
    admin = running_bot.fake.user(ADMIN_ID, language_code=language)
    assert paused in (await running_bot.reply(admin, f"/pausefeed {source.id}"))["text"]
    assert (await archive.sources.get(source.id)).enabled is False  # type: ignore[union-attr]
    assert resumed in (await running_bot.reply(admin, f"/resumefeed #{source.id}"))["text"]
    assert (await archive.sources.get(source.id)).enabled is True  # type: ignore[union-attr]
    assert missing in (await running_bot.reply(admin, "/pausefeed 99"))["text"]
    assert "/removefeed" in (await running_bot.reply(admin, "/removefeed one"))["text"]

    question = await running_bot.reply(admin, f"/removefeed {source.id}")
    assert "One & <b>" in question["text"]
    assert await archive.sources.get(source.id) is not None  # only after confirming
    await running_bot.press(admin, question, f"#{source.id}")
    assert removed in running_bot.current(question)["text"]
    assert await archive.sources.get(source.id) is None


@pytest.mark.parametrize(
    ("language", "words"),
    [
        (
            "ru",
            [
                "Статистика",
                "активных 2",
                "заблокировали бота 1",
                "ежедневно 1",
                "Русский 1",
                "Материалов за 24 ч: 2, отобрано фильтром: 1",
            ],
        ),
        ("kk", ["Статистика", "белсенді 2", "ботты бұғаттаған 1", "күн сайын 1", "Қазақша 1"]),
        (
            "en",
            [
                "Statistics",
                "2 active",
                "1 blocked the bot",
                "daily 1",
                "instant 1",
                "Қазақша 1",
                "Items in 24 h: 2, kept by the filter: 1",
                "Last poll: never",
            ],
        ),
    ],
)
async def test_stats_in_each_language_and_never_the_token(
    archive: Archive, running_bot: BotUnderTest, language: str, words: list[str]
) -> None:
    await archive.subscribers.subscribe(Subscriber(chat_id=1, language="ru", mode="daily"))
    await archive.subscribers.subscribe(Subscriber(chat_id=2, language="kk", mode="instant"))
    await archive.subscribers.subscribe(Subscriber(chat_id=3, language="en"))
    await archive.subscribers.mark_blocked(3)
    await store_items(
        archive, [news_item(1, "НКО", "текст"), news_item(2, "x", "y", relevant=False)]
    )
    admin = running_bot.fake.user(ADMIN_ID, language_code=language)
    reply = await running_bot.reply(admin, "/stats")
    for word in words:
        assert word in reply["text"], word
    token = running_bot.fake.token
    assert token not in reply["text"] and token.split(":")[1] not in reply["text"]


async def test_keywords_add_rescores_and_refuses_duplicates(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await store_items(
        archive, [news_item(1, "Фестиваль варенья", "Праздник варенья в Алматы", relevant=False)]
    )
    admin = running_bot.fake.user(ADMIN_ID, language_code="en")
    listing = await running_bot.reply(admin, "/keywords")
    assert "/keywords add TOPIC TERM" in listing["text"]
    assert button_labels(listing) == ["1", "2", "3", "4", "5", "6"]

    progress = await running_bot.reply(admin, "/keywords add 4 варенье")
    await running_bot.fake.wait_until(lambda: "⏳" not in running_bot.current(progress)["text"])
    assert "Items re-scored: 1, changed: 1" in running_bot.current(progress)["text"]
    [kept] = await archive.items.relevant_since(0)
    assert kept.verdict is not None and "charity_volunteering" in kept.verdict.topics
    assert await archive.terms.all() == [FilterTerm("charity_volunteering", "include", "варенье")]
    again = await running_bot.reply(admin, "/keywords add charity_volunteering Варенье")
    await running_bot.fake.wait_until(lambda: "⏳" not in running_bot.current(again)["text"])
    assert "already there" in running_bot.current(again)["text"]
    listed = await running_bot.reply(admin, "/keywords")
    assert "＋ варенье" in listed["text"]


@pytest.mark.parametrize(
    "args",
    [
        "add 9 варенье",
        "add 1",
        "rename 1 x",
        "exclude 0 x",
        "add 9 " + "x" * 100,  # a term over the limit is named: tests/e2e/test_rough_edges.py
        "add {topic} <b>",
    ],
)
async def test_keywords_with_bad_arguments_explain_the_syntax(
    archive: Archive, running_bot: BotUnderTest, args: str
) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code="ru")
    reply = await running_bot.reply(admin, "/keywords " + args)
    assert "/keywords add ТЕМА СЛОВО" in reply["text"]
    assert await archive.terms.all() == []


async def test_keywords_buttons_remove_a_term(archive: Archive, running_bot: BotUnderTest) -> None:
    await archive.terms.add(FilterTerm("charity_volunteering", "exclude", "лотерея"))
    admin = running_bot.fake.user(ADMIN_ID, language_code="kk")
    listing = await running_bot.reply(admin, "/keywords")
    assert "－ лотерея" in listing["text"]
    await running_bot.press(admin, listing, "4")
    [view] = (await running_bot.fake.wait_for_messages(admin.id, 2))[1:]
    assert "сөзді алып тастау үшін" in view["text"]
    await running_bot.press(admin, view, "лотерея")
    await running_bot.fake.wait_until(
        lambda: "әзірге сөз қосылмаған" in running_bot.current(view)["text"]
    )
    assert await archive.terms.all() == []
    answer = await running_bot.press(admin, view, data="adm_kd:4:0123456789")
    assert answer.params.get("show_alert")


@pytest.mark.parametrize(
    ("language", "report"),
    [
        ("ru", "добавлено 2, уже были в списке 0, с ошибками 1"),
        ("kk", "қосылғаны 2, тізімде бұрыннан бары 0, қателері 1"),
        ("en", "2 added, 0 already in the list, 1 invalid"),
    ],
)
async def test_opml_upload_then_export(
    archive: Archive, running_bot: BotUnderTest, language: str, report: str
) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code=language)
    running_bot.fake.send_document(admin, OPML, "feeds.opml", mime_type="text/x-opml")
    [imported] = await running_bot.fake.wait_for_messages(admin.id, 1)
    assert report in imported["text"]
    assert "javascript:alert(1)" in imported["text"]
    assert len(running_bot.fake.calls("getFile")) == 1
    sources = await archive.sources.all()
    assert [(s.url, s.title, s.added_by) for s in sources] == [
        ("https://one.example.kz/rss", "One & Co", ADMIN_ID),
        ("https://two.example.kz/feed", "Two", ADMIN_ID),
    ]
    running_bot.fake.send_document(admin, OPML, "feeds.xml", mime_type="application/xml")
    [again] = (await running_bot.fake.wait_for_messages(admin.id, 2))[1:]
    assert "0" in again["text"] and "2" in again["text"]
    assert len(await archive.sources.all()) == 2

    exported = await running_bot.reply(admin, "/export")
    assert "document" in exported
    [data] = running_bot.fake.uploaded(admin.id)
    assert data.count(b"xmlUrl=") == 2 and b"One &amp; Co" in data


@pytest.mark.parametrize(
    ("name", "data", "answer"),
    [
        ("notes.txt", b"hello", "send an OPML file"),
        ("broken.opml", b"<opml><body>", "cannot be imported"),
        (
            "bomb.opml",
            b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><opml>&a;</opml>',
            "cannot be imported",
        ),
        ("big.opml", b"<opml>" + b" " * 1_100_000 + b"</opml>", "too large"),
    ],
)
async def test_bad_uploads_get_a_reason(
    archive: Archive, running_bot: BotUnderTest, name: str, data: bytes, answer: str
) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code="en")
    running_bot.fake.send_document(admin, data, name)
    [reply] = await running_bot.fake.wait_for_messages(admin.id, 1)
    assert answer in reply["text"]
    assert await archive.sources.all() == []


async def test_export_with_no_feeds_says_so(running_bot: BotUnderTest) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code="kk")
    reply = await running_bot.reply(admin, "/export")
    assert "экспорттайтын таспа жоқ" in reply["text"]
