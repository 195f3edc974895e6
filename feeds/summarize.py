"""Extractive summaries: one or two whole sentences of the item, no boilerplate.

The text is cut where its footer starts, split into sentences (razdel, quotations kept
whole), stripped of datelines and outlet attributions, and cleared of every sentence that
is boilerplate, a fragment, truncated, too long, or only the headline again. The rest are
scored by position and by the content words they share with the headline and the
classifier's matched terms; questions, quotations and sentences that lean on the one
before count less. The best one is the summary, with the sentence after it when both fit
in `MAX_CHARS`. Nothing is ever cut inside a sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz

from feeds import boilerplate
from feeds.sentences import Sentence, balanced_quotes, ends_sentence, paragraphs, split_sentences
from feeds.stopwords import content_stems
from feeds.textnorm import normalize

MAX_CHARS = 280
"""A summary is at most this long: one sentence, or two that fit together."""
MIN_WORDS = 5
"""Shorter sentences are fragments: tag lines, captions, «Топор +18.»."""
MIN_CHARS = 40
DECK_MAX_CHARS = 200
"""A teaser without a final full stop is taken for a whole sentence only up to this long;
longer ones are more likely cut off by the feed."""
TITLE_ECHO_RATIO = 85.0
"""A sentence at least this similar (rapidfuzz ratio, 0–100) to the headline repeats it."""

# A sentence that leans on the one before it reads badly on its own as a first sentence.
_DEPENDENT_START = re.compile(
    r"^(?:об этом|при этом|кроме того|также|однако|но|он|она|они|его|ее|её|их|там|тогда|"
    r"в свою очередь|вместе с тем|помимо этого|бұл туралы|сондай-ақ|алайда|ол|олар|"
    r"he|she|they|it|this|however|also|meanwhile|in addition)\b",
    re.IGNORECASE,
)
# Direct speech, opening with a dash.
_SPEECH_START = re.compile(r"^[–—-]\s")
_WORD = re.compile(r"\w+")
# A teaser ends with a word, a number or a closing quote, not a dash, colon or ellipsis.
_DECK_END = re.compile(r"[^\W_][»\"”)]?$")
# A sentence begins with a capital, a digit, a quotation mark or a dash; datelines in
# capitals begin one too.
_STARTS_SENTENCE = re.compile(r"^(?:[«\"“„(–—-]\s*)?[^\W_a-zа-яёәғқңөұүһі]")


@dataclass(slots=True)
class _Candidate:
    sentence: Sentence
    text: str  # dateline and attribution stripped
    stems: set[str]  # of its content words
    score: float = 0.0


def _body(text: str, rules: boilerplate.Boilerplate) -> str:
    """The text up to where its footer starts (registration lines, copyright), each
    paragraph without its dateline (cut before splitting: «АСТАНА.» is no sentence)."""
    kept: list[str] = []
    for paragraph in paragraphs(text):
        if rules.starts_footer(paragraph):
            break
        kept.append(rules.strip_leads(paragraph))
    return "\n\n".join(kept)


def _close_deck(sentence: Sentence) -> Sentence:
    """A one-paragraph teaser often ends without its full stop («Как город собирает
    песни вот уже 22 года»): a short, complete-looking last sentence gets one."""
    text = sentence.text
    if ends_sentence(text) or len(text) > DECK_MAX_CHARS or not _DECK_END.search(text):
        return sentence
    return Sentence(text + ".", sentence.paragraph, sentence.index)


def _usable(text: str, written: str, title_norm: str, title_stems: set[str],
            language: str, known: dict[str, str] | None) -> set[str] | None:
    """The content stems of `text` (the sentence `written` with its dateline and
    attribution cut) when it is a whole, clean sentence that says something the headline
    does not; None otherwise."""
    if len(text) < MIN_CHARS or len(text) > MAX_CHARS or len(_WORD.findall(text)) < MIN_WORDS:
        return None
    if not ends_sentence(text) or not balanced_quotes(text):
        return None
    # The boilerplate check, the dearest, comes after the cheap ones; the sentence as
    # written and as cut can each match a pattern the other does not.
    rules = boilerplate.load()
    if rules.dropping(written) is not None or (
            text != written and rules.dropping(text) is not None):
        return None
    if title_norm and fuzz.ratio(normalize(text), title_norm) >= TITLE_ECHO_RATIO:
        return None
    stems = set(content_stems(text, language, known))
    # Nothing beyond the headline's own words: the headline again, reworded.
    if title_stems and stems and len(stems - title_stems) <= 1:
        return None
    return stems


def _score(candidate: _Candidate, rank: int, title_stems: set[str],
           matched_stems: set[str]) -> float:
    """Higher for earlier sentences (`rank` among the usable ones, so a dropped credit or
    tag line costs the rest nothing) and for sentences sharing the headline's and the
    matched terms' words; lower for questions and sentences that lean on another."""
    stems = candidate.stems
    position = 1.0 / (1.0 + 0.5 * rank)
    title_overlap = len(stems & title_stems) / len(title_stems) if title_stems else 0.0
    matched_overlap = len(stems & matched_stems) / len(matched_stems) if matched_stems else 0.0
    score = 0.6 * position + 0.25 * title_overlap + 0.15 * matched_overlap
    text = candidate.text
    if _is_question(text):
        score *= 0.3  # a question asks; a summary should tell
    if _DEPENDENT_START.match(text) or _SPEECH_START.match(text):
        score *= 0.6
    if text.startswith(("«", '"', "“")):
        score *= 0.8
    return score


