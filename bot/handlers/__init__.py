"""The handler modules, in the order their routers see an update.

Each module exposes `create_router() -> Router` (a fresh router per dispatcher, so tests can
build many). Modules that are not part of this build yet are skipped. Order matters: commands
come before the catch-all plain-text search of private chats, which comes last.
"""

from __future__ import annotations

import importlib

from aiogram import Router

HANDLER_MODULES: tuple[str, ...] = (
    "bot.handlers.errors",
    "bot.handlers.chats",
    "bot.handlers.start",
    "bot.handlers.settings",
    "bot.handlers.watch",
    "bot.handlers.privacy",
    "bot.handlers.admin",
    "bot.handlers.latest",
    "bot.handlers.inline",
    "bot.handlers.search",
)


def create_routers() -> list[Router]:
    """One router per handler module that exists, in `HANDLER_MODULES` order."""
    routers = []
    for name in HANDLER_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        factory = getattr(module, "create_router", None)
        if factory is not None:  # a package still being written has none yet
            routers.append(factory())
    return routers
