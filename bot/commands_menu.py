"""The command menu Telegram shows next to the input field, in ru, kk and en.

Everyone sees the subscriber commands; each admin additionally sees the admin commands in
their own private chat (BotCommandScopeChat), which Telegram resolves before the default.
Command names are a contract (docs/architecture.md): keep them exactly.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import BotCommand, BotCommandScopeChat, BotCommandScopeDefault

from bot.i18n import LANGUAGES, translate

log = logging.getLogger(__name__)

# (command, description msgid in the `messages` domain)
USER_COMMANDS: tuple[tuple[str, str], ...] = (
    ("start", "Subscribe to the digest"),
    ("search", "Search the news archive"),
    ("latest", "The newest stories"),
    ("digest", "Your digest now"),
    ("topics", "Choose topics"),
    ("settings", "Schedule, time and language"),
    ("watch", "Alerts for your words"),
    ("lang", "Interface language"),
    ("addchannel", "Post the digest to your channel"),
    ("help", "What the bot does and what it stores"),
    ("stop", "Unsubscribe"),
    ("forget", "Delete everything stored about this chat"),
)

ADMIN_COMMANDS: tuple[tuple[str, str], ...] = (
    ("addfeed", "Admin: add a feed"),
    ("feeds", "Admin: feeds and their health"),
    ("removefeed", "Admin: remove a feed"),
    ("pausefeed", "Admin: pause a feed"),
    ("resumefeed", "Admin: resume a feed"),
    ("poll", "Admin: poll the feeds now"),
    ("stats", "Admin: statistics"),
    ("keywords", "Admin: tune the filter"),
    ("export", "Admin: export the feeds as OPML"),
)


def menu(commands: Iterable[tuple[str, str]], language: str) -> list[BotCommand]:
    """BotCommand objects with descriptions in `language`."""
    return [
        BotCommand(command=name, description=translate("messages", language, description))
        for name, description in commands
    ]


async def publish_commands(bot: Bot, admin_ids: Iterable[int]) -> None:
    """Set the menus; a failure is logged, never fatal (the bot works without a menu)."""
    try:
        for language in (None, *LANGUAGES):
            shown = language or "en"
            await bot.set_my_commands(
                menu(USER_COMMANDS, shown), scope=BotCommandScopeDefault(), language_code=language
            )
            for admin_id in sorted(admin_ids):
                await bot.set_my_commands(
                    menu((*USER_COMMANDS, *ADMIN_COMMANDS), shown),
                    scope=BotCommandScopeChat(chat_id=admin_id),
                    language_code=language,
                )
    except TelegramAPIError as exc:
        log.warning("could not publish the command menu: %s", exc)
