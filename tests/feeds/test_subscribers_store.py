"""The subscriber store answers with what it has just written, whatever else is reading."""

from __future__ import annotations

from feeds.archive import Archive
from feeds.archive.subscribers import Subscriber


async def test_a_write_is_answered_with_itself_while_another_read_is_open(
    archive: Archive,
) -> None:
    for chat_id in (1, 2, 3):
        await archive.subscribers.subscribe(Subscriber(chat_id=chat_id))
    # Another request's read, begun and not finished (its statement still has rows): the
    # reading connection stays in a read that began before the writes below.
    other_read = await archive.db.reader.execute("SELECT chat_id FROM subscribers")
    assert await other_read.fetchone() is not None
    try:
        subscriber, how = await archive.subscribers.subscribe(
            Subscriber(chat_id=42, language="kk"))
        assert (subscriber.chat_id, subscriber.language, how) == (42, "kk", "new")
        changed = await archive.subscribers.update(42, language="en", hour=7)
        assert changed is not None and (changed.language, changed.hour) == ("en", 7)
    finally:
        await other_read.close()
    assert (await archive.subscribers.get(42)) == changed
