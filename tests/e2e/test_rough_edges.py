"""The last rough edges a careful user meets, each pinned in ru, kk and en through the real
dispatcher and aiogram session against the fake Bot API: a channel bound twice, /watch at its
limits, commands typed in capitals, admins not throttled like searchers, one time format per
language, and what a walk through every command turned up."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aiogram.filters import Command

from bot.handlers import create_routers
from bot.handlers.screens import DEFAULT_HOUR, hour_label
from bot.handlers.watch import MAX_PHRASES
from bot.middlewares import Throttle
from feeds.archive import Archive
from tests.conftest import wait_for
from tests.e2e.conftest import ADMIN_ID, BotUnderTest, button_labels
from tests.e2e.seed_news import news_item, store_items
from tests.fakes.telegram_updates import FakeUser, group_chat

CHANNEL_ID = -1009876543210


async def _subscribed(bot: BotUnderTest, user_id: int, language: str) -> FakeUser:
    user = bot.fake.user(user_id, language_code=language)
    await bot.reply(user, "/start")
    return user


def _frozen(bot: BotUnderTest) -> Throttle:
    """The dispatcher's throttle with its clock stopped: no token comes back during a flood."""
    throttle: Throttle = bot.dispatcher["throttle"]
    throttle.clock = lambda: 0.0
    return throttle


# --- /addchannel for a channel that is already bound --------------------------------------


@pytest.mark.parametrize(
    ("language", "bound", "already", "again"),
    [
        ("ru", "подключён", "уже подключён", "снова подключён"),
        ("kk", "қосылды", "бұрыннан қосылған", "қайта қосылды"),
        ("en", "is bound", "is already bound", "is bound again"),
    ],
)
async def test_binding_a_bound_channel_says_so_with_its_settings(
    running_bot: BotUnderTest, language: str, bound: str, already: str, again: str
) -> None:
    fake = running_bot.fake
    owner = fake.user(6001, language_code=language)
    fake.add_channel(CHANNEL_ID, "civic_news", title="Civic news", admins=[owner.id])
    first = await running_bot.reply(owner, "/addchannel @civic_news")
    assert bound in first["text"] and already not in first["text"]
    second = await running_bot.reply(owner, "/addchannel @civic_news")
    assert already in second["text"] and "«Civic news»" in second["text"]
    assert hour_label(DEFAULT_HOUR, language) in second["text"] and "Asia/Almaty" in second["text"]
    assert button_labels(second) == button_labels(first)  # the settings are one tap away
    await running_bot.reply(owner, "/removechannel @civic_news")
    third = await running_bot.reply(owner, "/addchannel @civic_news")
    assert again in third["text"]


async def test_a_channel_bound_from_a_group_gets_no_dead_buttons(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-1006002, "Редакция")
    admin = fake.user(6002, language_code="en")
    fake.set_member(group["id"], admin.id, "administrator")
    fake.add_channel(CHANNEL_ID, "civic_news", title="Civic news", admins=[admin.id])
    bound = await running_bot.reply(admin, "/addchannel @civic_news", chat=group)
    # Settings buttons act on a channel only from a private chat: none here, and the way there.
    assert button_labels(bound) == []
    assert "private chat" in bound["text"] and "/addchannel @civic_news" in bound["text"]


# --- /watch at its limits ------------------------------------------------------------------

WATCH_ANSWERS: dict[str, dict[str, str]] = {
    "ru": {
        "long": "не больше 100 символов, а в этом 5000",
        "no_words": "Здесь нет слов для поиска",
        "already": "у вас уже есть",
        "full": "это максимум",
        "paused": "Подписка приостановлена",
    },
    "kk": {
        "long": "100 таңбадан аспауы керек, ал мұнда 5000",
        "no_words": "Мұнда іздейтін сөз жоқ",
        "already": "сізде бұрыннан бар",
        "full": "бұл ең көп шама",
        "paused": "Жазылым тоқтатылған",
    },
    "en": {
        "long": "up to 100 characters long; this one has 5000",
        "no_words": "no words to look for",
        "already": "You already have the alert",
        "full": "the most allowed",
        "paused": "The subscription is paused",
    },
}


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
async def test_a_word_over_the_limit_is_refused_not_cut(
    running_bot: BotUnderTest, language: str
) -> None:
    user = await _subscribed(running_bot, 6010, language)
    answer = await running_bot.reply(user, "/watch " + "ж" * 5000)
    assert WATCH_ANSWERS[language]["long"] in answer["text"]
    assert await running_bot.archive.subscribers.watch_words(user.id) == []


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
async def test_odd_alerts_each_get_a_clear_answer(running_bot: BotUnderTest, language: str) -> None:
    words = WATCH_ANSWERS[language]
    user = await _subscribed(running_bot, 6011, language)
    for text in ("/watch ?!… — ...", "/watch 🎉🎉", "/watch 👍🏽 ❤️"):
        assert words["no_words"] in (await running_bot.reply(user, text))["text"], text
    added = await running_bot.reply(user, "/watch 🎉 гранты")
    assert "«🎉 гранты»" in added["text"]
    # The same words in another order, case or punctuation find the same news; «гранты»
    # alone is what «🎉 гранты» looks for.
    await running_bot.reply(user, "/watch нко гранты")
    for same in ("/watch Гранты, НКО!", "/watch «НКО» — ГРАНТЫ", "/watch гранты"):
        answer = await running_bot.reply(user, same)
        assert words["already"] in answer["text"], same
    stored = [w.phrase for w in await running_bot.archive.subscribers.watch_words(user.id)]
    assert stored == ["🎉 гранты", "нко гранты"]
    for n in range(MAX_PHRASES - len(stored)):
        await running_bot.archive.subscribers.add_watch(user.id, f"слово{n}")
    # A full list still says that an alert is already there, and refuses a new one by name.
    assert words["already"] in (await running_bot.reply(user, "/watch НКО гранты"))["text"]
    assert words["full"] in (await running_bot.reply(user, "/watch новое"))["text"]
    assert len(await running_bot.archive.subscribers.watch_words(user.id)) == MAX_PHRASES


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
async def test_an_alert_added_while_unsubscribed_does_not_promise_news(
    running_bot: BotUnderTest, language: str
) -> None:
    user = await _subscribed(running_bot, 6012, language)
    await running_bot.reply(user, "/stop")
    answer = await running_bot.reply(user, "/watch гранты")
    assert WATCH_ANSWERS[language]["paused"] in answer["text"] and "/start" in answer["text"]
    await running_bot.reply(user, "/start")
    resumed = await running_bot.reply(user, "/watch нко")
    assert WATCH_ANSWERS[language]["paused"] not in resumed["text"]


