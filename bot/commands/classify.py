"""`civic-digest classify [FILE]`: the relevance filter on JSONL, without Telegram or a token.

One verdict line out per line in, in order, so the output always aligns with the input: an
empty or malformed line gets an error on stderr naming its number and a not-relevant verdict.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from bot.config import Settings

if TYPE_CHECKING:
    from feeds.classify import Classifier, FilterTerm

HELP = "classify JSONL items (title, summary, optional id, lang): one verdict line per input line"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "file", nargs="?", default="-", help="JSONL input (default: standard input, or -)"
    )


def main(args: argparse.Namespace, settings: Settings) -> int:
    from feeds.classify import Classifier

    classifier = Classifier.load(_admin_terms(settings.database_path))
    if args.file == "-":
        _run(classifier, sys.stdin, sys.stdout)
        return 0
    try:
        with open(args.file, encoding="utf-8", errors="replace") as handle:
            _run(classifier, handle, sys.stdout)
    except OSError as exc:
        print(f"civic-digest classify: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 1
    return 0


def _admin_terms(path: Path) -> list[FilterTerm]:
    """Admins' terms from the archive when it exists; the bundled lexicon alone otherwise."""
    if not path.is_file():
        return []
    import asyncio

    from feeds.archive import open_archive

    async def read() -> list[FilterTerm]:
        async with open_archive(path) as archive:
            return await archive.terms.all()

    try:
        return asyncio.run(read())
    except Exception as exc:  # an unreadable archive must not stop classification
        print(f"civic-digest classify: admin terms not loaded from {path}: {exc}", file=sys.stderr)
        return []


def _run(classifier: Classifier, lines: Iterable[str], out: IO[str]) -> None:
    for verdict in verdict_lines(classifier, lines):
        out.write(verdict + "\n")
    out.flush()


def verdict_lines(classifier: Classifier, lines: Iterable[str]) -> Iterator[str]:
    """The JSON verdict line for each input line, errors reported on stderr."""
    for number, line in enumerate(lines, 1):
        item_id: Any = None
        try:
            record = _parse(line)
            item_id = record.get("id")
            verdict = classifier.classify(
                record.get("title") or "", record.get("summary") or "", record.get("lang") or ""
            )
        except _BadLine as exc:
            item_id = exc.item_id
            print(f"civic-digest classify: line {number}: {exc}", file=sys.stderr)
            yield json.dumps({"id": item_id if _is_id(item_id) else None, "relevant": False,
                              "score": 0.0, "topics": [], "matched": []}, ensure_ascii=False)
            continue
        yield json.dumps({"id": item_id, "relevant": verdict.relevant, "score": verdict.score,
                          "topics": verdict.topics, "matched": verdict.matched},
                         ensure_ascii=False)


class _BadLine(ValueError):
    """What is wrong with a line, and the item's id when the line had a usable one."""

    def __init__(self, message: str, item_id: object = None) -> None:
        super().__init__(message)
        self.item_id = item_id if _is_id(item_id) else None


def _parse(line: str) -> dict[str, Any]:
    """The item on one line; _BadLine saying what is wrong with it."""
    if not line.strip():
        raise _BadLine("empty line")
    try:
        record = json.loads(line)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = f"{exc.msg} at column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else "nested too deep"
        raise _BadLine(f"not valid JSON ({detail})") from None
    if not isinstance(record, dict):
        raise _BadLine(f"expected a JSON object, got {type(record).__name__}")
    item_id = record.get("id")
    if item_id is not None and not _is_id(item_id):
        raise _BadLine("id must be a string or an integer")
    for field in ("title", "summary", "lang"):
        value = record.get(field)
        if value is not None and not isinstance(value, str):
            raise _BadLine(f"{field} must be text, got {type(value).__name__}", item_id)
    if not (record.get("title") or record.get("summary")):
        raise _BadLine("no title and no summary", item_id)
    return record


def _is_id(value: object) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))
