"""/start and /stop through the real dispatcher and aiogram session, against the fake Bot API."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import BotUnderTest, bot_settings, button_labels, fake_telegram, running_bot

__all__ = ["bot_settings", "fake_telegram", "running_bot"]


@pytest.mark.parametrize(
    ("language_code", "stored", "welcome_word", "settings_button"),
    [
        ("ru", "ru", "Здравствуйте", "Настройки"),
        ("kk", "kk", "Сәлеметсіз бе", "Баптаулар"),
        ("en", "en", "Hello", "Settings"),
        ("de", "en", "Hello", "Settings"),
        (None, "en", "Hello", "Settings"),
    ],
)
async def test_start_subscribes_in_the_users_language(
    running_bot: BotUnderTest,
    language_code: str | None,
    stored: str,
    welcome_word: str,
    settings_button: str,
) -> None:
    user = running_bot.fake.user(1001, language_code=language_code)
    welcome = await running_bot.reply(user, "/start")
    assert welcome_word in welcome["text"]
    assert len(welcome["text"].splitlines()) == 3
    assert any(settings_button in label for label in button_labels(welcome))
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None
    assert (subscriber.language, subscriber.mode, subscriber.hour, subscriber.topics) == (
        stored,
        "daily",
        9,
        [],
    )
    assert subscriber.timezone == "Asia/Almaty"


async def test_start_again_keeps_the_settings(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(1002, language_code="en")
    await running_bot.reply(user, "/start")
    await running_bot.archive.subscribers.update(
        user.id, mode="weekly", hour=18, topics=["human_rights"]
    )
    again = await running_bot.reply(user, "/start")
    assert "already subscribed" in again["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None
    assert (subscriber.mode, subscriber.hour, subscriber.topics) == ("weekly", 18, ["human_rights"])


async def test_stop_then_start_resumes(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(1003, language_code="ru")
    await running_bot.reply(user, "/start")
    stopped = await running_bot.reply(user, "/stop")
    assert "отписались" in stopped["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.status == "stopped"
    back = await running_bot.reply(user, "/start")
    assert "С возвращением" in back["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.status == "active"


async def test_stop_without_subscription_says_so(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(1004, language_code="kk")
    answer = await running_bot.reply(user, "/stop")
    assert "жазылмаған" in answer["text"]


@pytest.mark.parametrize(
    ("payload", "topics"),
    [("human_rights", ["human_rights"]), ("no_such_topic", []), ("", [])],
)
async def test_deep_link_subscribes_to_one_topic(
    running_bot: BotUnderTest, payload: str, topics: list[str]
) -> None:
    user = running_bot.fake.user(1005, language_code="en")
    welcome = await running_bot.reply(user, f"/start {payload}".strip())
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.topics == topics
    if topics:
        assert "Human rights" in welcome["text"]


async def test_deep_link_adds_a_topic_to_a_chosen_set(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(1006, language_code="en")
    await running_bot.reply(user, "/start human_rights")
    await running_bot.reply(user, "/start charity_volunteering")
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None
    assert subscriber.topics == ["human_rights", "charity_volunteering"]