# --- commands in any case ------------------------------------------------------------------


def _command_filters() -> list[Command]:
    found: list[Command] = []
    pending = create_routers()
    while pending:
        router = pending.pop()
        pending.extend(router.sub_routers)
        for handler in router.message.handlers:
            found += [f.callback for f in handler.filters or [] if isinstance(f.callback, Command)]
    return found


def test_every_command_filter_ignores_case() -> None:
    filters = _command_filters()
    assert len(filters) >= 20
    assert [str(f) for f in filters if not f.ignore_case] == []


@pytest.mark.parametrize(
    ("language", "welcome", "nothing_new"),
    [
        ("ru", "Здравствуйте", "нет новых материалов"),
        ("kk", "Сәлеметсіз бе", "жаңа материал жоқ"),
        ("en", "Hello", "No new stories"),
    ],
)
async def test_commands_typed_in_capitals_work(
    running_bot: BotUnderTest, language: str, welcome: str, nothing_new: str
) -> None:
    user = running_bot.fake.user(6020, language_code=language)
    assert welcome in (await running_bot.reply(user, "/START"))["text"]
    assert nothing_new in (await running_bot.reply(user, "/Digest"))["text"]
    assert "civic-digest" in (await running_bot.reply(user, "/HELP"))["text"]
    switched = await running_bot.reply(user, "/Lang EN")
    assert "Language: English" in switched["text"]


async def test_capitals_and_mentions_in_a_group(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-1006021, "НКО чат")
    admin = fake.user(6021, language_code="ru")
    fake.set_member(group["id"], admin.id, "administrator")
    bot_name = fake.bot_username
    started = await running_bot.reply(admin, f"/START@{bot_name.upper()}", chat=group)
    assert "Здравствуйте" in started["text"]
    unknown = await running_bot.reply(admin, f"/frobnicate@{bot_name}", chat=group)
    assert "Команды /frobnicate@" in unknown["text"]
    # Commands for another bot, and unknown ones not addressed to us, are not ours to answer.
    fake.send_text(admin, "/help@some_other_bot", chat=group)
    fake.send_text(admin, "/frobnicate", chat=group)
    marker = await running_bot.reply(admin, f"/Help@{bot_name}", chat=group)
    assert "civic-digest" in marker["text"]
    assert len(fake.sent_messages(group["id"])) == 3


async def test_admin_commands_in_capitals(running_bot: BotUnderTest, archive: Archive) -> None:
    source, _ = await archive.sources.add("https://one.example.kz/rss", title="One")
    admin = running_bot.fake.user(ADMIN_ID, language_code="en")
    paused = await running_bot.reply(admin, f"/PauseFeed {source.id}")
    assert "paused" in paused["text"]
    assert "Feeds: 1" in (await running_bot.reply(admin, "/FEEDS"))["text"]
    stranger = running_bot.fake.user(6022, language_code="en")
    refused = await running_bot.reply(stranger, "/Stats")
    assert "only for the bot's administrators" in refused["text"]


# --- the throttle: admins at work, floods from others ----------------------------------------


