"""/settings, /topics, /lang and their buttons: changes stored at once, keyboards edited in place."""

from __future__ import annotations

import pytest

from bot.keyboards import SettingsCallback
from tests.e2e.conftest import BotUnderTest, bot_settings, button_labels, fake_telegram, running_bot
from tests.fakes.telegram_updates import FakeUser, group_chat

__all__ = ["bot_settings", "fake_telegram", "running_bot"]


async def _subscribed(running_bot: BotUnderTest, user_id: int, language: str) -> FakeUser:
    user = running_bot.fake.user(user_id, language_code=language)
    await running_bot.reply(user, "/start")
    return user


@pytest.mark.parametrize(
    ("language", "title", "daily"),
    [
        ("ru", "Настройки", "Ежедневно"),
        ("kk", "Баптаулар", "Күн сайын"),
        ("en", "Settings", "Daily"),
    ],
)
async def test_settings_screen_in_each_language(
    running_bot: BotUnderTest, language: str, title: str, daily: str
) -> None:
    user = await _subscribed(running_bot, 2001, language)
    screen = await running_bot.reply(user, "/settings")
    assert title in screen["text"]
    assert "Asia/Almaty" in screen["text"]
    assert f"✓ {daily}" in button_labels(screen)


async def test_mode_button_is_stored_and_the_keyboard_edited_in_place(
    running_bot: BotUnderTest,
) -> None:
    user = await _subscribed(running_bot, 2002, "en")
    screen = await running_bot.reply(user, "/settings")
    answer = await running_bot.press(user, screen, "Weekly")
    assert answer.params.get("text") == "Saved"
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.mode == "weekly"
    edited = running_bot.current(screen)
    labels = button_labels(edited)
    assert "✓ Weekly" in labels and "Daily" in labels
    assert any("Monday" in label for label in labels)  # the weekday button appears for weekly
    assert "Digest: once a week, Monday at 9:00\u202fAM" in edited["text"]
    assert len(running_bot.fake.sent_messages(user.id)) == 2  # edited, not sent anew


async def test_hour_and_weekday_pickers(running_bot: BotUnderTest) -> None:
    user = await _subscribed(running_bot, 2003, "ru")
    screen = await running_bot.reply(user, "/settings")
    await running_bot.press(user, screen, "Еженедельно")
    await running_bot.press(user, screen, "🕘")
    assert "Во сколько" in running_bot.current(screen)["text"]
    await running_bot.press(user, screen, "18:00")
    await running_bot.press(user, screen, "📅")
    await running_bot.press(user, screen, "пятница")
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None
    assert (subscriber.mode, subscriber.hour, subscriber.weekday) == ("weekly", 18, 4)
    assert "пятница, 18:00" in running_bot.current(screen)["text"]


async def test_topic_toggles(running_bot: BotUnderTest) -> None:
    user = await _subscribed(running_bot, 2004, "kk")
    screen = await running_bot.reply(user, "/topics")
    assert "✓ Барлық тақырып" in button_labels(screen)
    await running_bot.press(user, screen, "Адам құқықтары")
    await running_bot.press(user, screen, "ҮЕҰ және азаматтық қоғам")
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None
    assert subscriber.topics == ["ngo_civil_society", "human_rights"]  # digest order
    labels = button_labels(running_bot.current(screen))
    assert "✓ Адам құқықтары" in labels and "Барлық тақырып" in labels
    await running_bot.press(user, screen, "✓ Адам құқықтары")
    await running_bot.press(user, screen, "Барлық тақырып")
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.topics == []


async def test_language_button_switches_the_screen_language(running_bot: BotUnderTest) -> None:
    user = await _subscribed(running_bot, 2005, "ru")
    screen = await running_bot.reply(user, "/lang")
    await running_bot.press(user, screen, "Қазақша")
    assert "Баптаулар" in running_bot.current(screen)["text"]
    after = await running_bot.reply(user, "/settings")
    assert "Баптаулар" in after["text"]


@pytest.mark.parametrize(
    ("argument", "expected", "stored"),
    [
        ("kk", "Тіл: Қазақша", "kk"),
        ("EN", "Language: English", "en"),
        ("fr", "Неизвестный язык", "ru"),
    ],
)
async def test_lang_with_an_argument(
    running_bot: BotUnderTest, argument: str, expected: str, stored: str
) -> None:
    user = await _subscribed(running_bot, 2006, "ru")
    answer = await running_bot.reply(user, f"/lang {argument}")
    assert expected in answer["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and subscriber.language == stored


async def test_settings_before_start_point_to_start(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(2007, language_code="en")
    for command in ("/settings", "/topics", "/lang"):
        answer = await running_bot.reply(user, command)
        assert "/start" in answer["text"]


async def test_a_forged_callback_for_another_chat_is_refused(running_bot: BotUnderTest) -> None:
    victim = await _subscribed(running_bot, 2008, "en")
    attacker = await _subscribed(running_bot, 2009, "en")
    own_screen = await running_bot.reply(attacker, "/settings")
    forged = SettingsCallback(chat=victim.id, action="mode", value="off").pack()
    answer = await running_bot.press(attacker, own_screen, data=forged)
    assert answer.params.get("show_alert") is True
    assert "another chat" in answer.params["text"] or "not belong" in answer.params["text"]
    victim_row = await running_bot.archive.subscribers.get(victim.id)
    attacker_row = await running_bot.archive.subscribers.get(attacker.id)
    assert victim_row is not None and victim_row.mode == "daily"
    assert attacker_row is not None and attacker_row.mode == "daily"


@pytest.mark.parametrize(
    "data",
    [
        "set:{chat}:mode:sometimes",
        "set:{chat}:hour:24",
        "set:{chat}:topic:99",
        "set:{chat}:nope:",
        "set:oops",
        "watch:{chat}:x",
        "forget:{chat}:maybe",
    ],
)
async def test_malformed_buttons_are_answered(running_bot: BotUnderTest, data: str) -> None:
    user = await _subscribed(running_bot, 2010, "en")
    screen = await running_bot.reply(user, "/settings")
    answer = await running_bot.press(user, screen, data=data.format(chat=user.id))
    assert "out of date" in answer.params["text"]
    subscriber = await running_bot.archive.subscribers.get(user.id)
    assert subscriber is not None and (subscriber.mode, subscriber.hour) == ("daily", 9)


async def test_in_a_group_only_admins_change_settings(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-1002001, "НКО Алматы")
    admin = fake.user(2011, language_code="ru")
    member = fake.user(2012, language_code="ru")
    fake.set_member(group["id"], admin.id, "administrator")
    welcome = await running_bot.reply(admin, "/start", chat=group)
    assert "civic-digest" in welcome["text"]
    refused = await running_bot.reply(member, "/settings", chat=group)
    assert "администраторы" in refused["text"]
    screen = await running_bot.reply(admin, "/settings", chat=group)
    answer = await running_bot.press(member, screen, "Выкл.")
    assert answer.params.get("show_alert") is True
    subscriber = await running_bot.archive.subscribers.get(group["id"])
    assert subscriber is not None and subscriber.mode == "daily"
    await running_bot.press(admin, screen, "Выкл.")
    subscriber = await running_bot.archive.subscribers.get(group["id"])
    assert subscriber is not None and subscriber.mode == "off"
