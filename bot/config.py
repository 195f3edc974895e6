"""Settings: read once from the environment and `.env`, then passed down explicitly."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


class Settings(BaseSettings):
    """Every knob of the bot. Names match the environment variables in architecture.md."""

    model_config = SettingsConfigDict(
        env_file=".env",
        env_file_encoding="utf-8",
        env_ignore_empty=True,
        extra="ignore",
        case_sensitive=False,
    )

    bot_token: SecretStr | None = None
    admin_ids: Annotated[frozenset[int], NoDecode] = frozenset()
    database_path: Path = Path("data/civic-digest.db")
    telegram_api_url: str = "https://api.telegram.org"
    poll_interval_seconds: int = Field(default=900, ge=10)
    # Worker processes for the CPU stages of polling (parse, clean, classify, summarize):
    # 0 runs them in threads; each process costs about 55 MB and pays off with a spare core.
    ingest_processes: int = Field(default=0, ge=0, le=8)
    default_timezone: str = "Asia/Almaty"
    feeds_allow_private: bool = False
    log_level: str = "INFO"
    log_format: str = "text"

    # Delivery pacing (Telegram's guidance: ~30 msg/s overall, ~1 msg/s per chat, 20/min per group).
    send_rate_per_second: float = Field(default=28.0, gt=0)
    send_workers: int = Field(default=8, ge=1, le=64)

    # Webhook mode (used when webhook_url is set) and operations.
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_port: int = 8080
    metrics_port: int | None = None
    # Loopback by default: metrics are for the operator; a container sets 0.0.0.0.
    metrics_host: str = "127.0.0.1"

    @field_validator("admin_ids", mode="before")
    @classmethod
    def _parse_admin_ids(cls, value: object) -> object:
        if isinstance(value, str):
            parts = [p.strip() for p in value.replace(";", ",").split(",")]
            return frozenset(int(p) for p in parts if p)
        if isinstance(value, int):
            return frozenset({value})
        return value

    @field_validator("default_timezone")
    @classmethod
    def _check_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("log_level")
    @classmethod
    def _upper_level(cls, value: str) -> str:
        return value.upper()

    def token_value(self) -> str:
        """The raw token, for the one place that must hand it to aiogram."""
        if self.bot_token is None:
            raise MissingTokenError
        return self.bot_token.get_secret_value()


class MissingTokenError(RuntimeError):
    """Raised when a command that talks to Telegram runs without BOT_TOKEN."""

    def __init__(self) -> None:
        super().__init__(
            "BOT_TOKEN is not set. Create a bot with @BotFather in Telegram, then put "
            "BOT_TOKEN=123456:ABC... into a .env file here (see .env.example) or the environment. "
            "Without a token you can still try the pipeline: `civic-digest poll` then "
            "`civic-digest preview`."
        )


def load_settings() -> Settings:
    """Build the settings once; callers pass the object on."""
    return Settings()
