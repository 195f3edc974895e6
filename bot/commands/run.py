"""`civic-digest run`: the bot. Long polling, or a webhook server when WEBHOOK_URL is set.

SIGTERM and SIGINT stop it cleanly: updates in hand are finished, the background parts are
stopped, the Telegram session and the archive are closed, and the exit code is 0.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from bot.config import Settings

if TYPE_CHECKING:
    from aiogram import Bot, Dispatcher

HELP = "run the bot: long polling (or a webhook when WEBHOOK_URL is set), schedule and delivery"

log = logging.getLogger(__name__)

CONCURRENT_UPDATES = 64  # updates handled at once in polling mode


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--polling-timeout",
        type=int,
        default=30,
        help="seconds one getUpdates call waits for news (default 30)",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    settings.token_value()  # fail before opening anything when BOT_TOKEN is missing
    return asyncio.run(_run(settings, polling_timeout=max(1, min(args.polling_timeout, 50))))


async def _run(settings: Settings, *, polling_timeout: int) -> int:
    from aiogram.exceptions import TelegramNetworkError
    from aiogram.utils.token import TokenValidationError

    from bot.app import create_bot, create_dispatcher
    from bot.services import open_services

    try:
        bot = create_bot(settings)
    except TokenValidationError:
        print(TOKEN_MALFORMED, file=sys.stderr)
        return 2
    try:
        if not await _token_accepted(bot):
            return 2
        async with open_services(settings) as services:
            dispatcher = create_dispatcher(services)
            if settings.webhook_url:
                await _serve_webhook(dispatcher, bot, settings)
            else:
                await _poll(dispatcher, bot, polling_timeout)
    except TelegramNetworkError as exc:
        # Only a start with no way to reach the Bot API ends here; once running, polling
        # retries on its own. A supervisor (Docker, systemd) restarts the bot.
        print(f"civic-digest: cannot reach the Bot API at {settings.telegram_api_url}: "
              f"{exc.message}", file=sys.stderr)
        return 1
    finally:
        await bot.session.close()
    return 0


TOKEN_MALFORMED = (
    "civic-digest: BOT_TOKEN does not look like a bot token (digits, a colon, then letters);"
    " copy it again from @BotFather."
)
TOKEN_REFUSED = (
    "civic-digest: Telegram refused BOT_TOKEN (401 Unauthorized). It may have been revoked:"
    " get the current token from @BotFather (/token) and put it in BOT_TOKEN."
)


async def _token_accepted(bot: Bot) -> bool:
    """False (after saying so) when Telegram refuses the token. Other failures, such as no
    network yet, are left to polling, which retries with a backoff."""
    from aiogram.exceptions import TelegramAPIError, TelegramUnauthorizedError

    try:
        await bot.get_me()
    except TelegramUnauthorizedError:
        print(TOKEN_REFUSED, file=sys.stderr)
        return False
    except TelegramAPIError as exc:
        log.warning("could not reach Telegram yet (%s); polling will retry", type(exc).__name__)
    return True


async def _poll(dispatcher: Dispatcher, bot: Bot, polling_timeout: int) -> None:
    from aiogram.exceptions import TelegramAPIError

    try:
        # A webhook left over from an earlier deployment would make getUpdates fail.
        await bot.delete_webhook(drop_pending_updates=False)
    except TelegramAPIError as exc:
        log.warning("could not remove an old webhook: %s", exc)
    # aiogram installs the SIGTERM/SIGINT handlers and returns after the shutdown hooks.
    # Updates are handled as tasks; a cap keeps a burst of thousands from piling up in memory.
    await dispatcher.start_polling(
        bot,
        polling_timeout=polling_timeout,
        handle_signals=True,
        tasks_concurrency_limit=CONCURRENT_UPDATES,
    )


async def _serve_webhook(dispatcher: Dispatcher, bot: Bot, settings: Settings) -> None:
    from aiogram.webhook.aiohttp_server import SimpleRequestHandler, setup_application
    from aiohttp import web

    secret = settings.webhook_secret.get_secret_value() if settings.webhook_secret else None
    url = settings.webhook_url or ""
    path = urlsplit(url).path or "/"

    async def register_webhook(bot: Bot) -> None:
        await bot.set_webhook(
            url,
            secret_token=secret,
            allowed_updates=dispatcher.resolve_used_update_types(),
        )

    dispatcher.startup.register(register_webhook)
    app = web.Application()
    SimpleRequestHandler(dispatcher=dispatcher, bot=bot, secret_token=secret).register(app, path)
    setup_application(app, dispatcher, bot=bot)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    try:
        await web.TCPSite(runner, host="0.0.0.0", port=settings.webhook_port).start()
        log.info("webhook server listening on port %s, path %s", settings.webhook_port, path)
        await stop.wait()
    finally:
        await runner.cleanup()  # runs the shutdown hooks and closes the bot's session
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