async def test_an_admin_tuning_keywords_is_not_throttled(
    running_bot: BotUnderTest, archive: Archive
) -> None:
    throttle = _frozen(running_bot)
    await store_items(archive, [news_item(1, "Гранты для НКО", "НКО получили гранты.")])
    admin = running_bot.fake.user(ADMIN_ID, language_code="en")
    changes = 8  # far over both the search and the heavy bursts
    for n in range(changes):
        running_bot.fake.send_text(admin, f"/keywords add {n % 6 + 1} term{n}")
    await running_bot.fake.wait_for_messages(admin.id, changes, deadline=20)

    progress = running_bot.fake.sent_messages(admin.id)

    def now() -> list[str]:
        return [running_bot.current(message)["text"] for message in progress]

    await running_bot.fake.wait_until(
        lambda: not any("⏳" in text for text in now()), deadline=30, what="every re-scoring"
    )
    assert len(progress) == changes and all("Filter updated" in t for t in now()), now()
    assert len(await archive.terms.all()) == changes
    assert throttle.refused == 0


@pytest.mark.parametrize(
    ("language", "refusal", "slow_down"),
    [
        ("ru", "только для администраторов", "Слишком много запросов"),
        ("kk", "тек бот әкімшілеріне", "Сұраулар тым көп"),
        ("en", "only for the bot's administrators", "Too many requests"),
    ],
)
async def test_a_flood_of_admin_commands_from_others_gets_one_slow_down(
    running_bot: BotUnderTest, language: str, refusal: str, slow_down: str
) -> None:
    throttle = _frozen(running_bot)
    stranger = running_bot.fake.user(6030, language_code=language)
    flood = 30
    for n in range(flood):
        running_bot.fake.send_text(stranger, f"/keywords add 1 spam{n}")
    await wait_for(lambda: throttle.allowed + throttle.refused == flood)
    burst = throttle.rules["search"].burst
    await running_bot.fake.wait_for_messages(stranger.id, burst + 1)
    marker = await running_bot.reply(stranger, "/help")  # not throttled
    assert "civic-digest" in marker["text"]
    texts = running_bot.fake.texts(stranger.id)[:-1]
    assert sum(refusal in t for t in texts) == burst
    assert sum(slow_down in t for t in texts) == 1 and len(texts) == burst + 1


# --- one time format per language ----------------------------------------------------------

_SHORT_TIME = {
    "ru": re.compile(r"\b\d\d:\d\d\b(?!\s?[AP]M)"),
    "kk": re.compile(r"\b\d\d:\d\d\b(?!\s?[AP]M)"),
    "en": re.compile(r"\b\d{1,2}:\d\d\u202f[AP]M\b"),
}


@pytest.mark.parametrize(
    ("language", "nine"), [("ru", "09:00"), ("kk", "09:00"), ("en", "9:00\u202fAM")]
)
async def test_help_settings_and_dates_share_one_time_format(
    running_bot: BotUnderTest, archive: Archive, language: str, nine: str
) -> None:
    user = running_bot.fake.user(6040, language_code=language)
    help_text = (await running_bot.reply(user, "/help"))["text"]
    assert nine in help_text
    if language == "en":
        assert "09:00" not in help_text
    await running_bot.reply(user, "/start")
    settings = await running_bot.reply(user, "/settings")
    assert nine in settings["text"] and f"🕘 {nine}" in button_labels(settings)
    await store_items(archive, [news_item(1, "Гранты для НКО", "НКО получили гранты.")])
    latest = (await running_bot.reply(user, "/latest"))["text"]
    assert _SHORT_TIME[language].search(latest), latest


# --- what the walk through every command found ----------------------------------------------


@pytest.mark.parametrize(
    ("language", "given", "code", "answer"),
    [
        ("ru", "kz", "kk", "Тіл: Қазақша"),
        ("en", "Қазақша", "kk", "Тіл: Қазақша"),
        ("kk", "русский", "ru", "Язык: Русский"),
        ("ru", "ENGLISH", "en", "Language: English"),
    ],
)
async def test_lang_understands_names_and_kz(
    running_bot: BotUnderTest, language: str, given: str, code: str, answer: str
) -> None:
    user = await _subscribed(running_bot, 6050, language)
    switched = await running_bot.reply(user, f"/lang {given}")
    assert answer in switched["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.language == code


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("ru", "не больше 60 символов"),
        ("kk", "60 таңбадан аспауы керек"),
        ("en", "up to 60 characters long"),
    ],
)
async def test_a_keyword_over_the_limit_is_named(
    running_bot: BotUnderTest, archive: Archive, language: str, expected: str
) -> None:
    admin = running_bot.fake.user(ADMIN_ID, language_code=language)
    answer = await running_bot.reply(admin, "/keywords add 1 " + "слово" * 20)
    assert expected in answer["text"]
    assert await archive.terms.all() == []


async def test_english_admin_counts_read_right_for_one(
    running_bot: BotUnderTest, archive: Archive
) -> None:
    await archive.sources.add("https://one.example.kz/rss", title="One")
    admin = running_bot.fake.user(ADMIN_ID, language_code="en")
    running_bot.fake.send_text(admin, "/export")
    await running_bot.fake.wait_for_calls("sendDocument", 1)
    (call,) = running_bot.fake.calls("sendDocument")
    caption: Any = call.params.get("caption")
    assert caption == "Feeds in OPML: 1."
