"""The fake Bot API, driven by a real aiogram Bot and Dispatcher over loopback HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import html
import io
import sys
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramConflictError,
    TelegramForbiddenError,
    TelegramMigrateToChat,
    TelegramNetworkError,
    TelegramRetryAfter,
    TelegramServerError,
    TelegramUnauthorizedError,
)
from aiogram.filters import Command
from aiogram.types import (
    BotCommand,
    BotCommandScopeChat,
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Message,
)
from hypothesis import given
from hypothesis import strategies as st

from tests.fakes.telegram_api import (
    BAD_GATEWAY,
    DEACTIVATED,
    DROP_CONNECTION,
    FakeTelegram,
    FloodLimits,
)
from tests.fakes.telegram_html import HtmlParseError, parse_html, utf16_len


class ManualClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram(limits=None) as server:
        yield server


def make_bot(fake: FakeTelegram, token: str | None = None, **defaults: Any) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(fake.url))
    return Bot(token or fake.token, session=session, default=DefaultBotProperties(**defaults))


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    client = make_bot(fake, parse_mode="HTML")
    try:
        yield client
    finally:
        await client.session.close()


async def test_get_me_and_unknown_token(fake: FakeTelegram, bot: Bot) -> None:
    me = await bot.get_me()
    assert (me.id, me.username, me.is_bot) == (42, fake.bot_username, True)
    stranger = make_bot(fake, token="7:WRONG")
    try:
        with pytest.raises(TelegramUnauthorizedError):
            await stranger.get_me()
    finally:
        await stranger.session.close()


async def test_unknown_method_and_case_insensitive_methods(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.url}/bot{fake.token}/noSuchMethod") as resp:
            assert resp.status == 404
            assert await resp.json() == {
                "ok": False,
                "error_code": 404,
                "description": "Not Found: method not found",
            }
        async with http.post(f"{fake.url}/bot{fake.token}/GETME") as resp:
            assert resp.status == 200 and (await resp.json())["result"]["id"] == 42
        async with http.post(
            f"{fake.url}/bot{fake.token}/sendMessage", json={"chat_id": 5, "text": "json body"}
        ) as resp:
            assert (await resp.json())["result"]["text"] == "json body"


async def test_send_message_returns_parsed_entities(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(
        7, '🙂 <b>НКО</b> &amp; <a href="https://example.org/?a=1&amp;b=2">закон</a>'
    )
    assert sent.text == "🙂 НКО & закон"
    assert sent.entities is not None
    bold, link = sent.entities
    assert (bold.type, bold.offset, bold.length) == ("bold", 3, 3)  # 🙂 is 2 UTF-16 units
    assert (link.type, link.url) == ("text_link", "https://example.org/?a=1&b=2")
    assert fake.texts(7) == ["🙂 НКО & закон"]
    assert fake.calls("sendmessage", chat_id=7)[0].params["parse_mode"] == "HTML"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("<b>bold", "Can't find end tag"),
        ("<b>x</i>", "Unmatched end tag"),
        ("a < b", "Unsupported start tag"),
        ("<div>x</div>", 'Unsupported start tag "div"'),
        ("Tom & Jerry", "Character '&' is reserved"),
        ("&nbsp;", "Character '&' is reserved"),
        ('<a href="x>y', "Unclosed start tag"),
        ("x</b>", "Unexpected end tag"),
        ('<span class="red">x</span>', "tg-spoiler"),
    ],
)
async def test_invalid_html_is_refused_like_telegram(
    fake: FakeTelegram, bot: Bot, text: str, fragment: str
) -> None:
    with pytest.raises(TelegramBadRequest) as caught:
        await bot.send_message(7, text)
    assert "can't parse entities" in caught.value.message
    assert fragment in caught.value.message
    assert fake.sent_messages(7) == []


async def test_length_is_counted_after_entities(fake: FakeTelegram, bot: Bot) -> None:
    fits = "<b>" + "я" * 4000 + "</b>" + "&amp;" * 96
    assert len((await bot.send_message(7, fits)).text or "") == 4096
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(7, "я" * 4097)
    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(7, "<b> </b>")


async def test_per_chat_flood_limit_gives_retry_after() -> None:
    clock = ManualClock()
    async with FakeTelegram(limits=FloodLimits(per_chat_burst=3), clock=clock) as server:
        client = make_bot(server)
        try:
            for n in range(3):
                await client.send_message(9, f"burst {n}")
            with pytest.raises(TelegramRetryAfter) as caught:
                await client.send_message(9, "one too many")
            assert caught.value.retry_after == 1
            await client.send_message(10, "another chat is not limited")
            clock.now += 1.0
            await client.send_message(9, "after the wait")
            assert server.stats.rate_limited == 1
            assert len(server.sent_messages(9)) == 4
        finally:
            await client.session.close()


async def test_group_and_global_flood_limits() -> None:
    clock = ManualClock()
    limits = FloodLimits(per_chat_rate=None, per_group_per_minute=20, global_per_second=30)
    async with FakeTelegram(limits=limits, clock=clock) as server, aiohttp.ClientSession() as http:
        url = f"{server.url}/bot{server.token}/sendMessage"
        statuses = []
        for n in range(21):
            async with http.post(url, data={"chat_id": -1001, "text": str(n)}) as resp:
                statuses.append(resp.status)
                if resp.status == 429:
                    body = await resp.json()
                    assert resp.headers["Retry-After"] == str(body["parameters"]["retry_after"])
                    assert body["description"].startswith("Too Many Requests: retry after ")
                    assert 1 <= body["parameters"]["retry_after"] <= 60
        assert statuses == [200] * 20 + [429]
        clock.now += 5
        statuses = []
        for n in range(31):
            async with http.post(url, data={"chat_id": 5000 + n, "text": "x"}) as resp:
                statuses.append(resp.status)
        assert statuses == [200] * 30 + [429]


async def test_scripted_errors_map_to_aiogram_exceptions(fake: FakeTelegram, bot: Bot) -> None:
    fake.block(11)
    fake.fail(DEACTIVATED, chat_id=12)
    fake.migrate(-500, -1005000)
    fake.fail_next(2, BAD_GATEWAY, chat_id=13)
    fake.fail_next(1, DROP_CONNECTION, chat_id=14)
    with pytest.raises(TelegramForbiddenError, match="bot was blocked by the user"):
        await bot.send_message(11, "hi")
    with pytest.raises(TelegramForbiddenError, match="user is deactivated"):
        await bot.send_message(12, "hi")
    with pytest.raises(TelegramMigrateToChat) as moved:
        await bot.send_message(-500, "hi")
    assert moved.value.migrate_to_chat_id == -1005000
    await bot.send_message(-1005000, "the new chat works")
    for _ in range(2):
        with pytest.raises(TelegramServerError):
            await bot.send_message(13, "hi")
    await bot.send_message(13, "third time lucky")
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(14, "hi")
    await bot.send_message(14, "after the drop")
    fake.rate_limit(7, chat_id=15)
    with pytest.raises(TelegramRetryAfter) as waited:
        await bot.send_message(15, "hi")
    assert waited.value.retry_after == 7
    fake.clear_errors(11)
    await bot.send_message(11, "unblocked")
    assert fake.stats.errors[403] == 2 and fake.stats.dropped == 1


async def test_polling_dispatcher_gets_updates_and_replies(fake: FakeTelegram, bot: Bot) -> None:
    router = Router()

    @router.message(Command("search"))
    async def search(message: Message) -> None:
        await message.answer(f"searching: {html.escape(message.text or '')}")

    @router.callback_query(F.data == "more")
    async def more(query: CallbackQuery) -> None:
        await query.answer("next page")
        assert isinstance(query.message, Message)
        await query.message.edit_text("page 2")

    dp = Dispatcher()
    dp.include_router(router)
    polling = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, polling_timeout=1, close_bot_session=False)
    )
    try:
        alice = fake.user(1001, language_code="kk")
        fake.send_text(alice, f"/search@{fake.bot_username} <НКО> & закон")
        replies = await fake.wait_for_messages(alice.id, 1)
        assert replies[0]["text"] == f"searching: /search@{fake.bot_username} <НКО> & закон"
        keyboard = InlineKeyboardMarkup(
            inline_keyboard=[[InlineKeyboardButton(text="More ›", callback_data="more")]]
        )
        shown = await bot.send_message(alice.id, "page 1", reply_markup=keyboard)
        fake.press_button(alice, fake.message(alice.id, shown.message_id) or {}, text="More")
        await fake.wait_for_calls("answerCallbackQuery")
        await fake.wait_for_calls("editMessageText")
        assert (fake.message(alice.id, shown.message_id) or {})["text"] == "page 2"
        assert all(c.ok for c in fake.calls("answerCallbackQuery"))
    finally:
        await dp.stop_polling()
        await polling


async def test_second_get_updates_ends_the_first_with_conflict(fake: FakeTelegram) -> None:
    first, second = make_bot(fake), make_bot(fake)
    try:
        pending = asyncio.create_task(first.get_updates(timeout=5))
        await fake.wait_until(lambda: fake.polling)
        taking_over = asyncio.create_task(second.get_updates(timeout=5))
        with pytest.raises(TelegramConflictError):
            await pending
        fake.send_text(fake.user(5), "hello")
        updates = await taking_over
        assert [u.message.text for u in updates if u.message] == ["hello"]
        assert await second.get_updates(offset=updates[-1].update_id + 1, timeout=0) == []
    finally:
        await first.session.close()
        await second.session.close()


async def test_allowed_updates_and_limit(fake: FakeTelegram, bot: Bot) -> None:
    user = fake.user(6)
    fake.inline_query(user, "нко")
    for n in range(3):
        fake.send_text(user, f"m{n}")
    got = await bot.get_updates(limit=2, allowed_updates=["message"])
    assert [u.message.text for u in got if u.message] == ["m0", "m1"]
    assert await bot.get_updates(offset=got[-1].update_id + 1, limit=5) != []


async def test_commands_per_scope_and_language(fake: FakeTelegram, bot: Bot) -> None:
    await bot.set_my_commands(
        [BotCommand(command="search", description="Іздеу")], language_code="kk"
    )
    admin_scope = BotCommandScopeChat(chat_id=77)
    await bot.set_my_commands([BotCommand(command="stats", description="Stats")], scope=admin_scope)
    assert [c.command for c in await bot.get_my_commands(language_code="kk")] == ["search"]
    assert await bot.get_my_commands() == []
    assert fake.commands({"type": "chat", "chat_id": 77})[0]["command"] == "stats"
    with pytest.raises(TelegramBadRequest):
        await bot.set_my_commands([BotCommand(command="Bad-Name", description="x")])
    await bot.delete_my_commands(language_code="kk")
    assert fake.commands(language_code="kk") == []


async def test_inline_answers_are_checked(fake: FakeTelegram, bot: Bot) -> None:
    def article(n: int) -> InlineQueryResultArticle:
        return InlineQueryResultArticle(
            id=str(n),
            title=f"story {n}",
            input_message_content=InputTextMessageContent(message_text=f"<b>story {n}</b>"),
        )

    update = fake.inline_query(fake.user(8), "нко")
    query_id = update["inline_query"]["id"]
    with pytest.raises(TelegramBadRequest, match="RESULTS_TOO_MUCH"):
        await bot.answer_inline_query(query_id, [article(n) for n in range(51)])
    with pytest.raises(TelegramBadRequest, match="NEXT_OFFSET_INVALID"):
        await bot.answer_inline_query(query_id, [article(1)], next_offset="x" * 65)
    await bot.answer_inline_query(query_id, [article(n) for n in range(20)], next_offset="20")
    answer = fake.inline_answer(query_id)
    assert answer is not None and len(answer["results"]) == 20


async def test_documents_up_and_down(fake: FakeTelegram, bot: Bot) -> None:
    opml = b'<?xml version="1.0"?><opml version="2.0"><body/></opml>'
    await bot.send_document(5, BufferedInputFile(opml, "feeds.opml"), caption="<b>export</b>")
    assert fake.uploaded(5) == [opml]
    assert fake.sent_messages(5)[0]["document"]["file_name"] == "feeds.opml"

    update = fake.send_document(fake.user(5), b"user bytes", "mine.opml", mime_type="text/xml")
    file = await bot.get_file(update["message"]["document"]["file_id"])
    buffer = io.BytesIO()
    assert file.file_path is not None
    await bot.download_file(file.file_path, buffer)
    assert buffer.getvalue() == b"user bytes"
    with pytest.raises(TelegramBadRequest, match="invalid file_id"):
        await bot.get_file("nope")


async def test_channel_admin_checks(fake: FakeTelegram, bot: Bot) -> None:
    fake.add_channel(-1002000, "ngo_news", admins=[1001])
    chat = await bot.get_chat("@ngo_news")
    assert (chat.id, chat.type) == (-1002000, "channel")
    me = await bot.get_chat_member(-1002000, fake.bot_id)
    assert me.status == "administrator"
    admins = await bot.get_chat_administrators(-1002000)
    assert sorted(a.user.id for a in admins) == [42, 1001]
    stranger = await bot.get_chat_member(-1002000, 555)
    assert stranger.status == "left"
    with pytest.raises(TelegramBadRequest, match="chat not found"):
        await bot.get_chat("@missing_channel")


async def test_edits_and_not_modified(fake: FakeTelegram, bot: Bot) -> None:
    sent = await bot.send_message(3, "v1")
    await bot.edit_message_text("v2", chat_id=3, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message is not modified"):
        await bot.edit_message_text("v2", chat_id=3, message_id=sent.message_id)
    with pytest.raises(TelegramBadRequest, match="message to edit not found"):
        await bot.edit_message_text("v3", chat_id=3, message_id=999)
    with pytest.raises(TelegramBadRequest, match="query ID is invalid"):
        await bot.answer_callback_query("forged")
    long_data = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="x", callback_data="d" * 65)]]
    )
    with pytest.raises(TelegramBadRequest, match="BUTTON_DATA_INVALID"):
        await bot.send_message(3, "buttons", reply_markup=long_data)


async def test_control_routes_drive_the_fake(fake: FakeTelegram, bot: Bot) -> None:
    async with aiohttp.ClientSession() as http:
        control = f"{fake.url}/__control"
        await http.post(f"{control}/message", json={"user": {"id": 31}, "text": "/start"})
        await http.post(f"{control}/errors", json={"kind": "blocked", "chat_id": 32})
        updates = await bot.get_updates()
        assert updates[0].message is not None and updates[0].message.text == "/start"
        with pytest.raises(TelegramForbiddenError):
            await bot.send_message(32, "x")
        await bot.send_message(31, "welcome")
        async with http.get(f"{control}/messages", params={"chat_id": "31"}) as resp:
            assert [m["text"] for m in await resp.json()] == ["welcome"]
        async with http.get(f"{control}/stats") as resp:
            stats = await resp.json()
        assert stats["sent"] == 1 and stats["errors"] == {"403": 1}


async def test_webhook_mode_pushes_updates(
    fake: FakeTelegram, bot: Bot, unused_tcp_port: int
) -> None:
    received: list[dict[str, Any]] = []

    async def hook(request: aiohttp.web.Request) -> aiohttp.web.Response:
        assert request.headers["X-Telegram-Bot-Api-Secret-Token"] == "s3cret"
        received.append(await request.json())
        return aiohttp.web.Response()

    app = aiohttp.web.Application()
    app.router.add_post("/hook", hook)
    runner = aiohttp.web.AppRunner(app)
    await runner.setup()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", unused_tcp_port).start()
    try:
        await bot.set_webhook(f"http://127.0.0.1:{unused_tcp_port}/hook", secret_token="s3cret")
        with pytest.raises(TelegramConflictError):
            await bot.get_updates()
        fake.send_text(fake.user(40), "via webhook")
        await fake.wait_for_delivery()
        assert received[0]["message"]["text"] == "via webhook"
        await bot.delete_webhook()
    finally:
        await runner.cleanup()


async def test_standalone_server_prints_its_url() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.fakes.telegram_api",
        "--port",
        "0",
        stdout=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode().strip()
        assert line.startswith("FAKE_TELEGRAM_URL=http://127.0.0.1:")
        async with aiohttp.ClientSession() as http:
            url = line.split("=", 1)[1]
            async with http.get(f"{url}/bot42:TEST-fake-token/getMe") as resp:
                assert (await resp.json())["ok"] is True
    finally:
        process.terminate()
        assert await asyncio.wait_for(process.wait(), 20) == 0


@given(st.text())
def test_escaped_text_round_trips(text: str) -> None:
    plain, entities = parse_html(html.escape(text, quote=True))
    assert plain == text and entities == []
    plain, entities = parse_html(f"<i>{html.escape(text)}</i>")
    if text:
        assert entities == [{"type": "italic", "offset": 0, "length": utf16_len(text)}]


@given(st.text(alphabet="<>&/abi;#x", max_size=30))
def test_parser_only_raises_its_own_error(text: str) -> None:
    with contextlib.suppress(HtmlParseError):
        parse_html(text)
