"""The command menu: every contract command, in ru/kk/en, admins' extras in their own chat."""

from __future__ import annotations

import re

import pytest

from bot.commands_menu import ADMIN_COMMANDS, USER_COMMANDS
from tests.e2e.conftest import ADMIN_ID, BotUnderTest, bot_settings, fake_telegram, running_bot

__all__ = ["bot_settings", "fake_telegram", "running_bot"]

# docs/architecture.md: the Telegram commands are a contract.
CONTRACT_USER = {
    "start",
    "help",
    "search",
    "latest",
    "digest",
    "topics",
    "settings",
    "lang",
    "stop",
}
CONTRACT_ADMIN = {
    "addfeed",
    "feeds",
    "removefeed",
    "pausefeed",
    "resumefeed",
    "poll",
    "stats",
    "keywords",
    "export",
}


def test_menus_name_every_contract_command() -> None:
    users = {name for name, _ in USER_COMMANDS}
    admins = {name for name, _ in ADMIN_COMMANDS}
    assert users >= CONTRACT_USER
    assert admins >= CONTRACT_ADMIN
    assert not users & admins
    for name, _ in (*USER_COMMANDS, *ADMIN_COMMANDS):
        assert re.fullmatch(r"[a-z0-9_]{1,32}", name)


@pytest.mark.parametrize(
    ("language", "start_description"),
    [
        ("ru", "Подписаться на дайджест"),
        ("kk", "Дайджестке жазылу"),
        ("en", "Subscribe to the digest"),
        ("", "Subscribe to the digest"),
    ],
)
async def test_startup_publishes_the_menus(
    running_bot: BotUnderTest, language: str, start_description: str
) -> None:
    fake = running_bot.fake
    everyone = fake.commands(None, language)
    assert {c["command"] for c in everyone} == {name for name, _ in USER_COMMANDS}
    assert {"command": "start", "description": start_description} in everyone
    for command in everyone:
        assert 1 <= len(command["description"]) <= 256
    admin = fake.commands({"type": "chat", "chat_id": ADMIN_ID}, language)
    assert {c["command"] for c in admin} == {n for n, _ in (*USER_COMMANDS, *ADMIN_COMMANDS)}


async def test_descriptions_are_translated(running_bot: BotUnderTest) -> None:
    fake = running_bot.fake
    by_language = {
        language: [
            c["description"] for c in fake.commands({"type": "chat", "chat_id": ADMIN_ID}, language)
        ]
        for language in ("ru", "kk", "en")
    }
    for language in ("ru", "kk"):
        same = set(by_language[language]) & set(by_language["en"])
        assert not same, f"untranslated in {language}: {same}"
