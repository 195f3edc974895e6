"""The Telegram application: the Bot (where it talks to) and the Dispatcher (what it does).

Both are built by factories, so nothing touches the network at import time. The dispatcher
receives the shared `Services` as workflow data: handlers ask for `services` or `archive` by
parameter name. Its startup hook publishes the command menu and starts the background parts
(sender, scheduler, metrics, heartbeat); its shutdown hook stops them again, in reverse order.
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.exceptions import TelegramAPIError
from aiogram.types import LinkPreviewOptions

from bot.commands_menu import publish_commands
from bot.config import Settings
from bot.handlers import create_routers
from bot.middlewares import ReplyRetryMiddleware, setup_middlewares
from bot.services import Services

log = logging.getLogger(__name__)

# A background part's start: it starts the part and pushes the matching stop onto the stack.
BackgroundStart = Callable[[AsyncExitStack, Bot, Services], Awaitable[None]]

# Workflow-data key under which the running background parts are kept between the hooks.
_BACKGROUND_KEY = "background_stack"


def create_bot(settings: Settings) -> Bot:
    """A Bot that talks to TELEGRAM_API_URL, sends HTML and never shows link previews.

    Replies to updates wait out short flood limits (ReplyRetryMiddleware).
    """
    server = TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/"))
    bot = Bot(
        settings.token_value(),
        session=AiohttpSession(api=server),
        default=DefaultBotProperties(
            parse_mode=ParseMode.HTML,
            link_preview=LinkPreviewOptions(is_disabled=True),
        ),
    )
    bot.session.middleware(ReplyRetryMiddleware())
    return bot


def create_dispatcher(services: Services, *, background: bool = True) -> Dispatcher:
    """The dispatcher with every handler module's router, the middlewares and the hooks.

    `background=False` leaves out the sender and scheduler (tests of the handlers alone).
    """
    dispatcher = Dispatcher(
        services=services,
        archive=services.archive,
        settings=services.settings,
    )
    setup_middlewares(dispatcher)
    if services.settings.metrics_port is not None:
        from bot.metrics import create_metrics, install_handler_timing

        services.metrics = create_metrics()
        install_handler_timing(dispatcher, services.metrics)
    for router in create_routers():
        dispatcher.include_router(router)
    dispatcher["run_background"] = background
    dispatcher.startup.register(_on_startup)
    dispatcher.shutdown.register(_on_shutdown)
    return dispatcher


async def _on_startup(bot: Bot, dispatcher: Dispatcher, services: Services) -> None:
    await publish_commands(bot, services.settings.admin_ids)
    stack = AsyncExitStack()
    if dispatcher["run_background"]:
        try:
            await start_background(stack, bot, services)
        except BaseException:
            await stack.aclose()
            raise
    dispatcher[_BACKGROUND_KEY] = stack
    try:
        log.info("bot started as @%s", (await bot.me()).username)
    except TelegramAPIError as exc:  # no network yet: polling reports and retries
        log.warning("bot started; Telegram not reachable yet (%s)", type(exc).__name__)


async def _on_shutdown(dispatcher: Dispatcher) -> None:
    stack: AsyncExitStack | None = dispatcher.workflow_data.pop(_BACKGROUND_KEY, None)
    if stack is not None:
        await stack.aclose()
    log.info("bot stopped")


async def start_background(stack: AsyncExitStack, bot: Bot, services: Services) -> None:
    """Start the parts that run beside the handlers; each registers its stop on `stack`.

    This is the one seam where the sender, the scheduler, metrics and the heartbeat join the
    running bot: every part that lands adds its start here and its stop to the stack.
    """
    for start in _background_parts():
        await start(stack, bot, services)


# (module, function) of each background part, started in this order and stopped in reverse.
# Each function has the BackgroundStart signature; a part not in this build is skipped.
BACKGROUND_PARTS: tuple[tuple[str, str], ...] = (
    ("bot.metrics", "start_metrics"),
    ("bot.heartbeat", "start_heartbeat"),
    ("bot.scheduler", "start_delivery"),
    ("bot.alerts", "start_alerts"),
)


def _background_parts() -> list[BackgroundStart]:
    found = []
    for module_name, function in BACKGROUND_PARTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        start = getattr(module, function, None)
        if start is None:
            log.warning("%s has no %s(); that part does not run", module_name, function)
            continue
        found.append(start)
    return found
