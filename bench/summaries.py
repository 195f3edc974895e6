"""Summary quality on the labeled dev items whose summary field is at least 300 characters.

Figures (issue 4): the share of summaries that end at a sentence boundary (goal 100%), the
share that contain boilerplate (goal 0%), their mean length; plus how many items got a
summary and the time per summary. Baseline: the naive teaser most feed readers show, the
text's first 280 characters cut at a word boundary, measured the same way.

Boilerplate is judged twice: by the product's own patterns (feeds/boilerplate/*.toml) and
by a fixed list of markers kept here, independent of those patterns, so a pattern that
stopped matching cannot hide a leak.

The items are read in place from ../shared/data (never copied). Writes
docs/benchmarks/summaries.md unless --no-write.

Usage: python -m bench.summaries [--no-write]
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections.abc import Callable
from pathlib import Path

from bench._common import dev_items, machine, today
from feeds import boilerplate
from feeds.sentences import ends_sentence
from feeds.summarize import MAX_CHARS, summarize

MIN_SOURCE_CHARS = 300
REPORT = Path(__file__).resolve().parents[1] / "docs" / "benchmarks" / "summaries.md"

# Independent of the patterns: strings that never belong in a summary.
AUDIT_MARKERS = re.compile(
    r"©|https?://|www\.|@\w{3,}|подпис(?:ывайтесь|ывайся|аться)|читайте|прислать новость|"
    r"зарегистрирован\w* в министерстве|свидетельство о постановке|kazinform\s*[–—-]|"
    r"(?-i:^[A-ZА-ЯЁ-]{4,}[.,] )|фото:|фото пресс-служб|жазылыңыз|subscribe|read also|"
    r"посмотреть эту публикацию",
    re.IGNORECASE,
)


def naive_teaser(title: str, text: str, language: str) -> str | None:
    """The baseline: the first MAX_CHARS characters of the text, cut at a space."""
    text = " ".join(text.split())
    if len(text) <= MAX_CHARS:
        return text or None
    return text[:MAX_CHARS].rsplit(" ", 1)[0]


def has_boilerplate(summary: str) -> bool:
    return bool(boilerplate.load().matches(summary) or AUDIT_MARKERS.search(summary))


def measure(records: list[dict[str, object]],
            summarizer: Callable[[str, str, str], str | None]) -> dict[str, float]:
    made: list[str] = []
    started = time.process_time()  # CPU time: the machine is shared, wall time is noise
    for record in records:
        summary = summarizer(str(record["title"]), str(record["summary"]), str(record["lang"]))
        if summary:
            made.append(summary)
    elapsed = time.process_time() - started
    if not made:
        return {"items": len(records), "summaries": 0}
    return {
        "items": len(records),
        "summaries": len(made),
        "sentence_end": sum(ends_sentence(s) for s in made) / len(made),
        "boilerplate": sum(has_boilerplate(s) for s in made) / len(made),
        "mean_chars": statistics.fmean(len(s) for s in made),
        "max_chars": max(len(s) for s in made),
        "ms_per_item": elapsed / len(records) * 1000,
    }


def _report(ours: dict[str, float], base: dict[str, float]) -> str:
    def pct(value: float) -> str:
        return f"{value * 100:.1f}%"

    return "\n".join([
        "# Summaries: quality on the dev items",
        "",
        f"Machine: {machine()}. Date: {today()}. Script: `python -m bench.summaries`.",
        "",
        f"Items: the {int(ours['items'])} dev items (../shared/data/news/dev.jsonl) whose",
        f"`summary` field is at least {MIN_SOURCE_CHARS} characters, used as the item text.",
        "Baseline: the text's first 280 characters cut at a space (a naive teaser).",
        "",
        "| figure | goal | summarize() | baseline | ratio to baseline |",
        "| --- | --- | --- | --- | --- |",
        f"| ends at a sentence boundary | 100% | {pct(ours['sentence_end'])} |"
        f" {pct(base['sentence_end'])} | {ours['sentence_end'] / base['sentence_end']:.2f}x |",
        f"| contains boilerplate | 0% | {pct(ours['boilerplate'])} |"
        f" {pct(base['boilerplate'])} | "
        + (f"{ours['boilerplate'] / base['boilerplate']:.2f}x |" if base["boilerplate"] else "- |"),
        f"| mean length (characters) | ≤ 280 | {ours['mean_chars']:.0f} |"
        f" {base['mean_chars']:.0f} | {ours['mean_chars'] / base['mean_chars']:.2f}x |",
        f"| longest (characters) | ≤ 280 | {int(ours['max_chars'])} | {int(base['max_chars'])} | |",
        f"| items with a summary | | {int(ours['summaries'])} of {int(ours['items'])} |"
        f" {int(base['summaries'])} | |",
        f"| CPU time per item | | {ours['ms_per_item']:.2f} ms | | |",
        "",
        "Boilerplate is counted when a summary matches a pattern of feeds/boilerplate/*.toml or",
        "one of the script's own markers (copyright sign, links, handles, calls to subscribe,",
        "«Читайте», registration lines, agency datelines, photo credits).",
        "",
        "Items without a summary: their text has no whole sentence of at most 280 characters",
        "that is not boilerplate, a question, truncated, or the headline again; the product",
        "then shows the headline alone rather than a cut sentence.",
        "",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    records = [r for r in dev_items() if len(str(r.get("summary") or "")) >= MIN_SOURCE_CHARS]
    if not records:
        print("../shared/data/news/dev.jsonl is not present: nothing to measure")
        return
    boilerplate.load()  # compile the patterns outside the timing
    ours = measure(records, summarize)
    base = measure(records, naive_teaser)
    print(f"machine: {machine()}; date: {today()}")
    print(f"items: {int(ours['items'])} dev items with a summary field of >= 300 characters")
    print(f"summaries made: {int(ours['summaries'])}  (baseline {int(base['summaries'])})")
    print(f"end at a sentence boundary: {ours['sentence_end']:.1%} (goal 100%; baseline "
          f"{base['sentence_end']:.1%}; ratio {ours['sentence_end'] / base['sentence_end']:.2f}x)")
    print(f"contain boilerplate: {ours['boilerplate']:.1%} (goal 0%; baseline "
          f"{base['boilerplate']:.1%})")
    print(f"mean length: {ours['mean_chars']:.0f} characters, longest {int(ours['max_chars'])} "
          f"(baseline mean {base['mean_chars']:.0f}; ratio "
          f"{ours['mean_chars'] / base['mean_chars']:.2f}x)")
    print(f"CPU time: {ours['ms_per_item']:.2f} ms per item")
    if not args.no_write:
        REPORT.parent.mkdir(parents=True, exist_ok=True)
        REPORT.write_text(_report(ours, base), encoding="utf-8")
        print(f"wrote {REPORT}")


if __name__ == "__main__":
    main()
