"""/addfeed and /poll against a fake news site: good feeds, a site page to discover feeds on,
and the bad answers an admin must get a plain reason for."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from feeds.fetch import Fetcher
from tests.e2e.conftest import ADMIN_ID, BotUnderTest, button_labels
from tests.fakes.feed_server import FeedServer
from tests.fakes.telegram_updates import FakeUser


@pytest.fixture
async def feed_site() -> AsyncIterator[FeedServer]:
    async with FeedServer() as server:
        yield server


@pytest.fixture
async def admin_bot(running_bot: BotUnderTest) -> AsyncIterator[BotUnderTest]:
    """The running bot with a real fetcher that may reach the loopback feed site."""
    async with Fetcher(allow_private=True, max_bytes=1_000_000) as fetcher:
        running_bot.services.fetcher = fetcher
        yield running_bot


async def addfeed(bot: BotUnderTest, admin: FakeUser, url: str) -> dict:
    """Send /addfeed; the progress message as it reads once the check is done."""
    progress = await bot.reply(admin, f"/addfeed {url}")
    await bot.fake.wait_until(
        lambda: "⏳" not in bot.current(progress)["text"], deadline=15, what="the check to end"
    )
    return bot.current(progress)


@pytest.mark.parametrize(
    ("language", "added", "kept"),
    [
        ("ru", "добавлена", "фильтр отбирает"),
        ("kk", "қосылды", "сүзгі"),
        ("en", "Added feed", "the filter keeps"),
    ],
)
async def test_a_good_feed_is_checked_then_added(
    admin_bot: BotUnderTest, feed_site: FeedServer, language: str, added: str, kept: str
) -> None:
    admin = admin_bot.fake.user(ADMIN_ID, language_code=language)
    url = feed_site.url("/feeds/rss2.xml")
    reply = await addfeed(admin_bot, admin, url)
    assert added in reply["text"] and kept in reply["text"]
    assert "Степной вестник" in reply["text"] and "3" in reply["text"]
    [source] = await admin_bot.archive.sources.all()
    assert source.url == url and source.title == "Степной вестник" and source.added_by == ADMIN_ID
    again = await addfeed(admin_bot, admin, url)
    assert "#1" in again["text"]
    assert len(await admin_bot.archive.sources.all()) == 1


async def test_a_site_page_offers_its_feeds_as_buttons(
    admin_bot: BotUnderTest, feed_site: FeedServer
) -> None:
    admin = admin_bot.fake.user(ADMIN_ID, language_code="en")
    reply = await addfeed(admin_bot, admin, feed_site.url("/site/"))
    assert "web page, not a feed" in reply["text"]
    labels = button_labels(reply)
    assert labels and any("Степной вестник" in label for label in labels)
    before = len(admin_bot.fake.sent_messages(admin.id))
    await admin_bot.press(admin, reply, labels[0])
    [done] = (await admin_bot.fake.wait_for_messages(admin.id, before + 1, deadline=15))[before:]
    assert "Added feed #1" in done["text"]
    [source] = await admin_bot.archive.sources.all()
    assert source.url == feed_site.url("/feeds/rss2.xml")


async def _plain_text(request: web.Request) -> web.Response:
    return web.Response(text="just some words, no feed here", content_type="text/plain")


@pytest.mark.parametrize(
    ("setup", "path", "language", "reason"),
    [
        ("404", "/missing.xml", "ru", "по этому адресу ничего нет (404)"),
        ("404", "/missing.xml", "kk", "бұл мекенжайда ештеңе жоқ (404)"),
        ("404", "/missing.xml", "en", "there is nothing at this address (404)"),
        ("page", "/about", "en", "no feed was found on it"),
        ("page", "/about", "ru", "лент не найдено"),
        ("text", "/words", "en", "does not give an RSS or Atom feed"),
        ("broken", "/feeds/broken.xml", "en", "Reason:"),
        ("huge", "/huge.xml", "en", "too large"),
        ("huge", "/huge.xml", "kk", "тым үлкен"),
    ],
)
async def test_bad_feeds_are_refused_with_the_reason(
    admin_bot: BotUnderTest,
    feed_site: FeedServer,
    setup: str,
    path: str,
    language: str,
    reason: str,
) -> None:
    if setup == "404":
        feed_site.set_status(path, 404)
    elif setup == "page":
        feed_site.set_page(path, "<html><head><title>About</title></head><body>Hi</body></html>")
    elif setup == "text":
        feed_site.set_route(path, _plain_text)
    admin = admin_bot.fake.user(ADMIN_ID, language_code=language)
    reply = await addfeed(admin_bot, admin, feed_site.url(path))
    assert reason in reply["text"]
    assert await admin_bot.archive.sources.all() == []


async def test_private_addresses_are_refused_unless_allowed(
    running_bot: BotUnderTest, feed_site: FeedServer
) -> None:
    async with Fetcher(allow_private=False) as fetcher:
        running_bot.services.fetcher = fetcher
        admin = running_bot.fake.user(ADMIN_ID, language_code="en")
        reply = await addfeed(running_bot, admin, feed_site.url("/feeds/rss2.xml"))
    assert "is not allowed" in reply["text"]
    assert await running_bot.archive.sources.all() == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/addfeed", "Send /addfeed and the address"),
        ("/addfeed javascript:alert(1)", "not a web address"),
        ("/addfeed ftp://x.kz/rss", "not a web address"),
        ("/addfeed " + "x" * 5000, "not a web address"),
    ],
)
async def test_addfeed_without_a_web_address_explains_itself(
    admin_bot: BotUnderTest, text: str, expected: str
) -> None:
    admin = admin_bot.fake.user(ADMIN_ID, language_code="en")
    reply = await admin_bot.reply(admin, text)
    assert expected in reply["text"] and "/addfeed https://example.kz/rss" in reply["text"]


async def test_poll_reports_new_kept_and_errors(
    admin_bot: BotUnderTest, feed_site: FeedServer
) -> None:
    archive = admin_bot.archive
    await archive.sources.add(feed_site.url("/feeds/rss2.xml"), title="Вестник")
    feed_site.set_status("/gone.xml", 404)
    await archive.sources.add(feed_site.url("/gone.xml"), title="Gone")
    admin = admin_bot.fake.user(ADMIN_ID, language_code="en")
    progress = await admin_bot.reply(admin, "/poll")
    await admin_bot.fake.wait_until(
        lambda: "⏳" not in admin_bot.current(progress)["text"], deadline=15, what="the poll"
    )
    text = admin_bot.current(progress)["text"]
    assert "Feeds polled: 2. New items: 3" in text and "errors: 1" in text
    assert "#2 Gone: there is nothing at this address (404)" in text
    assert await archive.items.count() == 3


@pytest.mark.parametrize(
    ("language", "running"),
    [("ru", "уже проверяются"), ("kk", "қазір тексеріліп жатыр"), ("en", "already running")],
)
async def test_a_second_poll_while_one_runs_is_told_to_wait(
    admin_bot: BotUnderTest, feed_site: FeedServer, language: str, running: str
) -> None:
    """Admins are not throttled, so /poll twice must not fetch every feed twice at once."""
    release = asyncio.Event()

    async def held(request: web.Request) -> web.StreamResponse:
        await release.wait()
        return web.Response(status=404, text="gone")

    feed_site.set_route("/held.xml", held)
    await admin_bot.archive.sources.add(feed_site.url("/held.xml"), title="Held")
    admin = admin_bot.fake.user(ADMIN_ID, language_code=language)
    progress = await admin_bot.reply(admin, "/poll")
    await admin_bot.fake.wait_until(lambda: feed_site.hits("/held.xml") == 1, what="the fetch")
    second = await admin_bot.reply(admin, "/poll")
    assert running in second["text"]
    release.set()
    await admin_bot.fake.wait_until(
        lambda: "⏳" not in admin_bot.current(progress)["text"], deadline=15, what="the poll"
    )
    assert feed_site.hits("/held.xml") == 1
    third = await admin_bot.reply(admin, "/poll")  # the guard is released with the poll
    assert running not in third["text"]
