"""`civic-digest classify` and `reclassify` as the user runs them."""

from __future__ import annotations

import asyncio
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.commands.classify import verdict_lines
from bot.commands.reclassify import reclassify
from bot.config import Settings
from feeds.archive import open_archive
from feeds.archive.items import insert_new_items
from feeds.classify import Classifier, FilterTerm
from feeds.models import Item

LINES = [
    json.dumps({"id": "a", "title": "Заседание общественного совета", "summary": "", "lang": "ru"},
               ensure_ascii=False),
    "",
    "{not json",
    "[1, 2]",
    json.dumps({"id": "b", "title": 5}),
    json.dumps({"id": {"x": 1}, "title": "НКО"}),
    json.dumps({"id": 7, "summary": "Курс доллара вырос"}),
    json.dumps({"id": "c"}),
    json.dumps({"title": "Ұлттық Құрылтай отырысы", "lang": "kk"}, ensure_ascii=False),
]


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "BOT_TOKEN"}
    env["DATABASE_PATH"] = str(tmp_path / "absent" / "archive.db")
    return env


def test_cli_keeps_lines_aligned_and_reports_bad_ones(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "classify"], input="\n".join(LINES) + "\n",
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(out) == len(LINES)
    assert [o["id"] for o in out] == ["a", None, None, None, "b", None, 7, "c", None]
    assert [o["relevant"] for o in out] == [True] + [False] * 7 + [True]
    assert out[0]["topics"][0] == "public_councils_dialogue"
    assert out[0]["matched"] == ["общественного совета"]
    for number in (2, 3, 4, 5, 6, 8):
        assert f"line {number}:" in result.stderr
    assert "line 7:" not in result.stderr and "line 1:" not in result.stderr
    assert not (tmp_path / "absent").exists()  # no archive is created for classification


def test_cli_reads_a_file_and_does_not_load_aiogram(tmp_path: Path) -> None:
    source = tmp_path / "items.jsonl"
    source.write_text(LINES[0] + "\n", encoding="utf-8")
    code = (
        "import sys; from bot.cli import main; rc = main(['classify', sys.argv[1]]);"
        "assert 'aiogram' not in sys.modules, 'aiogram loaded'; raise SystemExit(rc)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code, str(source)], env=_env(tmp_path), cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["relevant"] is True
    missing = subprocess.run(
        [sys.executable, "-m", "bot", "classify", str(tmp_path / "nope.jsonl")],
        env=_env(tmp_path), cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False,
    )
    assert missing.returncode == 1 and "cannot read" in missing.stderr


def test_verdict_lines_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    out = list(verdict_lines(Classifier.load(), io.StringIO("\n".join(LINES))))
    assert len(out) == len(LINES)
    assert "line 2: empty line" in capsys.readouterr().err


def _item(n: int, title: str) -> Item:
    now = time.time()
    return Item(source_id=1, guid=f"g{n}", url=f"https://e.kz/{n}", canonical_url=f"https://e.kz/{n}",
                title=title, text="", language="ru", published_at=now, fetched_at=now,
                content_hash=f"h{n}")


async def test_reclassify_applies_admin_terms(tmp_path: Path) -> None:
    path = tmp_path / "archive.db"
    async with open_archive(path) as archive:
        await archive.sources.add("https://e.kz/rss", title="E")
        async with archive.db.transaction() as conn:
            await insert_new_items(
                conn, [_item(1, "Зоозащитники открыли приют"), _item(2, "Заседание общественного совета")],
                [("", ""), ("", "")],
            )
    settings = Settings(database_path=path)
    assert await reclassify(settings) == (2, 2, 1)  # first scoring: every verdict is new
    assert await reclassify(settings) == (0, 2, 1)
    async with open_archive(path) as archive:
        await archive.terms.add(FilterTerm("charity_volunteering", "include", "зоозащитник"))
    assert await reclassify(settings) == (1, 2, 2)
    async with open_archive(path) as archive:
        items = [i for batch in await archive.items.iter_batches() for i in batch]
    assert all(i.verdict is not None and i.verdict.relevant for i in items)


def test_reclassify_command_prints_the_count(tmp_path: Path) -> None:
    env = _env(tmp_path)
    env["DATABASE_PATH"] = str(tmp_path / "archive.db")
    asyncio.run(_make_archive(tmp_path / "archive.db"))
    result = subprocess.run(
        [sys.executable, "-m", "bot", "reclassify"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Re-scored 0 items: 0 changed verdict" in result.stdout


async def _make_archive(path: Path) -> None:
    async with open_archive(path):
        pass
