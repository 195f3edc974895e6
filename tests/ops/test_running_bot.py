"""`civic-digest run` as operators meet it: healthy, measured, unshaken by odd Unicode."""

from __future__ import annotations

import socket
from pathlib import Path

import aiohttp
import pytest

from tests.fakes.telegram_api import FakeTelegram
from tests.ops.botprocess import bot_environment, run_cli, running_bot

TOKEN = "7300112233:AAFakeSecretForTests_abcdefghijklmnop"
SECRET = TOKEN.split(":", 1)[1]
ADMIN = 9001
ODD_TEXTS = [
    "\u200b\u200b\u200b",  # zero-width spaces only
    "\u202eОКН\u202c \u200fзакон\u200e",  # RTL override and marks around words
    "НКО \ud800 закон",  # a lone surrogate (valid JSON, invalid UTF-8)
    "ё" * 4096,  # the longest message Telegram delivers
    "/search " + "\u0301" * 50,  # combining marks with no base letter
    "/search 👩‍👩‍👧 \ufeff\x00 NGO",  # emoji ZWJ sequence, BOM, NUL
    '/search " * -закон AND( NEAR( {body} <b>',  # FTS and HTML syntax
    "/search " + "қазақ " * 600,  # a long query in Kazakh
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.slow
async def test_running_bot_is_healthy_measured_and_answers_odd_text(tmp_path: Path) -> None:
    metrics_port = free_port()
    async with FakeTelegram(token=TOKEN, limits=None) as fake:
        env = bot_environment(
            token=fake.token,
            api_url=fake.url,
            database=tmp_path / "bot.db",
            extra={"METRICS_PORT": str(metrics_port), "ADMIN_IDS": str(ADMIN)},
        )
        async with running_bot(env, tmp_path) as bot:
            first = fake.user(600, language_code="ru")
            fake.send_text(first, "/start")
            await fake.wait_for_messages(first.id, 1, deadline=120)

            admin = fake.user(ADMIN, language_code="en")
            fake.send_text(admin, "/stats")
            stats = await fake.wait_for_messages(ADMIN, 1, deadline=30)
            assert SECRET not in str(stats) and "Last poll" in str(stats)

            code, verdict = await run_cli("health", env=env, cwd=tmp_path)
            assert (code, verdict.split(":")[0]) == (0, "healthy"), verdict

            for n, text in enumerate(ODD_TEXTS):
                user = fake.user(700 + n, language_code="kk")
                fake.send_text(user, text)
                replies = await fake.wait_for_messages(user.id, 1, deadline=30)
                assert replies[0].get("text"), f"no readable answer to odd text #{n}"

            async with (
                aiohttp.ClientSession() as http,
                http.get(f"http://127.0.0.1:{metrics_port}/metrics") as resp,
            ):
                exposition = await resp.text()
            assert 'civic_digest_telegram_requests_total{method="sendMessage",outcome="ok"}' in (
                exposition
            )
            assert "civic_digest_asyncio_tasks" in exposition
        assert bot.process.returncode == 0, bot.output[-3000:]
    assert SECRET not in bot.output and SECRET not in exposition
    failures = [line for line in bot.output.splitlines() if " ERROR " in line]
    assert failures == [], "\n".join(failures)



