"""`civic-digest preview`: the digest a default subscriber would get, in the terminal."""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.commands import preview
from bot.config import Settings
from feeds.archive import open_archive
from tests.bot.digest_seed import News, seed


async def test_preview_prints_plain_text_without_a_token(tmp_path: Path) -> None:
    database = tmp_path / "db" / "archive.db"
    async with open_archive(database) as archive:
        await seed(archive, [
            News("Закон о НКО & <поправки>", summary="Мажилис одобрил поправки.", hours_ago=2),
            News("Старая новость", hours_ago=40),
        ], time.time())
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env.update(DATABASE_PATH=str(database), DEFAULT_TIMEZONE="Asia/Almaty")
    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "bot", "preview", "--lang", "en"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("Digest · ")
    assert "== NGOs and civil society ==" in out
    assert "Закон о НКО & <поправки>" in out and "<b>" not in out and "&amp;" not in out
    assert "https://news.example.kz/0" in out and "Мажилис одобрил поправки." in out
    assert "Старая новость" not in out


async def test_preview_of_an_empty_archive_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_path=tmp_path / "empty.db")
    parser = argparse.ArgumentParser()
    preview.add_arguments(parser)
    args = parser.parse_args(["--hours", "6"])
    assert await preview._preview(args.hours, args.lang, settings) == 0
    assert capsys.readouterr().out == (
        "No relevant news in the last 6 hours; run `civic-digest poll` first.\n"
    )
    with pytest.raises(SystemExit):
        parser.parse_args(["--hours", "-1"])
