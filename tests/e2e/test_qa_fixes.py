"""What a review of the bot as its people use it found, each fixed and pinned here: odd input
echoed back, unknown commands and buttons, a second /stop, channel hints, deep links and Kazakh
wording, through the real dispatcher and aiogram session against the fake Bot API."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from feeds.archive import Archive
from feeds.models import TOPICS
from tests.conftest import wait_for
from tests.e2e.conftest import ADMIN_ID, BotUnderTest
from tests.e2e.seed_news import news_item, store_items
from tests.fakes.telegram_updates import FakeUser, group_chat, text_message

APOLOGY = "Sorry, something went wrong"


@pytest.mark.parametrize(
    "text",
    [
        "НКО \ud800 гранты",  # a lone surrogate: valid JSON, cannot be sent back as UTF-8
        "/search \udfff гранты \u200b",
        "\u202eгранты\u202c \ud83d",  # an RTL override and half an emoji
    ],
)
async def test_search_with_lone_surrogates_answers_without_failing(
    archive: Archive, running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture, text: str
) -> None:
    await store_items(archive, [news_item(1, "Гранты для НКО", "НКО получили гранты.")])
    user = running_bot.fake.user(501, language_code="en")
    with caplog.at_level(logging.ERROR):
        reply = await running_bot.reply(user, text)
    assert "Гранты для НКО" in reply["text"]
    assert "\ud800" not in reply["text"] and "\u202e" not in reply["text"]
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


async def test_inline_query_with_a_lone_surrogate_is_answered(
    archive: Archive, running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    await store_items(archive, [news_item(1, "Гранты для НКО", "НКО получили гранты.")])
    user = running_bot.fake.user(502, language_code="ru")
    with caplog.at_level(logging.ERROR):
        query = running_bot.fake.inline_query(user, "гранты \ud800")
        await running_bot.fake.wait_for_calls("answerInlineQuery", 1)
    answer = running_bot.fake.inline_answer(query["inline_query"]["id"])
    assert answer is not None and len(answer["results"]) == 1
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Команды /frobnicate я не знаю"),
        ("kk", "/frobnicate командасын білмеймін"),
        ("en", "I do not know the command /frobnicate"),
    ],
)
async def test_unknown_command_in_a_private_chat_is_answered(
    running_bot: BotUnderTest, language: str, expected: str
) -> None:
    user = running_bot.fake.user(510, language_code=language)
    reply = await running_bot.reply(user, "/frobnicate now")
    assert expected in reply["text"] and "/help" in reply["text"]


async def test_unknown_command_with_html_is_escaped(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(511, language_code="en")
    reply = await running_bot.reply(user, "/x<b>\ud800")
    assert "I do not know the command" in reply["text"]


@pytest.mark.parametrize("data", ["zz:1", "sp:notakey", "set:1", "adm_unknown", "x" * 64])
async def test_unknown_or_malformed_buttons_are_answered(
    running_bot: BotUnderTest, data: str
) -> None:
    user = running_bot.fake.user(520, language_code="kk")
    decoy = await running_bot.reply(user, "/help")
    answer = await running_bot.press(user, decoy, data=data)
    assert answer.params.get("text"), data


@pytest.mark.parametrize(
    ("language", "stopped", "not_subscribed"),
    [
        ("ru", "Вы отписались", "не подписан"),
        ("kk", "Жазылымнан шықтыңыз", "жазылмаған"),
        ("en", "You have unsubscribed", "not subscribed"),
    ],
)
async def test_second_stop_does_not_claim_to_unsubscribe_again(
    running_bot: BotUnderTest, language: str, stopped: str, not_subscribed: str
) -> None:
    user = running_bot.fake.user(530, language_code=language)
    await running_bot.reply(user, "/start")
    assert stopped in (await running_bot.reply(user, "/stop"))["text"]
    again = (await running_bot.reply(user, "/stop"))["text"]
    assert stopped not in again and not_subscribed in again


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
async def test_removechannel_without_a_name_shows_its_own_syntax(
    running_bot: BotUnderTest, language: str
) -> None:
    user = running_bot.fake.user(540, language_code=language)
    reply = await running_bot.reply(user, "/removechannel")
    assert "/removechannel @" in reply["text"] and "/addchannel" not in reply["text"]
    reply = await running_bot.reply(user, "/addchannel")
    assert "/addchannel @" in reply["text"]


@pytest.mark.parametrize(
    ("language", "note"),
    [("ru", "незнакомая тема"), ("kk", "тақырып белгісіз"), ("en", "names no topic I know")],
)
async def test_deep_link_with_an_unknown_topic_says_so(
    running_bot: BotUnderTest, archive: Archive, language: str, note: str
) -> None:
    user = running_bot.fake.user(550, language_code=language)
    first = await running_bot.reply(user, "/start no_such_topic")
    assert note in first["text"]
    subscriber = await archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.topics == []
    other = running_bot.fake.user(551, language_code=language)
    good = await running_bot.reply(other, f"/start {TOPICS[0]}")
    assert note not in good["text"]
    chosen = await archive.subscribers.get(other.id)
    assert chosen is not None and chosen.topics == [TOPICS[0]]


async def test_kazakh_welcome_back_and_watch_hint_read_naturally(
    running_bot: BotUnderTest, archive: Archive
) -> None:
    user = running_bot.fake.user(560, language_code="kk")
    await running_bot.reply(user, "/start")
    await running_bot.reply(user, "/stop")
    back = await running_bot.reply(user, "/start")
    assert back["text"].startswith("Қайта қош келдіңіз!")
    hint = await running_bot.reply(user, "/watch")
    assert "кез келген формада" in hint["text"] and "тұлға" not in hint["text"]
    # A count before a noun keeps the noun singular in Kazakh: «1–1 нәтиже».
    await store_items(archive, [news_item(1, "Гранттар туралы", "ҮЕҰ гранттары", language="kk")])
    results = await running_bot.reply(user, "гранттар")
    assert "1–1 нәтиже\n" in results["text"]
    nothing = await running_bot.reply(user, "zzzqqq")
    assert "жалпылама" not in nothing["text"] and "басқа тілде іздеңіз" in nothing["text"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "Это не веб-адрес"), ("kk", "веб-мекенжай емес"), ("en", "not a web address")],
)
async def test_addfeed_with_a_non_web_address_names_the_cause(
    running_bot: BotUnderTest, archive: Archive, language: str, expected: str
) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code=language)
    for bad in ("ftp://files.example.kz/feed", "javascript:alert(1)", "https://"):
        reply = await running_bot.reply(admin, f"/addfeed {bad}")
        assert expected in reply["text"] and "http://" in reply["text"], bad
    usage = await running_bot.reply(admin, "/addfeed")
    assert expected not in usage["text"] and "/addfeed https://" in usage["text"]
    assert await archive.sources.all() == []


@pytest.mark.parametrize(
    ("language", "line"),
    [("ru", "Дайджест: каждый день в 09:00"), ("kk", "Дайджест: күн сайын сағат 09:00")],
)
async def test_schedule_reads_as_one_sentence_after_the_colon(
    running_bot: BotUnderTest, language: str, line: str
) -> None:
    user = running_bot.fake.user(570, language_code=language)
    await running_bot.reply(user, "/start")
    settings = await running_bot.reply(user, "/settings")
    assert line in settings["text"]


def sticker_update(user: FakeUser, message_id: int) -> dict[str, Any]:
    message = text_message("", user, message_id=message_id)
    del message["text"]
    message["sticker"] = {
        "file_id": "st1",
        "file_unique_id": "u1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
    }
    return {"message": message}


@pytest.mark.parametrize(
    ("language", "expected"),
    [("ru", "только текст"), ("kk", "тек мәтінді"), ("en", "only read text")],
)
async def test_a_sticker_in_a_private_chat_gets_a_hint(
    running_bot: BotUnderTest, language: str, expected: str
) -> None:
    user = running_bot.fake.user(580, language_code=language)
    running_bot.fake.enqueue(sticker_update(user, 1))
    reply = (await running_bot.fake.wait_for_messages(user.id, 1))[0]
    assert expected in reply["text"] and "/help" in reply["text"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "Группа отписана"),
        ("kk", "Топ жазылымнан шықты"),
        ("en", "The group is unsubscribed"),
    ],
)
async def test_stop_in_a_group_speaks_of_the_group(
    running_bot: BotUnderTest, language: str, expected: str
) -> None:
    group = group_chat(-100590, "НКО чат")
    running_bot.fake.add_chat(group)
    admin = running_bot.fake.user(590, language_code=language)
    running_bot.fake.set_member(group["id"], admin.id, "administrator")
    await running_bot.reply(admin, "/start", chat=group)
    stopped = await running_bot.reply(admin, "/stop", chat=group)
    assert expected in stopped["text"]
    own = await running_bot.reply(admin, "/start")
    assert own["text"]
    assert expected not in (await running_bot.reply(admin, "/stop"))["text"]


async def test_a_flood_of_unknown_commands_gets_one_slow_down(running_bot: BotUnderTest) -> None:
    throttle = running_bot.dispatcher["throttle"]
    throttle.clock = lambda: 0.0  # frozen: no token comes back during the flood
    user = running_bot.fake.user(595, language_code="en")
    for n in range(40):
        running_bot.fake.send_text(user, f"/nonsense{n}")
    await wait_for(lambda: throttle.allowed + throttle.refused == 40)
    burst = throttle.rules["search"].burst
    await running_bot.fake.wait_for_messages(user.id, burst + 1)
    marker = await running_bot.reply(user, "/help")  # not throttled: answered after the flood
    assert "civic-digest" in marker["text"]
    texts = running_bot.fake.texts(user.id)[:-1]
    assert len(texts) == burst + 1, texts
    assert sum("Too many requests" in t for t in texts) == 1
