"""What the admin handler modules share: the catalog, the command names, small parsers."""

from __future__ import annotations

import secrets
from collections import OrderedDict
from typing import Generic, TypeVar

from aiogram import Router

from bot.filters import IsAdmin
from bot.i18n import gettext_for

_ = gettext_for("admin")

ADMIN_COMMANDS: tuple[str, ...] = (
    "addfeed",
    "feeds",
    "removefeed",
    "pausefeed",
    "resumefeed",
    "poll",
    "stats",
    "keywords",
    "export",
)
CALLBACK_PREFIX = "adm"  # every admin button's callback data starts with it

T = TypeVar("T")


def admin_router(name: str) -> Router:
    """A router whose every message and button handler passes only for admins."""
    router = Router(name=name)
    router.message.filter(IsAdmin())
    router.callback_query.filter(IsAdmin())
    return router


def parse_feed_id(args: str | None) -> int | None:
    """The feed id an admin typed after a command ("7", "#7"), or None."""
    text = (args or "").strip().lstrip("#")
    if text.isascii() and text.isdigit() and len(text) < 12:
        return int(text)
    return None


class Recent(Generic[T]):
    """A small bounded memory of values behind buttons (least recently used dropped)."""

    def __init__(self, size: int = 500) -> None:
        self._size = size
        self._values: OrderedDict[str, T] = OrderedDict()

    def put(self, value: T) -> str:
        # Random keys: after a restart an old button finds nothing, never another value.
        key = secrets.token_hex(4)
        self._values[key] = value
        if len(self._values) > self._size:
            self._values.popitem(last=False)
        return key

    def get(self, key: str) -> T | None:
        return self._values.get(key)
