"""Groups and channels: joining, leaving, binding a channel, supergroup migration."""

from __future__ import annotations

import pytest

from bot.handlers.chats import parse_channel_ref
from bot.keyboards import SettingsCallback
from feeds.archive.subscribers import Subscriber
from tests.conftest import wait_for
from tests.e2e.conftest import ADMIN_ID, BotUnderTest, bot_settings, fake_telegram, running_bot
from tests.fakes.telegram_updates import group_chat

__all__ = ["bot_settings", "fake_telegram", "running_bot"]

CHANNEL_ID = -1001234567890


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("@civic_news", "@civic_news"),
        ("civic_news", "@civic_news"),
        ("https://t.me/civic_news", "@civic_news"),
        ("t.me/civic_news", "@civic_news"),
        ("-1001234567890", -1001234567890),
        ("", None),
        ("@ab", None),
        ("@name; DROP TABLE", None),
        ("https://example.com/civic_news", None),
        ("-42", None),
    ],
)
def test_parse_channel_ref(text: str, ref: str | int | None) -> None:
    assert parse_channel_ref(text) == ref


async def _status(running_bot: BotUnderTest, chat_id: int) -> str | None:
    subscriber = await running_bot.archive.subscribers.get(chat_id)
    return subscriber.status if subscriber else None


