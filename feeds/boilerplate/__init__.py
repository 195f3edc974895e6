"""Boilerplate of news pages: footers, credits, calls to subscribe, datelines.

The patterns are data, one TOML file per language (`ru.toml`, `kk.toml`, `en.toml`) plus
`common.toml` for what looks the same everywhere. Each file may hold four lists of
`{ name, pattern, case_sensitive? }` tables:

- `footer`: a paragraph matching one starts the page footer; it and all after it go;
- `drop`: a sentence matching one is dropped whole;
- `strip_lead`: cut from the start of a sentence (datelines), the rest stays;
- `strip_tail`: cut from the end of a sentence (attributions), its final punctuation stays.

Every language's patterns apply to every text: feeds mislabel languages, and Russian
footers appear under Kazakh articles.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from feeds.boilerplate.hints import Hints, fold, hints_of, may_match, union

PATTERN_FILES: tuple[str, ...] = ("common", "ru", "kk", "en")
KINDS: tuple[str, ...] = ("footer", "drop", "strip_lead", "strip_tail")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One named pattern from a boilerplate file."""

    language: str  # the file it came from: common, ru, kk or en
    kind: str
    name: str
    regex: re.Pattern[str]
    hints: Hints | None = None
    """Folded strings one of which every match contains (feeds/boilerplate/hints.py)."""


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """All patterns, by kind. Built once by `load()`, then shared by every thread."""

    footer: tuple[Pattern, ...]
    drop: tuple[Pattern, ...]
    strip_lead: tuple[Pattern, ...]
    strip_tail: tuple[Pattern, ...]
    # The hints of each kind together: a text holding none is matched by no pattern of it.
    footer_hints: Hints | None = None
    drop_hints: Hints | None = None
    strip_tail_hints: Hints | None = None

    def starts_footer(self, paragraph: str) -> bool:
        """True when `paragraph` is where the page footer begins."""
        folded = fold(paragraph)
        return may_match(self.footer_hints, folded) and any(
            may_match(p.hints, folded) and p.regex.search(paragraph) for p in self.footer)

    def dropping(self, sentence: str) -> Pattern | None:
        """The drop pattern `sentence` matches, if any (a sentence to leave out whole)."""
        folded = fold(sentence)
        if not may_match(self.drop_hints, folded):
            return None
        return next((p for p in self.drop
                     if may_match(p.hints, folded) and p.regex.search(sentence)), None)

    def strip_leads(self, text: str) -> str:
        """`text` without the dateline it starts with, if any."""
        for pattern in self.strip_lead:
            text = pattern.regex.sub("", text, count=1)
        return text

    def strip(self, sentence: str) -> str:
        """`sentence` without its dateline and outlet attribution."""
        sentence = self.strip_leads(sentence)
        folded = fold(sentence)
        if may_match(self.strip_tail_hints, folded):
            for pattern in self.strip_tail:
                if may_match(pattern.hints, folded):
                    cut = pattern.regex.sub("", sentence, count=1)
                    if cut != sentence:  # the next patterns see the sentence as cut
                        sentence, folded = cut, fold(cut)
        return sentence.strip()

    def matches(self, text: str) -> list[Pattern]:
        """Every footer or drop pattern found anywhere in `text` (for audits and tests)."""
        return [p for p in (*self.footer, *self.drop) if p.regex.search(text)]


def _compile(language: str, kind: str, entry: dict[str, object]) -> Pattern:
    name, source = str(entry["name"]), str(entry["pattern"])
    flags = re.UNICODE if entry.get("case_sensitive") else re.UNICODE | re.IGNORECASE
    try:
        regex = re.compile(source, flags)
    except re.error as exc:
        raise ValueError(f"boilerplate/{language}.toml: {kind} {name!r}: {exc}") from exc
    return Pattern(language=language, kind=kind, name=name, regex=regex, hints=hints_of(regex))


def read_patterns(language: str) -> list[Pattern]:
    """The patterns of one file (`common`, `ru`, `kk` or `en`), in file order."""
    data = tomllib.loads(
        resources.files(__name__).joinpath(f"{language}.toml").read_text(encoding="utf-8")
    )
    unknown = set(data) - set(KINDS)
    if unknown:
        raise ValueError(f"boilerplate/{language}.toml: unknown lists {sorted(unknown)}")
    return [
        _compile(language, kind, entry) for kind in KINDS for entry in data.get(kind, [])
    ]


@cache
def load() -> Boilerplate:
    """Every pattern of every file, compiled once per process."""
    patterns = [p for language in PATTERN_FILES for p in read_patterns(language)]

    def of(kind: str) -> tuple[Pattern, ...]:
        return tuple(p for p in patterns if p.kind == kind)

    return Boilerplate(
        footer=of("footer"), drop=of("drop"), strip_lead=of("strip_lead"),
        strip_tail=of("strip_tail"),
        footer_hints=union(p.hints for p in of("footer")),
        drop_hints=union(p.hints for p in of("drop")),
        strip_tail_hints=union(p.hints for p in of("strip_tail")),
    )
