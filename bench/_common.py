"""Helpers the bench scripts share: where the third-party data is, and what machine ran them."""

from __future__ import annotations

import json
import os
import platform
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def machine() -> str:
    """A one-line description of this machine for the benchmark records."""
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{os.cpu_count()} cores, {model}, Python {platform.python_version()}"


def today() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d")


def dev_items() -> Iterator[dict[str, object]]:
    """The labeled dev items, read in place (empty when ../shared is absent)."""
    path = SHARED_DATA / "news" / "dev.jsonl"
    if not path.exists():
        return
    with path.open(encoding="utf-8") as handle:
        for line in handle:
            if line.strip():
                yield json.loads(line)
