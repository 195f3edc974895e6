"""Inline mode: `@bot words` from any chat answers with shareable stories, paged by offset."""

from __future__ import annotations

from typing import Any

from feeds.archive import Archive
from tests.e2e.conftest import BotUnderTest
from tests.e2e.seed_news import news_item, store_items
from tests.fakes.telegram_html import parse_html
from tests.fakes.telegram_updates import FakeUser


async def ask_inline(
    bot: BotUnderTest, user: FakeUser, query: str, offset: str = ""
) -> dict[str, Any]:
    before = len(bot.fake.calls("answerInlineQuery"))
    bot.fake.inline_query(user, query, offset)
    calls = await bot.fake.wait_for_calls("answerInlineQuery", before + 1)
    call = calls[before]
    assert call.ok, call.error
    return call.params


async def test_inline_search_returns_twenty_shareable_stories_then_pages(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    items = [
        news_item(n, f"Гранты для НКО № {n}", f"Текст про гранты {n} & <теги>") for n in range(30)
    ]
    await store_items(archive, items)
    bot = running_bot
    user = bot.fake.user(701, language_code="kk")
    first = await ask_inline(bot, user, "гранты")
    results = first["results"]
    assert len(results) == 20
    assert first["next_offset"] == "20"
    assert first.get("is_personal") is True
    article = results[0]
    assert article["type"] == "article" and article["title"].startswith("Гранты для НКО")
    content = article["input_message_content"]
    plain, entities = parse_html(content["message_text"])
    assert "Гранты для НКО" in plain and "Хабар НКО" in plain
    assert any(e["type"] == "text_link" for e in entities)

    second = await ask_inline(bot, user, "гранты", offset="20")
    assert len(second["results"]) == 10
    assert not second.get("next_offset")
    ids = {r["id"] for r in results} | {r["id"] for r in second["results"]}
    assert len(ids) == 30


async def test_empty_inline_query_offers_the_latest_relevant_stories(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await store_items(
        archive,
        [
            news_item(1, "Новый закон об НКО", "Текст"),
            news_item(2, "Погода", "Солнечно", relevant=False),
        ],
    )
    bot = running_bot
    user = bot.fake.user(702, language_code="en")
    answer = await ask_inline(bot, user, "")
    assert [r["title"] for r in answer["results"]] == ["Новый закон об НКО"]


async def test_hostile_inline_queries_answer_cleanly(
    archive: Archive, running_bot: BotUnderTest
) -> None:
    await store_items(archive, [news_item(1, "Гранты", "Текст")])
    bot = running_bot
    for n, query in enumerate(
        ['"', "AND(", "{title}:x", "<b>", "x" * 256, "\u202e\u200b", "гранты", "9" * 300]
    ):
        user = bot.fake.user(720 + n)
        answer = await ask_inline(bot, user, query, offset="junk")
        assert isinstance(answer["results"], list)
