"""Sentences of a news text: paragraphs repaired, split with razdel, quotes kept whole.

Feed text arrives with its markup stripped, which often glues a paragraph to the next one
(«…региона.Фото: gov.kz», «…Акорды Как сообщил…» without the space). The splitter puts
those seams back before razdel sees the text, and joins razdel's pieces again when a split
fell inside a quotation, so that every sentence it returns is whole.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from razdel import sentenize

_UPPER = "A-ZА-ЯЁӘҒҚҢӨҰҮҺІ"
_LOWER = "a-zа-яёәғқңөұүһі"

# Each pattern here begins with a character it takes, not with a look-around, so that the
# regular expression engine skips straight to the few places where that character stands
# (a punctuation mark, a Latin or a capital letter), and checks what surrounds it only
# there: a look-around tried at every character of every text was most of their cost.
#
# «region.Photo» / «сказал."Мы» / «Tengrinews.kz .В»: a sentence end glued to the next
# capitalised word. Not after a capital letter: «А.Иванов» is an initial.
_GLUED_END = re.compile(
    rf"([.!?…])(?<!\b[{_UPPER}][.!?…])([«\"“]?[{_UPPER}](?:[{_LOWER}]|\s))")
# «пропустил бой., Добавим»: list items joined with commas after their full stops.
_COMMA_AFTER_END = re.compile(rf"([.!?])\s*,\s+(?=[«\"“]?[{_UPPER}])")
# «хабарлайдыMassaget.kzтілшісі»: Cyrillic and Latin words glued together. The seam is
# put back by the first pattern, which only texts with a seam (found by the second) run.
_GLUED_SCRIPTS = re.compile(r"(?<=[а-яёәғқңөұүһі])(?=[A-Za-z]{2})|(?<=[A-Za-z]{2})(?=[а-яёәғқңөұүһі])")
_SCRIPT_SEAM = re.compile(
    r"[A-Za-z](?:(?<=[а-яёәғқңөұүһі][A-Za-z])[A-Za-z]|(?<=[A-Za-z]{2})[а-яёәғқңөұүһі])")
# «АкордыКак», «17 апреляПо»: a capitalised word glued to a word of five lower-case letters
# or more is a lost paragraph break. Shorter runs are names written in camel case
# («КазАвтоЖол», «ҚазАқпарат», «ЦентрКредит»), which must stay whole.
_GLUED_CYRILLIC = re.compile(
    r"([А-ЯЁӘҒҚҢӨҰҮҺІ])(?<=[а-яёәғқңөұүһі]{5}[А-ЯЁӘҒҚҢӨҰҮҺІ])(?=[а-яёәғқңөұүһі])")
# Runs of spaces that are not one plain space already (nothing to do for those).
_SPACES = re.compile(r"[\t\u00a0\u2009\u202f][ \t\u00a0\u2009\u202f]*| [ \t\u00a0\u2009\u202f]+")
_LINE_BREAKS = re.compile(r"\n+")

# Terminal punctuation, optionally followed by closing quotes or brackets.
_SENTENCE_END = re.compile(r"[.!?](?:[»\"”’)\]]*)$")
# A quotation spanning more sentences than this is taken for an unclosed quote mark.
_MAX_QUOTED_PIECES = 4
_TRUNCATED_END = re.compile(r"(?:…|\.\.\.)[»\"”’)\]]*$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """One sentence with where it stood: paragraph number and index in the whole text."""

    text: str
    paragraph: int
    index: int


def repair_seams(text: str) -> str:
    """Put back the spaces and paragraph breaks that stripping markup glued away."""
    text = _COMMA_AFTER_END.sub(r"\1 ", text)
    text = _GLUED_END.sub(r"\1 \2", text)
    if _SCRIPT_SEAM.search(text):  # one text in a hundred has one
        text = _GLUED_SCRIPTS.sub(" ", text)
    return _GLUED_CYRILLIC.sub("\n\n\\1", text)


def paragraphs(text: str) -> list[str]:
    """Non-empty paragraphs, whitespace collapsed. Single newlines also separate paragraphs:
    feeds use them for line breaks between blocks far more often than inside a sentence."""
    text = _SPACES.sub(" ", repair_seams(text.replace("\r\n", "\n")))
    cleaned = (block.strip() for block in _LINE_BREAKS.split(text))
    return [block for block in cleaned if block]


def _quote_open(text: str) -> bool:
    """True while a «…» or "…" quotation begun in `text` has not been closed."""
    return text.count("«") > text.count("»") or text.count('"') % 2 == 1


def _join_split_quotes(pieces: list[str]) -> list[str]:
    """Join razdel pieces while a quotation opened in one is still open.

    A quotation that never closes (a typo in the source) would swallow the paragraph, so
    after a few pieces the pending ones are given back one by one.
    """
    joined: list[str] = []
    pending: list[str] = []
    for piece in pieces:
        pending.append(piece)
        if not _quote_open(" ".join(pending)):
            joined.append(" ".join(pending))
            pending = []
        elif len(pending) > _MAX_QUOTED_PIECES:
            joined.append(pending.pop(0))
            while pending and not _quote_open(pending[0]):
                joined.append(pending.pop(0))
    joined.extend(pending)
    return joined


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of `text` in order, with its paragraph number."""
    found: list[Sentence] = []
    for number, block in enumerate(paragraphs(text)):
        pieces = [s.text.strip() for s in sentenize(block) if s.text.strip()]
        for piece in _join_split_quotes(pieces):
            found.append(Sentence(piece, number, len(found)))
    return found


def ends_sentence(text: str) -> bool:
    """True when `text` ends with terminal punctuation (closing quotes allowed), not «…»."""
    text = text.rstrip()
    return bool(_SENTENCE_END.search(text)) and not _TRUNCATED_END.search(text)


def balanced_quotes(text: str) -> bool:
    """True when every «, “ and straight quote opened in `text` is closed in it."""
    return text.count("«") == text.count("»") and text.count('"') % 2 == 0

