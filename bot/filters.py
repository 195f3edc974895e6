"""Filters shared by handler modules: commands as people type them, and who counts as an admin."""

from __future__ import annotations

from aiogram import Bot
from aiogram.filters import Command, CommandStart, Filter
from aiogram.types import Message, TelegramObject, User
from magic_filter import MagicFilter

from bot.config import Settings


def on_command(*names: str, magic: MagicFilter | None = None) -> Command:
    """A command filter that ignores case: Telegram passes on what people type, so `/START`,
    `/Digest` and `/help@Civic_Bot` are the commands they mean. Every handler of ours
    registers its commands through this (or `on_start`), never through `Command`."""
    return Command(*names, ignore_case=True, magic=magic)


def on_start() -> CommandStart:
    """`/start` (with an optional deep-link payload), in any case."""
    return CommandStart(ignore_case=True)


class AddressedToUs(Filter):
    """Passes for a command written `/name@our_bot` (any case): in a group, a command meant
    for us that no handler took still deserves an answer; one for another bot does not."""

    async def __call__(self, message: Message, bot: Bot) -> bool:
        text = message.text or ""
        if not text.startswith("/"):
            return False
        mention = text.split(maxsplit=1)[0].partition("@")[2]
        if not mention:
            return False
        username = (await bot.me()).username
        return username is not None and mention.casefold() == username.casefold()


class IsAdmin(Filter):
    """Passes when the update comes from a user listed in ADMIN_IDS.

    The sender is the `from` of the message or callback query (aiogram's `event_from_user`),
    never the chat: a forged button press from someone else in a group is not an admin's.
    """

    async def __call__(
        self,
        event: TelegramObject,
        event_from_user: User | None = None,
        settings: Settings | None = None,
    ) -> bool:
        if event_from_user is None or settings is None:
            return False
        return event_from_user.id in settings.admin_ids
