"""`civic-digest` as a subprocess against the fake Bot API, for tests and benchmarks."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

CLI = [sys.executable, "-m", "bot"]
REPO_ROOT = Path(__file__).resolve().parents[2]


def bot_environment(
    *, token: str, api_url: str, database: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    """A clean environment for the bot: nothing leaks in from the developer's shell or .env."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": str(REPO_ROOT),
        "BOT_TOKEN": token,
        "TELEGRAM_API_URL": api_url,
        "DATABASE_PATH": str(database),
        "FEEDS_ALLOW_PRIVATE": "true",
        "LOG_LEVEL": "INFO",
    }
    env.update(extra or {})
    return env


async def run_cli(
    *args: str, env: Mapping[str, str], cwd: Path, deadline: float = 60.0
) -> tuple[int, str]:
    """Run one `civic-digest` command to its end; (exit code, stdout and stderr together)."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        *args,
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), deadline)
    assert process.returncode is not None
    return process.returncode, output.decode("utf-8", "replace")


@asynccontextmanager
async def running_bot(env: Mapping[str, str], cwd: Path) -> AsyncIterator[BotProcess]:
    """`civic-digest run` until the block ends; then SIGTERM, and the output is kept."""
    process = await asyncio.create_subprocess_exec(
        *CLI,
        "run",
        "--polling-timeout",
        "1",
        env=dict(env),
        cwd=cwd,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    handle = BotProcess(process)
    reader = asyncio.create_task(handle.collect())
    try:
        yield handle
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
        await reader


class BotProcess:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    async def collect(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            self.lines.append(raw.decode("utf-8", "replace"))

    @property
    def output(self) -> str:
        return "".join(self.lines)

    @property
    def pid(self) -> int:
        return self.process.pid


def process_figures(pid: int) -> tuple[float, float, int]:
    """(resident MB, peak resident MB, open file descriptors) of a live process, from /proc."""
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    rss = int(fields["VmRSS"].split()[0]) / 1024
    peak = int(fields["VmHWM"].split()[0]) / 1024
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    return rss, peak, fds
