"""`civic-digest deliver [--all]`: compose the due digests, send the outbox empty, exit.

The same code path the running bot uses: the tick's `enqueue_due_digests` (or, with --all,
a digest for every active subscriber now) and the same sender. SIGTERM or Ctrl-C stops
taking new messages and lets those in flight finish. Exit status: 0 when everything was
delivered (or dropped because a chat blocked the bot), 1 when some message is dead, 2 on bad
settings.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from functools import partial

from bot.config import Settings

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)
HELP = "compose and send every digest that is due now, wait until the outbox is drained"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--all",
        action="store_true",
        dest="everyone",
        help="every active subscriber with unsent news gets a digest now, whatever their schedule",
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    token = settings.token_value()  # raises MissingTokenError with a clear message
    return asyncio.run(deliver(settings, token, everyone=args.everyone))


async def deliver(settings: Settings, token: str, *, everyone: bool) -> int:
    from aiogram import Bot
    from aiogram.client.session.aiohttp import AiohttpSession
    from aiogram.client.telegram import TelegramAPIServer

    from bot.clock import SystemClock
    from bot.digest import prepare_digests
    from bot.outbox import enqueue_all_digests, enqueue_due_digests
    from bot.sender import Sender, SenderConfig, SenderFatalError
    from feeds.archive import open_archive

    clock = SystemClock()
    started = clock.time()
    prepare = partial(prepare_digests, default_timezone=settings.default_timezone)
    session = AiohttpSession(api=TelegramAPIServer.from_base(settings.telegram_api_url.rstrip("/")))
    bot = Bot(token, session=session)
    try:
        async with open_archive(settings.database_path) as archive:
            config = SenderConfig(
                rate_per_second=settings.send_rate_per_second, workers=settings.send_workers
            )
            sender = Sender(bot, archive, config, clock=clock)
            # The sender runs while digests are composed: the first go out after one batch.
            await sender.start()
            loop = asyncio.get_running_loop()
            for sig in STOP_SIGNALS:
                # No new messages after a signal; the ones in flight finish (sender.stop).
                loop.add_signal_handler(sig, sender.request_stop)
            try:
                if everyone:
                    report = await enqueue_all_digests(
                        archive, clock.now(), prepare=prepare, on_written=sender.wakeup.set
                    )
                else:
                    report = await enqueue_due_digests(
                        archive, clock.now(), default_timezone=settings.default_timezone,
                        prepare=prepare, on_written=sender.wakeup.set,
                    )
                print(f"digests: {report.composed} composed now, {report.already} composed"
                      f" before, {report.empty} without news")
                await sender.drain()
            except SenderFatalError as exc:
                print(f"civic-digest: {exc}", file=sys.stderr)
                return 1
            finally:
                for sig in STOP_SIGNALS:
                    loop.remove_signal_handler(sig)
                await sender.stop()
            counts = await archive.sending.counts()
            dead = await archive.sending.dead_since(started, limit=10)
            print(f"outbox: {counts.sent} sent, {counts.unsent} waiting, {counts.dead} dead")
            for message in dead:
                print(f"dead: chat {message.chat_id} {message.dedup_key} part {message.part}:"
                      f" {message.last_error}", file=sys.stderr)
            return 1 if dead else 0
    finally:
        await bot.session.close()

