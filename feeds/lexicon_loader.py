"""Reading the bundled lexicon: one TOML file per topic under feeds/lexicon/, plus cues.

A file names its topic and holds groups of terms that share a language, a weight and,
optionally, words that cancel them (`unless`):

    topic = "ngo_civil_society"

    [[group]]
    lang = "ru"
    weight = 1.0
    terms = ["некоммерческая организация", "НКО"]
    unless = ["энергомаш"]
    needs = ["задержали"]   # optional: the terms count only when one of these words occurs
    before_name = 0.3   # optional: the weight of a term standing right before a name

The topic `off_topic` holds negative weights (sport, markets, weather, routine crime...);
a weight of 0 makes a mask: a phrase whose words must not count for anything else
(«общественный транспорт» hides the «общественный» of «общественный совет»).

`before_name` is for words that also serve as a label in front of a person's name
(«иноагент Максим Галкин», «друга иноагента Евгения…»): such an item is about the person,
not about the regime the word names, so there the term counts only this much.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from importlib import resources

from feeds.models import LANGUAGES, TOPICS

OFF_TOPIC = "off_topic"
"""The pseudo-topic of negative cues and masks."""


class LexiconError(ValueError):
    """A lexicon file is malformed; the message names the file and the group."""


@dataclass(frozen=True, slots=True)
class LexiconEntry:
    """One term as written in a lexicon file (not yet stemmed)."""

    topic: str
    language: str
    weight: float
    phrase: str
    unless: tuple[str, ...] = ()
    before_name: float | None = None  # the weight right before a capitalised word (a name)
    needs: tuple[str, ...] = ()


def load_bundled() -> list[LexiconEntry]:
    """Every entry of every `feeds/lexicon/*.toml`, in file-name order."""
    entries: list[LexiconEntry] = []
    folder = resources.files("feeds").joinpath("lexicon")
    for resource in sorted(folder.iterdir(), key=lambda r: r.name):
        if resource.name.endswith(".toml"):
            entries.extend(parse_lexicon(resource.read_text(encoding="utf-8"), resource.name))
    return entries


def parse_lexicon(text: str, name: str) -> list[LexiconEntry]:
    """The entries of one lexicon file; `LexiconError` naming `name` when it is malformed."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise LexiconError(f"{name}: not valid TOML: {exc}") from exc
    topic = data.get("topic")
    if topic not in TOPICS and topic != OFF_TOPIC:
        raise LexiconError(f"{name}: unknown topic {topic!r}")
    entries: list[LexiconEntry] = []
    for number, group in enumerate(data.get("group", []), 1):
        where = f"{name}, group {number}"
        language = group.get("lang")
        weight = group.get("weight")
        terms = group.get("terms")
        unless = group.get("unless", [])
        before_name = group.get("before_name")
        needs = group.get("needs", [])
        if language not in LANGUAGES:
            raise LexiconError(f"{where}: lang must be one of {', '.join(LANGUAGES)}")
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            raise LexiconError(f"{where}: weight must be a number")
        if topic != OFF_TOPIC and weight <= 0:
            raise LexiconError(f"{where}: topic terms need a positive weight")
        if before_name is not None and (
            not isinstance(before_name, int | float)
            or isinstance(before_name, bool)
            or not 0 <= before_name <= weight
        ):
            raise LexiconError(f"{where}: before_name must be a number from 0 to the weight")
        if not all(map(_is_text_list, (terms, unless, needs))):
            raise LexiconError(f"{where}: terms, unless and needs must be lists of text")
        # A cue is one word: each word of a phrase would act on its own.
        if any(len(cue.split()) != 1 for cue in unless + needs):
            raise LexiconError(f"{where}: each unless or needs cue must be a single word")
        entries.extend(
            LexiconEntry(
                topic,
                language,
                float(weight),
                phrase,
                tuple(unless),
                None if before_name is None else float(before_name),
                tuple(needs),
            )
            for phrase in terms
            if phrase.strip()
        )
    return entries


def _is_text_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)