def _is_question(text: str) -> bool:
    return text.rstrip("»\"”)").endswith("?")


def _candidates(title: str, title_stems: set[str], text: str, language: str,
                known: dict[str, str] | None) -> list[_Candidate]:
    rules = boilerplate.load()
    title_norm = normalize(title).strip()
    found: list[_Candidate] = []
    sentences = split_sentences(_body(text, rules))
    for sentence in sentences:
        if sentence is sentences[-1] and sentence.paragraph == 0:
            sentence = _close_deck(sentence)
        if not _STARTS_SENTENCE.match(sentence.text):
            continue  # the tail of a sentence broken across paragraphs
        cleaned = rules.strip(sentence.text)
        if cleaned != sentence.text and cleaned[:1].islower():
            cleaned = cleaned[0].upper() + cleaned[1:]  # after a cut dateline
        stems = _usable(cleaned, sentence.text, title_norm, title_stems, language, known)
        if stems is not None:
            found.append(_Candidate(sentence, cleaned, stems))
    return found


def summarize(title: str, text: str, language: str, matched: Sequence[str] = (),
              known: dict[str, str] | None = None) -> str | None:
    """One or two sentences of `text` that say what happened, or None when there are none.

    The summary is whole sentences of the text (datelines and outlet attributions cut),
    at most `MAX_CHARS` characters, ending at a sentence end; it holds no boilerplate and
    never merely repeats the headline. A text that is empty, only the headline, or only
    boilerplate has no summary. `known`: stems of the item's words already at hand (see
    `stopwords.content_stems`), for the item's `language` only.
    """
    if not text or not text.strip():
        return None
    title_stems = set(content_stems(title, language, known))
    candidates = _candidates(title, title_stems, text, language, known)
    if not candidates:
        return None
    matched_stems = {s for term in matched for s in content_stems(term, language, known)}
    for rank, candidate in enumerate(candidates):
        candidate.score = _score(candidate, rank, title_stems, matched_stems)
    best = max(candidates, key=lambda c: (c.score, -c.sentence.index))
    chosen = [best]
    following = next(
        (c for c in candidates if c.sentence.index == best.sentence.index + 1), None
    )
    if (following is not None and not _is_question(following.text)
            and len(best.text) + 1 + len(following.text) <= MAX_CHARS):
        chosen.append(following)
    return " ".join(c.text for c in chosen)
