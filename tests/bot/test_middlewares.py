"""Locale per update, throttling of heavy handlers, and the apology for handler errors."""

from __future__ import annotations

import pytest
from aiogram.exceptions import TelegramRetryAfter
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import create_bot
from bot.middlewares import Throttle, ThrottleRule, ThrottleVerdict
from tests.conftest import wait_for
from tests.e2e.conftest import BotUnderTest, bot_settings, fake_telegram, running_bot
from tests.fakes.telegram_state import BAD_GATEWAY, bad_request

__all__ = ["bot_settings", "fake_telegram", "running_bot"]

ALLOW, WARN, DROP = ThrottleVerdict.ALLOW, ThrottleVerdict.WARN, ThrottleVerdict.DROP


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # (seconds since the previous action, user), burst 3, one token back every 2 s
        ([(0, 1)] * 3, [ALLOW] * 3),
        ([(0, 1)] * 6, [ALLOW, ALLOW, ALLOW, WARN, DROP, DROP]),
        ([(0, 1)] * 4 + [(2, 1), (0, 1)], [ALLOW, ALLOW, ALLOW, WARN, ALLOW, WARN]),
        ([(0, 1)] * 4 + [(0, 2)], [ALLOW, ALLOW, ALLOW, WARN, ALLOW]),
        ([(0, 1)] * 3 + [(60, 1)] * 1 + [(0, 1)] * 3, [ALLOW] * 6 + [WARN]),
    ],
)
def test_throttle_buckets(steps: list[tuple[float, int]], expected: list[ThrottleVerdict]) -> None:
    clock = Clock()
    throttle = Throttle({"search": ThrottleRule(burst=3, refill_seconds=2)}, clock=clock)
    verdicts = []
    for delay, user in steps:
        clock.now += delay
        verdicts.append(throttle.check(user, "search"))
    assert verdicts == expected


def test_unknown_kinds_are_not_limited() -> None:
    throttle = Throttle({"search": ThrottleRule(1, 10)}, clock=Clock())
    assert [throttle.check(1, "other") for _ in range(50)] == [ALLOW] * 50


def test_memory_is_bounded() -> None:
    throttle = Throttle({"search": ThrottleRule(1, 10)}, clock=Clock(), max_buckets=100)
    for user in range(10_000):
        throttle.check(user, "search")
    assert len(throttle._buckets) == 100


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(min_value=0, max_value=5), min_size=1, max_size=200))
def test_never_more_than_the_burst_plus_the_refill(delays: list[float]) -> None:
    clock = Clock()
    rule = ThrottleRule(burst=5, refill_seconds=2)
    throttle = Throttle({"search": rule}, clock=clock)
    allowed = 0
    for delay in delays:
        clock.now += delay
        allowed += throttle.check(7, "search") is ALLOW
    assert allowed <= rule.burst + clock.now / rule.refill_seconds + 1e-9
    assert throttle.allowed == allowed and throttle.refused == len(delays) - allowed


async def test_a_flood_of_searches_gets_one_slow_down(running_bot: BotUnderTest) -> None:
    throttle: Throttle = running_bot.dispatcher["throttle"]
    throttle.clock = Clock()  # frozen: no token comes back during the flood
    user = running_bot.fake.user(3001, language_code="ru")
    for n in range(100):
        running_bot.fake.send_text(user, f"/search НКО {n}")
    await wait_for(lambda: throttle.allowed + throttle.refused == 100)
    burst = throttle.rules["search"].burst
    messages = await running_bot.fake.wait_for_messages(user.id, burst + 1)
    help_reply = await running_bot.reply(user, "/help")
    assert "civic-digest" in help_reply["text"]
    texts = running_bot.fake.texts(user.id)[:-1]
    assert len(texts) == burst + 1, texts
    assert sum("Подождите несколько секунд" in t for t in texts) == 1
    assert len(messages) >= burst + 1


@pytest.mark.parametrize(
    ("language", "apology"),
    [
        ("ru", "что-то пошло не так"),
        ("kk", "бір нәрсе дұрыс болмады"),
        ("en", "something went wrong"),
    ],
)
async def test_a_failing_handler_is_apologised_for_and_the_bot_goes_on(
    running_bot: BotUnderTest, language: str, apology: str
) -> None:
    user = running_bot.fake.user(3002, language_code=language)
    running_bot.fake.fail_next(1, BAD_GATEWAY, chat_id=user.id)  # the /help answer fails
    sorry = await running_bot.reply(user, "/help")
    assert apology in sorry["text"]
    again = await running_bot.reply(user, "/help")
    assert "civic-digest" in again["text"]


async def test_errors_while_apologising_do_not_stop_the_bot(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(3003, language_code="en")
    running_bot.fake.fail_next(2, bad_request("chat not found"), chat_id=user.id)
    running_bot.fake.send_text(user, "/help")
    await running_bot.fake.wait_for_calls("sendMessage", 2, chat_id=user.id)
    answer = await running_bot.reply(user, "/help")
    assert "civic-digest" in answer["text"]


async def test_the_chats_chosen_language_wins_over_telegrams(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(3004, language_code="en")
    await running_bot.reply(user, "/start")
    await running_bot.reply(user, "/lang kk")
    answer = await running_bot.reply(user, "/help")
    assert "Командалар" in answer["text"]


async def test_a_reply_waits_out_a_short_flood_limit(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(3005, language_code="en")
    running_bot.fake.rate_limit(1, chat_id=user.id)
    answer = await running_bot.reply(user, "/help")
    assert "civic-digest" in answer["text"]  # the answer itself, not an apology
    statuses = [c.status for c in running_bot.fake.calls("sendMessage", chat_id=user.id)]
    assert statuses == [429, 200]


async def test_sends_outside_updates_are_not_retried(running_bot: BotUnderTest) -> None:
    user = running_bot.fake.user(3006, language_code="en")
    running_bot.fake.rate_limit(1, chat_id=user.id)
    bot = create_bot(running_bot.services.settings)
    try:
        with pytest.raises(TelegramRetryAfter):
            await bot.send_message(user.id, "from the outbox")
    finally:
        await bot.session.close()
