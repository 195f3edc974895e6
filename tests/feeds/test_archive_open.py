"""Opening the archive: migrations once, clear errors for paths that cannot hold it; and what
runs when a transaction commits."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from feeds.archive import ArchiveError, connect_archive


async def test_reopening_applies_no_migration_twice(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "folder" / "archive.db"
    first = await connect_archive(path)
    source, _ = await first.sources.add("https://example.kz/rss")
    await first.close()
    second = await connect_archive(path)
    try:
        cursor = await second.db.reader.execute(
            "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations"
        )
        total, distinct = await cursor.fetchone()  # type: ignore[misc]
        assert total == distinct > 0
        assert (await second.sources.get(source.id)) is not None
    finally:
        await second.close()


@pytest.mark.parametrize("kind", ["folder", "not_a_database", "under_a_file"])
async def test_unusable_paths_raise_archive_error_with_the_reason(tmp_path: Path, kind: str) -> None:
    if kind == "folder":
        path = tmp_path
    elif kind == "not_a_database":
        path = tmp_path / "notes.db"
        path.write_text("these are notes, not an archive")
    else:
        (tmp_path / "file").write_text("x")
        path = tmp_path / "file" / "archive.db"
    with pytest.raises(ArchiveError, match="cannot open the archive"):
        await connect_archive(path)


def test_cli_says_why_without_a_traceback(tmp_path: Path) -> None:
    env = {"DATABASE_PATH": str(tmp_path), "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "search", "НКО"], env=env, cwd=tmp_path,
        capture_output=True, text=True, timeout=60, check=False,
    )
    assert result.returncode == 1
    assert "cannot open the archive" in result.stderr
    assert "Traceback" not in result.stderr


async def test_after_commit_runs_on_commit_only(tmp_path: Path) -> None:
    """What mirrors a transaction in memory is taken in when it commits, never when it
    rolls back, and only inside one."""
    archive = await connect_archive(tmp_path / "archive.db")
    ran: list[str] = []
    try:
        with pytest.raises(ArchiveError):
            archive.db.after_commit(lambda: ran.append("outside"))
        async with archive.db.transaction():
            archive.db.after_commit(lambda: ran.append("first"))
            archive.db.after_commit(lambda: ran.append("second"))
            assert ran == []
        assert ran == ["first", "second"]
        with pytest.raises(ZeroDivisionError):
            async with archive.db.transaction():
                archive.db.after_commit(lambda: ran.append("rolled back"))
                1 / 0  # noqa: B018
        async with archive.db.transaction():
            pass
        assert ran == ["first", "second"]
    finally:
        await archive.close()
