"""/watch: adding, listing and removing alert phrases; odd input answered, never crashed on."""

from __future__ import annotations

import pytest

from bot.handlers.watch import MAX_PHRASES, clean_phrase
from bot.keyboards import WatchCallback
from tests.e2e.conftest import BotUnderTest, bot_settings, button_labels, fake_telegram, running_bot
from tests.fakes.telegram_updates import FakeUser

__all__ = ["bot_settings", "fake_telegram", "running_bot"]


async def _subscribed(running_bot: BotUnderTest, user_id: int, language: str) -> FakeUser:
    user = running_bot.fake.user(user_id, language_code=language)
    await running_bot.reply(user, "/start")
    return user


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Гранты  НКО", "гранты нко"),
        ("\u200bгос\u200dсоцзаказ\u200f", "госсоцзаказ"),
        ("  \t\n", None),
        ("!!! ???", None),
        ("\ud800", None),
        ("ҮЕҰ " * 60, ("үеұ " * 60).strip()),  # never cut: /watch refuses it whole
    ],
)
def test_clean_phrase(raw: str, clean: str | None) -> None:
    assert clean_phrase(raw) == clean


@pytest.mark.parametrize(
    ("language", "empty_hint"),
    [("ru", "Оповещений пока нет"), ("kk", "Әзірге хабарландыру жоқ"), ("en", "no alerts yet")],
)
async def test_watch_alone_explains_then_lists(
    running_bot: BotUnderTest, language: str, empty_hint: str
) -> None:
    user = await _subscribed(running_bot, 4001, language)
    empty = await running_bot.reply(user, "/watch")
    assert empty_hint in empty["text"]
    added = await running_bot.reply(user, "/watch Гранты для НКО")
    assert "«гранты для нко»" in added["text"]
    listing = await running_bot.reply(user, "/watch")
    assert "• гранты для нко" in listing["text"]
    assert button_labels(listing) == ["✕ гранты для нко"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.watch_words == ["гранты для нко"]


async def test_remove_button_edits_the_list_in_place(running_bot: BotUnderTest) -> None:
    user = await _subscribed(running_bot, 4002, "en")
    await running_bot.reply(user, "/watch grants")
    await running_bot.reply(user, "/watch human rights")
    listing = await running_bot.reply(user, "/watch")
    answer = await running_bot.press(user, listing, "✕ grants")
    assert answer.params["text"] == "Alert removed."
    assert button_labels(running_bot.current(listing)) == ["✕ human rights"]
    words = await running_bot.archive.subscribers.watch_words(user.id)
    assert [w.phrase for w in words] == ["human rights"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/watch \u200b\u200f\u202e", "no words to look for"),
        ("/watch <b>&amp;</b>", "«<b>&amp;</b>»"),  # shown as written: escaped
        ("/watch one two three four five six", "up to 5 words"),
        ("/watch " + "x" * 4000, "up to 100 characters long; this one has 4000"),
    ],
)
async def test_odd_input_is_answered(running_bot: BotUnderTest, text: str, expected: str) -> None:
    user = await _subscribed(running_bot, 4003, "en")
    answer = await running_bot.reply(user, text)
    assert expected in answer["text"]


async def test_duplicates_and_the_limit(running_bot: BotUnderTest) -> None:
    user = await _subscribed(running_bot, 4004, "en")
    await running_bot.reply(user, "/watch grants")
    again = await running_bot.reply(user, "/watch GRANTS")
    assert "already have" in again["text"]
    for n in range(MAX_PHRASES - 1):
        await running_bot.reply(user, f"/watch word{n}")
    refused = await running_bot.reply(user, "/watch one more")
    assert "the most allowed" in refused["text"]
    assert len(await running_bot.archive.subscribers.watch_words(user.id)) == MAX_PHRASES


async def test_watch_needs_a_subscription(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(4005, language_code="ru")
    answer = await running_bot.reply(user, "/watch гранты")
    assert "/start" in answer["text"]


async def test_another_chats_alert_cannot_be_removed(running_bot: BotUnderTest) -> None:
    victim = await _subscribed(running_bot, 4006, "en")
    attacker = await _subscribed(running_bot, 4007, "en")
    await running_bot.reply(victim, "/watch grants")
    (word,) = await running_bot.archive.subscribers.watch_words(victim.id)
    await running_bot.reply(attacker, "/watch anything")
    listing = await running_bot.reply(attacker, "/watch")
    # The victim's chat in the data: refused; the attacker's chat with the victim's id: no effect.
    refused = await running_bot.press(
        attacker, listing, data=WatchCallback(chat=victim.id, watch_id=word.id).pack()
    )
    assert refused.params.get("show_alert") is True
    await running_bot.press(
        attacker, listing, data=WatchCallback(chat=attacker.id, watch_id=word.id).pack()
    )
    assert [w.phrase for w in await running_bot.archive.subscribers.watch_words(victim.id)] == [
        "grants"
    ]
