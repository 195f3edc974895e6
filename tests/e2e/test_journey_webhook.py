"""`civic-digest run` in webhook mode (WEBHOOK_URL set): the fake Bot API pushes updates to the
bot's own HTTP server with the secret token; a wrong token is turned away."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import aiohttp

from tests.conftest import REPO_ROOT, wait_for
from tests.fakes.telegram_api import FakeTelegram

STARTUP_DEADLINE = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def test_webhook_mode_answers_and_checks_the_secret(tmp_path: Path) -> None:
    port = _free_port()
    hook = f"http://127.0.0.1:{port}/telegram/hook"
    async with FakeTelegram() as fake:
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("BOT_", "WEBHOOK_"))},
            "BOT_TOKEN": fake.token,
            "TELEGRAM_API_URL": fake.url,
            "DATABASE_PATH": str(tmp_path / "archive.db"),
            "WEBHOOK_URL": hook,
            "WEBHOOK_SECRET": "s3cret-token_for-tests",
            "WEBHOOK_PORT": str(port),
            "POLL_INTERVAL_SECONDS": "3600",
            "PYTHONPATH": str(REPO_ROOT),
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            cwd=tmp_path,
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        try:

            def registered() -> bool:
                if process.returncode is not None:
                    raise AssertionError(f"civic-digest run exited with {process.returncode}")
                return bool(fake.calls("setWebhook"))

            await wait_for(registered, deadline=STARTUP_DEADLINE)
            (call,) = fake.calls("setWebhook")
            assert call.params["url"] == hook
            assert call.params["secret_token"] == "s3cret-token_for-tests"
            assert "message" in call.params["allowed_updates"]

            user = fake.user(8101, language_code="kk")
            fake.send_text(user, "/start")
            (welcome,) = await fake.wait_for_messages(user.id, 1, deadline=20)
            assert "Сәлеметсіз бе" in welcome["text"]

            forged = {
                "update_id": 1,
                "message": {
                    "message_id": 1,
                    "date": 1,
                    "chat": {"id": 8102, "type": "private"},
                    "text": "/start",
                },
            }
            async with aiohttp.ClientSession() as session:
                for secret in ("wrong", None):
                    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret else {}
                    async with session.post(hook, json=forged, headers=headers) as response:
                        assert response.status == 401
            assert fake.sent_messages(8102) == []

            process.send_signal(signal.SIGTERM)
            _, stderr = await asyncio.wait_for(process.communicate(), timeout=30)
            log = stderr.decode("utf-8", "replace")
            assert process.returncode == 0, log
            assert "Traceback" not in log, log
            assert fake.token not in log and "s3cret-token_for-tests" not in log
        finally:
            if process.returncode is None:
                process.kill()
                _, stderr = await process.communicate()
                print(stderr.decode("utf-8", "replace")[-5000:])
