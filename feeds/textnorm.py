"""Words and their forms: tokenising, normalising and stemming in Russian, Kazakh and English.

Search and the relevance filter both match on word forms, so they share this one module:
an item indexed here and a query stemmed here always agree.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Container, Iterable
from functools import lru_cache

import Stemmer

KAZAKH_LETTERS = frozenset("әғқңөұүһіӘҒҚҢӨҰҮҺІ")
# A regular expression finds a letter in a long text faster than a set test, which would
# make a string of every character first.
_KAZAKH_LETTER_RE = re.compile("[әғқңөұүһіӘҒҚҢӨҰҮҺІ]")
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_LATIN_RE = re.compile(r"[a-z]")
_SURROGATE_RE = re.compile("[\ud800-\udfff]")
# One token per line (tokens joined by line breaks): which are Kazakh, Russian, English,
# which mix Cyrillic and Latin letters, and whether any is not a plain word.
_KAZAKH_TOKEN_RE = re.compile("^.*[әғқңөұүһіӘҒҚҢӨҰҮҺІ].*$", re.MULTILINE)
_CYRILLIC_TOKEN_RE = re.compile("^.*[\u0400-\u04ff].*$", re.MULTILINE)
_LATIN_TOKEN_RE = re.compile("^[^\u0400-\u04ff\n]*[a-z][^\u0400-\u04ff\n]*$", re.MULTILINE)
_MIXED_TOKEN_RE = re.compile(
    "^(?:[^\n]*[\u0400-\u04ff][^\n]*[a-z]|[^\n]*[a-z][^\n]*[\u0400-\u04ff])", re.MULTILINE
)
_NOT_A_WORD_RE = re.compile("[^\\w\n]|_")

# Latin letters that look like Cyrillic ones; fixed only inside words that are mostly Cyrillic,
# where they are typing accidents or spam tricks («HПO», «НКO»).
_LATIN_TO_CYRILLIC = str.maketrans(
    {"a": "а", "e": "е", "o": "о", "p": "р", "c": "с", "x": "х", "y": "у", "k": "к",
     "m": "м", "t": "т", "h": "н", "b": "в", "i": "і"}
)
# Zero-width and direction marks carry no meaning in a word and break matching.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u200e\u200f\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"))
_INVISIBLE_OR_SURROGATE_RE = re.compile("[" + "".join(map(chr, _INVISIBLE)) + "\ud800-\udfff]")

# Kazakh is agglutinative and has no Snowball stemmer: strip the commonest inflectional
# endings (case, plural, possessive, a few derivational), longest first, keeping a stem of
# at least three letters. Good enough for matching word forms, not a morphological analyser.
_KAZAKH_SUFFIXES: tuple[str, ...] = tuple(
    sorted(
        {
            # plural
            "лар", "лер", "дар", "дер", "тар", "тер",
            # genitive
            "ның", "нің", "дың", "дің", "тың", "тің",
            # dative
            "ға", "ге", "қа", "ке", "на", "не", "а", "е",
            # locative
            "да", "де", "та", "те", "нда", "нде",
            # ablative
            "дан", "ден", "тан", "тен", "нан", "нен",
            # accusative
            "ды", "ді", "ты", "ті", "ны", "ні", "н",
            # instrumental
            "мен", "бен", "пен", "менен", "бенен", "пенен",
            # possessive
            "ым", "ім", "м", "ың", "ің", "ң", "ы", "і", "сы", "сі", "мыз", "міз", "ымыз", "іміз",
            "ыңыз", "іңіз", "ңыз", "ңіз",
            # derivational that do not change the core meaning for matching
            "лық", "лік", "дық", "дік", "тық", "тік", "шы", "ші", "шылар", "шілер",
            "ғы", "гі", "қы", "кі", "дағы", "дегі", "тағы", "тегі",
        },
        key=len,
        reverse=True,
    )
)
# The endings grouped by length, longest first: a word is checked against one set per
# length (a slice and a set look-up) instead of against every ending in turn.
_SUFFIXES_BY_LENGTH: tuple[tuple[int, frozenset[str]], ...] = tuple(
    (length, frozenset(s for s in _KAZAKH_SUFFIXES if len(s) == length))
    for length in sorted({len(s) for s in _KAZAKH_SUFFIXES}, reverse=True)
)
_KAZAKH_MIN_STEM = 3  # one more for one-letter endings, which are often part of the root
_KAZAKH_VOWELS = frozenset("аәеиоөұүыіуэюя")
# One-letter endings follow a fixed sound: possessive «м», «ң» and accusative «н» come after a
# vowel («баласын»), possessive «ы»/«і» and dative «а»/«е» after a consonant («ұйымы»,
# «ұйымына» is «ұйым·ы·н·а»). Checking that keeps roots such as «қоғам» and «заң» whole.
_AFTER_VOWEL = frozenset("мңн")
_AFTER_VOWEL_ONLY = frozenset({"сы", "сі"})  # «баласы», but «кеңесі» is «кеңес·і»

_local = threading.local()
_recent_stems: dict[bool, dict[str, str]] = {}
"""`recent_stems`: for Kazakh texts (True) and the others (False)."""
RECENT_STEMS_LIMIT = 8_000
"""Word forms whose stems are remembered per kind of text before starting afresh: about
1.5 MB each (190 bytes a form). In the ingest bench 20,000 saved twice as much stemming
(0.35 s of 2.74 s, against 0.19 s), but a running bot's memory then grew by 2 MB more in
the 10-minute soak (issue 7's goal: under 10 MB)."""


def _stemmer(language: str) -> Stemmer.Stemmer:
    # PyStemmer objects are not thread-safe and the pipeline stems in worker threads,
    # so each thread keeps its own. Cache size 0: news vocabulary rarely repeats in a batch.
    cache: dict[str, Stemmer.Stemmer] | None = getattr(_local, "stemmers", None)
    if cache is None:
        cache = _local.stemmers = {}
    stemmer = cache.get(language)
    if stemmer is None:
        stemmer = cache[language] = Stemmer.Stemmer(language, 0)
    return stemmer


def strip_invisible(text: str) -> str:
    """Drop zero-width and bidi control characters and lone surrogates."""
    if _INVISIBLE_OR_SURROGATE_RE.search(text) is None:  # nearly every text: one pass
        return text
    return _SURROGATE_RE.sub("", text.translate(_INVISIBLE))


def normalize(text: str) -> str:
    """Case-fold, NFC, ё→е, invisible marks removed."""
    text = unicodedata.normalize("NFC", strip_invisible(text))
    return text.casefold().replace("ё", "е")


def _fix_lookalikes(word: str) -> str:
    if _CYRILLIC_RE.search(word) and _LATIN_RE.search(word):
        return word.translate(_LATIN_TO_CYRILLIC)
    return word


def tokenize(text: str) -> list[str]:
    """Normalised word tokens, in order, look-alike letters repaired."""
    normalized = normalize(text)
    words = _WORD_RE.findall(normalized)
    if _LATIN_RE.search(normalized) is None:  # most texts: no word to repair
        return words
    return list(map(_fix_lookalikes, words))


def is_kazakh_word(word: str) -> bool:
    """True when the word has a Kazakh-only letter."""
    return not KAZAKH_LETTERS.isdisjoint(word)


def looks_kazakh(text: str) -> bool:
    """True when the text has Kazakh-only letters: a strong signal of the language."""
    return _KAZAKH_LETTER_RE.search(text) is not None


def kazakh_stem(word: str) -> str:
    """Strip Kazakh inflectional endings repeatedly, keeping at least three letters.

    At each step the longest ending that fits is taken off (the same result as trying
    every ending, longest first).
    """
    while True:
        for length, endings in _SUFFIXES_BY_LENGTH:
            if len(word) - length < _KAZAKH_MIN_STEM:
                continue
            ending = word[-length:]
            if ending not in endings:
                continue
            if length == 1:
                if len(word) - 1 < _KAZAKH_MIN_STEM + 1:
                    continue
                if (word[-2] in _KAZAKH_VOWELS) != (ending in _AFTER_VOWEL):
                    continue
            elif ending in _AFTER_VOWEL_ONLY and word[-length - 1] not in _KAZAKH_VOWELS:
                continue
            word = word[:-length]
            break
        else:
            return word


def is_kazakh_ending(rest: str) -> bool:
    """True when `rest` is empty or a chain of Kazakh inflectional endings (e.g. «дарының»)."""
    if not rest:
        return True
    return _is_ending_chain(rest)


@lru_cache(maxsize=4096)
def _is_ending_chain(rest: str) -> bool:
    return any(
        rest[:length] in endings and (len(rest) == length or _is_ending_chain(rest[length:]))
        for length, endings in _SUFFIXES_BY_LENGTH
    )


def kazakh_known_stem(word: str, known: Container[str], shortest: int = 3) -> str | None:
    """The longest stem in `known` that `word` starts with, followed only by endings.

    The suffix stripper keeps three or four letters, so short roots with a one-letter ending
    («заңы») or chains it cannot take apart stay whole; when the roots to look for are known
    (a lexicon), this analysis finds them: «заңы» → «заң», «ұйымдарының» → «ұйым».
    """
    for cut in range(len(word) - 1, shortest - 1, -1):
        head = word[:cut]
        if head in known and _is_ending_chain(word[cut:]):
            return head
    return None


def stem(word: str, language: str = "") -> str:
    """The matching key of one normalised token.

    Kazakh words (by their letters, or any Cyrillic word in a Kazakh text) go through the
    Kazakh suffix stripper, other Cyrillic words through the Russian Snowball stemmer,
    Latin words through the English one; digits and other scripts stay as they are.
    """
    if is_kazakh_word(word) or (language == "kk" and _CYRILLIC_RE.search(word)):
        return kazakh_stem(word)
    if _CYRILLIC_RE.search(word):
        return str(_stemmer("russian").stemWord(word))
    if _LATIN_RE.search(word):
        return str(_stemmer("english").stemWord(word))
    return word


def stems(tokens: Iterable[str], language: str = "") -> list[str]:
    """Stems of many normalised tokens at once: the same keys as `stem` gives one by one.

    The tokens are sorted by script with a few regular-expression passes over them joined,
    and all Russian and all English words are stemmed in one PyStemmer call each, so a
    text costs a handful of C calls instead of several Python steps per word.
    """
    found = tokens if isinstance(tokens, list) else list(tokens)
    joined = "\n".join(found)
    if not found or joined.count("\n") != len(found) - 1:  # a token with a line break
        return [stem(token, language) for token in found]
    kazakh: set[str] = set()
    if _KAZAKH_LETTER_RE.search(joined):
        kazakh.update(_KAZAKH_TOKEN_RE.findall(joined))
    if language == "kk":
        kazakh.update(_CYRILLIC_TOKEN_RE.findall(joined))
    latin = set(_LATIN_TOKEN_RE.findall(joined)) if _LATIN_RE.search(joined) else set()
    # The Russian stemmer leaves words without Cyrillic letters (numbers, Latin) as they are,
    # so every word goes through it, and English and Kazakh words are then stemmed again.
    keyed = dict(zip(found, _stemmer("russian").stemWords(found), strict=True))
    if latin:
        english = list(latin)
        keyed.update(zip(english, _stemmer("english").stemWords(english), strict=True))
    if kazakh:
        keyed.update((token, kazakh_stem(token)) for token in kazakh)
    return list(map(keyed.__getitem__, found))


def recent_stems(language: str) -> dict[str, str]:
    """The stems of the word forms seen lately in texts of `language`, shared by the
    process, to pass as `known` to `stem_text` and `stopwords.content_stems`: news repeat
    their word forms, so most of a text's words are looked up rather than stemmed. Only
    Kazakh differs (`stem` stems any Cyrillic word of a Kazakh text as Kazakh), so Kazakh
    texts have their own. Bounded: a full one is replaced, never cleared, so a thread
    still using the old one finishes with it intact (threads only add entries, each one
    dictionary operation, and a form stemmed twice gets the same stem)."""
    kazakh = language == "kk"
    known = _recent_stems.get(kazakh)
    if known is None or len(known) > RECENT_STEMS_LIMIT:
        known = _recent_stems[kazakh] = {}
    return known


def stems_knowing(tokens: list[str], language: str, known: dict[str, str]) -> list[str]:
    """`stems` of the tokens, each taken from `known` when there, the others stemmed
    together and added to it (`known` holds stems of this `language` only)."""
    if None in map(known.get, tokens):  # the look-ups stay in C
        missing = list(set(tokens).difference(known))
        known.update(zip(missing, stems(missing, language), strict=True))
    return list(map(known.__getitem__, tokens))


def fold_word(word: str) -> str:
    """The normalised token of one word of a prepared (NFC, invisible marks out) text:
    what `tokenize` gives for it, joined when case folding splits it."""
    folded = word.casefold().replace("ё", "е")
    if not folded.isalnum():  # an underscore, or a letter that folds into a mark
        return "".join(tokenize(word))
    return _fix_lookalikes(folded)


def fold_words(words: list[str]) -> list[str]:
    """`fold_word` of each word, folded all at once when nothing needs a closer look."""
    joined = "\n".join(words).casefold().replace("ё", "е")
    folded = joined.split("\n")
    if (
        len(folded) != len(words)
        or _NOT_A_WORD_RE.search(joined)
        or (_LATIN_RE.search(joined) and _MIXED_TOKEN_RE.search(joined))
    ):
        return list(map(fold_word, words))
    return folded


def stem_text(text: str, language: str = "", known: dict[str, str] | None = None) -> str:
    """The stems of a text joined by spaces: what the archive indexes for word-form search.
    `known`, when given, holds stems of this `language` (see `stems_knowing`)."""
    tokens = tokenize(text)
    if known is None:
        return " ".join(stems(tokens, language))
    return " ".join(stems_knowing(tokens, language, known))
