"""/help says what is stored and why; /forget deletes all of it after a confirmation."""

from __future__ import annotations

import pytest

from bot.keyboards import ForgetCallback
from tests.e2e.conftest import BotUnderTest, bot_settings, button_labels, fake_telegram, running_bot
from tests.fakes.telegram_updates import group_chat

__all__ = ["bot_settings", "fake_telegram", "running_bot"]


@pytest.mark.parametrize(
    ("language", "stored_heading", "forget_line"),
    [
        ("ru", "Что хранится и зачем", "/forget удаляет всё это сразу"),
        ("kk", "Не сақталады және не үшін", "/forget мұның бәрін бірден жояды"),
        ("en", "What is stored, and why", "/forget deletes all of it at once"),
    ],
)
async def test_help_explains_commands_and_storage(
    running_bot: BotUnderTest, language: str, stored_heading: str, forget_line: str
) -> None:
    user = running_bot.fake.user(6001, language_code=language)
    answer = await running_bot.reply(user, "/help")
    for expected in (stored_heading, forget_line, "/start", "/search", "/watch", "/settings"):
        assert expected in answer["text"]


async def _chat_with_everything(running_bot: BotUnderTest, user_id: int) -> int:
    user = running_bot.fake.user(user_id, language_code="en")
    await running_bot.reply(user, "/start")
    await running_bot.reply(user, "/watch grants")
    outbox = running_bot.archive.outbox
    await outbox.enqueue(user.id, "digest:1", ["sent before"], story_ids=[1, 2])
    await outbox.enqueue(user.id, "digest:2", ["waiting"], story_ids=[3])
    return user_id


async def _traces(running_bot: BotUnderTest, chat_id: int) -> tuple[object, ...]:
    archive = running_bot.archive
    return (
        await archive.subscribers.get(chat_id),
        await archive.subscribers.watch_words(chat_id),
        await archive.outbox.delivered_stories(chat_id, [1, 2, 3]),
        await archive.outbox.existing_keys([(chat_id, "digest:1"), (chat_id, "digest:2")]),
    )


async def test_forget_deletes_everything_after_confirmation(running_bot: BotUnderTest) -> None:
    user_id = await _chat_with_everything(running_bot, 6002)
    bystander = await _chat_with_everything(running_bot, 6003)
    user = running_bot.fake.user(user_id, language_code="en")
    question = await running_bot.reply(user, "/forget")
    assert "cannot be undone" in question["text"]
    assert button_labels(question) == ["Yes, delete everything", "Cancel"]
    await running_bot.press(user, question, "Yes, delete everything")
    assert "nothing about this chat is stored" in running_bot.current(question)["text"]
    assert await _traces(running_bot, user_id) == (None, [], set(), set())
    kept = await _traces(running_bot, bystander)
    assert kept[0] is not None and kept[2] == {1, 2, 3} and len(kept[3]) == 2


async def test_forget_cancelled_keeps_everything(running_bot: BotUnderTest) -> None:
    user_id = await _chat_with_everything(running_bot, 6004)
    user = running_bot.fake.user(user_id, language_code="en")
    question = await running_bot.reply(user, "/forget")
    await running_bot.press(user, question, "Cancel")
    assert "Nothing was deleted" in running_bot.current(question)["text"]
    subscriber, words, delivered, keys = await _traces(running_bot, user_id)
    assert subscriber is not None and words and delivered == {1, 2, 3} and len(keys) == 2  # type: ignore[arg-type]


async def test_forget_for_another_chat_is_refused(running_bot: BotUnderTest) -> None:
    victim = await _chat_with_everything(running_bot, 6005)
    attacker = running_bot.fake.user(6006, language_code="en")
    question = await running_bot.reply(attacker, "/forget")
    forged = ForgetCallback(chat=victim, confirm=True).pack()
    answer = await running_bot.press(attacker, question, data=forged)
    assert answer.params.get("show_alert") is True
    assert (await _traces(running_bot, victim))[0] is not None


async def test_only_group_admins_may_forget_a_group(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-1006007, "Совет")
    admin, member = fake.user(6007, language_code="ru"), fake.user(6008, language_code="ru")
    fake.set_member(group["id"], admin.id, "administrator")
    await running_bot.reply(admin, "/start", chat=group)
    refused = await running_bot.reply(member, "/forget", chat=group)
    assert "администраторы" in refused["text"]
    question = await running_bot.reply(admin, "/forget", chat=group)
    answer = await running_bot.press(member, question, "Да, удалить всё")
    assert answer.params.get("show_alert") is True
    assert await running_bot.archive.subscribers.get(group["id"]) is not None
    await running_bot.press(admin, question, "Да, удалить всё")
    assert await running_bot.archive.subscribers.get(group["id"]) is None


async def test_user_content_is_logged_only_at_debug_level(
    running_bot: BotUnderTest, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level("INFO")
    user = running_bot.fake.user(6009, language_code="en")
    await running_bot.reply(user, "/start")
    await running_bot.reply(user, "/watch secret-phrase-for-the-log-test")
    assert "secret-phrase-for-the-log-test" not in caplog.text
    assert "6009" in caplog.text  # which chat did what is logged, not what they wrote
