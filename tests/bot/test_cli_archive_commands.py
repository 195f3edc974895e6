"""`civic-digest feeds …` and `civic-digest search` run as the user runs them: subprocesses."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

OPML = b"""<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0"><body>
<outline type="rss" text="One" title="One" xmlUrl="https://one.kz/rss" language="ru"/>
<outline type="rss" text="Two" xmlUrl="https://two.kz/rss"/>
<outline type="rss" text="Bad" xmlUrl="ftp://three.kz/rss"/>
</body></opml>"""


@pytest.fixture
def run(tmp_path: Path):  # type: ignore[no-untyped-def]
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN"}}
    env["DATABASE_PATH"] = str(tmp_path / "db" / "archive.db")

    def _run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "bot", *args], env=env, cwd=tmp_path,
            capture_output=True, text=True, timeout=60, check=False,
        )

    return _run


def test_import_list_export_remove(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "feeds.opml").write_bytes(OPML)
    imported = run("feeds", "import", "feeds.opml")
    assert imported.returncode == 0, imported.stderr
    assert "2 added, 0 already there, 1 invalid" in imported.stdout
    again = run("feeds", "import", "feeds.opml")
    assert "0 added, 2 already there" in again.stdout

    listed = run("feeds", "list")
    assert "https://one.kz/rss" in listed.stdout and "https://two.kz/rss" in listed.stdout

    exported = run("feeds", "export")
    assert exported.stdout.count("xmlUrl=") == 2

    assert run("feeds", "remove", "1").returncode == 0
    assert run("feeds", "remove", "1").returncode == 1
    assert "https://one.kz/rss" not in run("feeds", "list").stdout


def test_import_of_a_broken_file_says_why(run, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "broken.opml").write_bytes(b"<opml><body>")
    result = run("feeds", "import", "broken.opml")
    assert result.returncode == 1
    assert "not a valid OPML document" in result.stderr
    missing = run("feeds", "import", "absent.opml")
    assert missing.returncode == 1 and "Cannot read" in missing.stderr


@pytest.mark.parametrize("query", ['"', "AND(", "{title}", "x" * 5000, "-закон", "НКО"])
def test_search_on_an_empty_archive_answers(run, query: str) -> None:  # type: ignore[no-untyped-def]
    result = run("search", "--", query)
    assert result.returncode in (0, 1), result.stderr
    assert "Traceback" not in result.stderr
    assert "Nothing found" in result.stdout or "no words" in result.stdout
    assert len(result.stdout) < 200  # a long query is shortened when echoed


def test_a_reader_that_went_away_ends_the_command_quietly(tmp_path: Path) -> None:
    """`civic-digest feeds list | head`: the pipe closes before the list is written."""
    env = {k: v for k, v in os.environ.items() if k not in {"BOT_TOKEN"}}
    env["DATABASE_PATH"] = str(tmp_path / "archive.db")
    (tmp_path / "feeds.opml").write_bytes(OPML)
    subprocess.run([sys.executable, "-m", "bot", "feeds", "import", "feeds.opml"], env=env,
                   cwd=tmp_path, capture_output=True, timeout=60, check=True)
    reader, writer = os.pipe()
    os.close(reader)  # the reader is gone before anything is written
    try:
        listed = subprocess.run(
            [sys.executable, "-m", "bot", "feeds", "list"], env=env, cwd=tmp_path,
            stdout=writer, stderr=subprocess.PIPE, text=True, timeout=60, check=False,
        )
    finally:
        os.close(writer)
    assert listed.returncode == 141
    assert listed.stderr == ""  # no traceback, no "Exception ignored"
