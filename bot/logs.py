"""Logging set-up: human-readable lines by default, JSON lines with LOG_FORMAT=json.

Every record passes `RedactSecrets` before it is written: the bot token (given to
`setup_logging`, or registered later with `protect_secret`) and anything shaped like a
Telegram bot token are replaced in the message, its arguments, `extra=` fields and the
exception text. A token in a log file is a stolen bot, so this is not left to each call site.
"""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterable
from types import TracebackType
from typing import Any

REDACTED = "[redacted]"

# A Telegram bot token: the bot id, a colon, and a 35-character secret (30+ to be safe);
# also with the colon percent-encoded, as it appears in some quoted URLs.
TOKEN_PATTERN = re.compile(r"\d{3,}(?::|%3[Aa])[A-Za-z0-9_-]{30,}")

_STANDARD = frozenset(vars(logging.makeLogRecord({})).keys()) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    """Removes known secrets and token-shaped strings from every record it sees.

    Attach it to handlers (a filter on a logger does not see records of its children).
    """

    def __init__(self, secrets: Iterable[str] = ()) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: str) -> None:
        # Short values would redact ordinary words; real tokens are 45 characters.
        if len(secret) >= 8:
            self._secrets.add(secret)

    def redact(self, text: str) -> str:
        for secret in self._secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
        return TOKEN_PATTERN.sub(REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not lose the record
            message = f"{record.msg!r} {record.args!r}"
        record.msg = self.redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        for key, value in list(vars(record).items()):
            if key not in _STANDARD and not key.startswith("_") and isinstance(value, str):
                setattr(record, key, self.redact(value))
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with any `extra=` fields the call passed."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                payload[key] = value
        if record.exc_text:
            # The redacted rendering RedactSecrets prepared.
            payload["exception"] = record.exc_text
        elif record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


_redactor = RedactSecrets()


def protect_secret(secret: str) -> None:
    """Redact `secret` from every log line from now on (the bot token, a webhook secret)."""
    _redactor.add(secret)


def _log_uncaught(
    kind: type[BaseException], error: BaseException, trace: TracebackType | None
) -> None:
    if issubclass(kind, KeyboardInterrupt):
        sys.__excepthook__(kind, error, trace)
        return
    logging.getLogger("civic_digest").critical(
        "stopped by an unexpected error", exc_info=(kind, error, trace)
    )


def setup_logging(level: str = "INFO", fmt: str = "text", secrets: Iterable[str] = ()) -> None:
    """Log to stderr as text or JSON lines, with secrets redacted from every record."""
    for secret in secrets:
        _redactor.add(secret)
    handler = logging.StreamHandler(sys.stderr)
    if fmt.lower() == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(_redactor)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    # A crash's traceback goes through the same redaction instead of straight to stderr.
    sys.excepthook = _log_uncaught
    root.setLevel(level)
    # aiohttp's access log and aiogram's per-update lines are noise at INFO.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
