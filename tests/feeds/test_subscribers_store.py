"""Reads see every commit before them, and a change is answered with what was written."""

from __future__ import annotations

from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber


async def test_reads_see_the_commits_before_them_while_another_read_is_unfinished(
    archive: Archive,
) -> None:
    for chat_id in (1, 2, 3):
        await archive.subscribers.subscribe(Subscriber(chat_id=chat_id))
    # Another request's read, its rows not all taken yet when the writes below commit.
    other_read = await archive.db.reader.execute("SELECT chat_id FROM subscribers ORDER BY 1")
    first = await other_read.fetchone()
    assert first is not None and first[0] == 1

    subscriber, how = await archive.subscribers.subscribe(Subscriber(chat_id=42, language="kk"))
    assert (subscriber.chat_id, subscriber.language, how) == (42, "kk", "new")
    changed = await archive.subscribers.update(42, language="en", hour=7)
    assert changed is not None and (changed.language, changed.hour) == ("en", 7)
    assert await archive.subscribers.get(42) == changed
    count = await (await archive.db.reader.execute("SELECT COUNT(*) FROM subscribers")).fetchone()
    assert count is not None and count[0] == 4

    assert [row[0] for row in await other_read.fetchall()] == [2, 3]
