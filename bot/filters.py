"""Filters shared by handler modules: who counts as an admin."""

from __future__ import annotations

from aiogram.filters import Filter
from aiogram.types import TelegramObject, User

from bot.config import Settings


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
