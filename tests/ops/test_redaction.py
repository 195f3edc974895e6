"""The bot token never reaches a log line, an exception text or a crash report."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.logs import REDACTED, JsonFormatter, RedactSecrets
from tests.fakes.telegram_api import FakeTelegram
from tests.ops.botprocess import bot_environment, run_cli, running_bot

# Shaped like a real token (bot id, colon, 35 characters); never valid anywhere.
TOKEN = "7300112233:AAFakeSecretForTests_abcdefghijklmnop"
SECRET_PART = TOKEN.split(":", 1)[1]


@pytest.fixture(params=["text", "json"])
def captured(request: pytest.FixtureRequest) -> Iterator[tuple[logging.Logger, io.StringIO]]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        JsonFormatter() if request.param == "json" else logging.Formatter("%(message)s")
    )
    handler.addFilter(RedactSecrets(["custom-webhook-secret-value"]))
    logger = logging.getLogger(f"tests.ops.redaction.{request.param}")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    try:
        yield logger, stream
    finally:
        logger.removeHandler(handler)


@pytest.mark.parametrize(
    "message",
    [
        f"POST https://api.telegram.org/bot{TOKEN}/sendMessage",
        f"url quoted: https://api.telegram.org/bot{TOKEN.replace(':', '%3A')}/getMe",
        f"token={TOKEN}&chat_id=5",
        "webhook secret custom-webhook-secret-value leaked",
    ],
)
def test_messages_and_arguments_are_redacted(
    captured: tuple[logging.Logger, io.StringIO], message: str
) -> None:
    logger, stream = captured
    logger.warning(message)
    logger.warning("argument: %s", message)
    logger.info("extra field", extra={"url": message})
    written = stream.getvalue()
    assert SECRET_PART not in written and "custom-webhook-secret-value" not in written
    assert REDACTED in written


def test_exception_text_is_redacted(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getUpdates")
    except ConnectionError:
        logger.exception("polling failed")
    written = stream.getvalue()
    assert "ConnectionError" in written and "polling failed" in written
    assert SECRET_PART not in written


def test_ordinary_numbers_survive(captured: tuple[logging.Logger, io.StringIO]) -> None:
    logger, stream = captured
    logger.info("chat %s at 10:30, feed 12:abc", -1001234567890)
    assert stream.getvalue().count(REDACTED) == 0
    assert "-1001234567890" in stream.getvalue()


def test_json_lines_stay_valid_json() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(RedactSecrets())
    record = logging.makeLogRecord(
        {"msg": "sent to %s", "args": (TOKEN,), "levelname": "INFO", "chat_id": 5}
    )
    handler.handle(record)
    line = json.loads(stream.getvalue())
    assert line["message"] == f"sent to {REDACTED}" and line["chat_id"] == 5


async def test_a_real_run_with_a_refused_token_leaks_nothing(tmp_path: Path) -> None:
    """The bot runs against the fake, which refuses the token (401): the logs and the crash
    report name the problem but never the token."""
    async with FakeTelegram() as fake:
        env = bot_environment(
            token=TOKEN,
            api_url=fake.url,
            database=tmp_path / "bot.db",
            extra={"LOG_LEVEL": "DEBUG", "LOG_FORMAT": "json"},
        )
        async with running_bot(env, tmp_path) as bot:
            await asyncio.wait_for(bot.process.wait(), 120)
        assert fake.calls() and all(c.status == 401 for c in fake.calls())
    assert bot.output, "the run wrote nothing at all"
    assert bot.process.returncode == 2
    assert "Telegram refused BOT_TOKEN (401 Unauthorized)" in bot.output
    assert "Traceback" not in bot.output and "Unclosed client session" not in bot.output
    assert SECRET_PART not in bot.output


async def test_a_real_run_with_a_working_token_leaks_nothing(tmp_path: Path) -> None:
    """A run that polls, answers a user and stops: nothing in its debug log holds the token."""
    async with FakeTelegram(token=TOKEN, limits=None) as fake:
        env = bot_environment(
            token=TOKEN,
            api_url=fake.url,
            database=tmp_path / "bot.db",
            extra={"LOG_LEVEL": "DEBUG"},
        )
        async with running_bot(env, tmp_path) as bot:
            user = fake.user(501, language_code="en")
            fake.send_text(user, "/start")
            await fake.wait_for_messages(user.id, 1, deadline=120)
            fake.send_text(user, f"/search {TOKEN}")
            await fake.wait_for_messages(user.id, 2, deadline=30)
        assert bot.process.returncode == 0
    assert "Update id=" in bot.output or "start" in bot.output.lower()
    assert SECRET_PART not in bot.output


async def test_cli_commands_print_no_token(tmp_path: Path) -> None:
    env = bot_environment(token=TOKEN, api_url="http://127.0.0.1:9", database=tmp_path / "b.db")
    for command in (["health"], ["backup", str(tmp_path / "copy.db")], ["feeds", "list"]):
        _, output = await run_cli(*command, env=env, cwd=tmp_path)
        assert SECRET_PART not in output