async def test_blocking_the_bot_stops_deliveries(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(5001, language_code="ru")
    await running_bot.reply(user, "/start")
    running_bot.fake.membership(user.private_chat(), user, "member", "kicked")

    async def blocked() -> bool:
        return await _status(running_bot, user.id) == "blocked"

    await wait_for(blocked)
    back = await running_bot.reply(user, "/start")
    assert "С возвращением" in back["text"]
    assert await _status(running_bot, user.id) == "active"


async def test_added_to_a_group_greets_and_removed_marks_blocked(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-1005001, "Гражданский форум")
    admin = fake.user(5002, language_code="kk")
    fake.set_member(group["id"], admin.id, "creator")
    fake.membership(group, admin, "left", "member")
    (greeting,) = await fake.wait_for_messages(group["id"], 1)
    assert "/start" in greeting["text"] and "ҮЕҰ" in greeting["text"]
    await running_bot.reply(admin, "/start", chat=group)
    assert await _status(running_bot, group["id"]) == "active"
    fake.membership(group, admin, "member", "left")

    async def blocked() -> bool:
        return await _status(running_bot, group["id"]) == "blocked"

    await wait_for(blocked)


async def test_in_a_group_only_admins_subscribe_and_plain_text_is_ignored(
    running_bot: BotUnderTest,
) -> None:
    fake = running_bot.fake
    group = group_chat(-1005002, "Волонтёры")
    member = fake.user(5003, language_code="ru")
    refused = await running_bot.reply(member, "/start", chat=group)
    assert "администраторы" in refused["text"]
    assert await _status(running_bot, group["id"]) is None
    fake.send_text(member, "просто разговор о грантах", chat=group)
    await running_bot.reply(member, f"/help@{fake.bot_username}", chat=group)
    assert len(fake.sent_messages(group["id"])) == 2  # the refusal and /help: no search reply


async def test_group_migration_moves_the_subscription(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    group = group_chat(-5004, "Старая группа", supergroup=False)
    admin = fake.user(5004, language_code="en")
    fake.set_member(group["id"], admin.id, "administrator")
    await running_bot.reply(admin, "/start", chat=group)
    await running_bot.archive.subscribers.update(group["id"], hour=7)
    fake.enqueue(
        {
            "message": {
                "message_id": 99,
                "date": 1,
                "chat": group,
                "from": admin.as_dict(),
                "migrate_to_chat_id": -1005004,
            }
        }
    )

    async def moved() -> bool:
        return await running_bot.archive.subscribers.get(-1005004) is not None

    await wait_for(moved)
    subscriber = await running_bot.archive.subscribers.get(-1005004)
    assert subscriber is not None and subscriber.hour == 7 and subscriber.chat_type == "supergroup"
    assert await running_bot.archive.subscribers.get(group["id"]) is None


async def test_a_channel_admin_binds_a_channel(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    owner = fake.user(5005, language_code="kk")
    fake.add_channel(CHANNEL_ID, "civic_news", title="Азаматтық жаңалықтар", admins=[owner.id])
    bound = await running_bot.reply(owner, "/addchannel @civic_news")
    assert "«Азаматтық жаңалықтар» арнасы қосылды" in bound["text"]
    subscriber = await running_bot.archive.subscribers.get(CHANNEL_ID)
    assert subscriber is not None
    assert (subscriber.chat_type, subscriber.language, subscriber.added_by, subscriber.status) == (
        "channel",
        "kk",
        owner.id,
        "active",
    )
    again = await running_bot.reply(owner, "/addchannel https://t.me/civic_news")
    assert "бұрыннан қосылған" in again["text"]
    unbound = await running_bot.reply(owner, "/removechannel @civic_news")
    assert "енді дайджест жіберілмейді" in unbound["text"]
    assert await _status(running_bot, CHANNEL_ID) == "stopped"
    assert "қосылмаған" in (await running_bot.reply(owner, "/removechannel @civic_news"))["text"]


async def test_a_bot_admin_may_bind_any_channel_where_the_bot_posts(
    running_bot: BotUnderTest,
) -> None:
    fake = running_bot.fake
    admin = fake.user(ADMIN_ID, language_code="en")
    fake.add_channel(CHANNEL_ID, "ngo_wire", title="NGO wire")
    bound = await running_bot.reply(admin, "/addchannel @ngo_wire")
    assert "is bound" in bound["text"]


@pytest.mark.parametrize(
    ("setup", "command", "expected"),
    [
        ("none", "/addchannel", "Name the channel"),
        ("none", "/addchannel @nobody_here", "cannot find"),
        ("not_admin", "/addchannel @civic_news", "Only the channel's admins"),
        ("bot_member", "/addchannel @civic_news", "Make the bot an administrator"),
        ("group", "/addchannel @some_group", "not a channel"),
    ],
)
async def test_channel_binding_refusals(
    running_bot: BotUnderTest, setup: str, command: str, expected: str
) -> None:
    fake = running_bot.fake
    user = fake.user(5006, language_code="en")
    if setup == "not_admin":
        fake.add_channel(CHANNEL_ID, "civic_news")
    elif setup == "bot_member":
        fake.add_channel(CHANNEL_ID, "civic_news", bot_status="member", admins=[user.id])
    elif setup == "group":
        fake.add_chat({**group_chat(-1005006, "A group"), "username": "some_group"})
    answer = await running_bot.reply(user, command)
    assert expected in answer["text"]
    assert await _status(running_bot, CHANNEL_ID) is None


async def test_a_channel_subscriber_is_listed_as_active(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    owner = fake.user(5007, language_code="ru")
    fake.add_channel(CHANNEL_ID, "civic_news", admins=[owner.id])
    await running_bot.reply(owner, "/addchannel @civic_news")
    active: list[Subscriber] = await running_bot.archive.subscribers.active("daily")
    assert [s.chat_id for s in active] == [CHANNEL_ID]


async def test_channel_admins_change_its_settings_from_their_private_chat(
    running_bot: BotUnderTest,
) -> None:
    fake = running_bot.fake
    owner = fake.user(5008, language_code="kk")
    stranger = fake.user(5009, language_code="kk")
    fake.add_channel(CHANNEL_ID, "civic_news", title="Азаматтық жаңалықтар", admins=[owner.id])
    bound = await running_bot.reply(owner, "/addchannel @civic_news")
    await running_bot.press(owner, bound, "Баптаулар")
    screen = running_bot.current(bound)
    assert "Арна: Азаматтық жаңалықтар" in screen["text"]
    await running_bot.press(owner, screen, "Апта сайын")
    channel = await running_bot.archive.subscribers.get(CHANNEL_ID)
    assert channel is not None and channel.mode == "weekly"
    own = await running_bot.archive.subscribers.get(owner.id)
    assert own is None  # the owner's own chat was not subscribed by this

    await running_bot.reply(stranger, "/start")
    stranger_screen = await running_bot.reply(stranger, "/settings")
    forged = SettingsCallback(chat=CHANNEL_ID, action="mode", value="off").pack()
    answer = await running_bot.press(stranger, stranger_screen, data=forged)
    assert answer.params.get("show_alert") is True
    channel = await running_bot.archive.subscribers.get(CHANNEL_ID)
    assert channel is not None and channel.mode == "weekly"
