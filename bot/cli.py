"""The `civic-digest` command line: one sub-command per module in `bot.commands`.

Each command module exposes `HELP`, `add_arguments(parser)` and `main(args, settings) -> int`,
and imports its heavy dependencies inside `main`, so that `civic-digest classify` does not pay
for aiogram.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from bot.config import MissingTokenError, load_settings
from bot.logs import setup_logging
from feeds.archive.db import ArchiveError

COMMANDS: dict[str, str] = {
    "run": "bot.commands.run",
    "poll": "bot.commands.poll",
    "deliver": "bot.commands.deliver",
    "preview": "bot.commands.preview",
    "search": "bot.commands.search",
    "classify": "bot.commands.classify",
    "reclassify": "bot.commands.reclassify",
    "feeds": "bot.commands.feeds",
    "health": "bot.commands.health",
    "backup": "bot.commands.backup",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civic-digest",
        description="News digests on NGOs, civil society and public policy in Kazakhstan.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, module_name in COMMANDS.items():
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue  # a command not built yet
        sub = commands.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(sub)
        sub.set_defaults(command_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        args = parser.parse_args(["run", *(argv or [])])
    try:
        settings = load_settings()
    except ValidationError as exc:
        print(f"civic-digest: invalid settings:\n{exc}", file=sys.stderr)
        return 2
    secrets = [
        secret.get_secret_value()
        for secret in (settings.bot_token, settings.webhook_secret)
        if secret is not None and secret.get_secret_value()
    ]
    setup_logging(settings.log_level, settings.log_format, secrets=secrets)
    try:
        code = int(args.command_module.main(args, settings))
        sys.stdout.flush()  # here, where a closed pipe is handled, not at exit
        return code
    except MissingTokenError as exc:
        print(f"civic-digest: {exc}", file=sys.stderr)
        return 2
    except ArchiveError as exc:
        print(f"civic-digest: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # The reader went away (`civic-digest feeds list | head`): nothing is wrong with
        # the command. Point stdout at nothing, so the flush at exit does not fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE
