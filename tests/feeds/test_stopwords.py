"""Content words: function words out, numbers kept, the rest stemmed as `stem` does."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from feeds.stopwords import _function_stems, content_stems
from feeds.textnorm import stem, stem_text, tokenize

# Function words of each language, short words, numbers and look-alike letters, among
# ordinary words, so that every branch of the filter is taken.
_TEXTS = st.lists(
    st.sampled_from([
        "и", "для", "сообщил", "Общественного", "совета", "НКО", "HПO", "ок", "5", "2024",
        "және", "үшін", "ұйымдарының", "Заңы", "the", "of", "NGOs", "grants", "ёлка", "ß",
        "snake_case", "日本語", "x", "заявила", "Қоғамдық",
    ]),
    max_size=40,
).map(" ".join)


def _one_by_one(text: str, language: str) -> list[str]:
    skip = _function_stems()
    found = []
    for token in tokenize(text):
        if token in skip or (len(token) < 3 and not token.isdigit()):
            continue
        key = stem(token, language)
        if key not in skip:
            found.append(key)
    return found


@given(_TEXTS, st.sampled_from(["", "ru", "kk", "en"]))
def test_content_stems_equal_stemming_word_by_word(text: str, language: str) -> None:
    assert content_stems(text, language) == _one_by_one(text, language)


@given(_TEXTS, _TEXTS, st.sampled_from(["", "ru", "kk", "en"]))
def test_stems_already_at_hand_change_nothing(text: str, other: str, language: str) -> None:
    known: dict[str, str] = {}
    stem_text(other, language, known)  # what the stages stem first, for search
    assert all(known[token] == stem(token, language) for token in tokenize(other))
    assert content_stems(text, language, known) == _one_by_one(text, language)
    assert all(known[token] == stem(token, language) for token in tokenize(text)
               if token in known)


def test_function_words_out_numbers_kept() -> None:
    assert content_stems("Совет НКО и 5 организаций заявил о 2024 годе", "ru") == [
        "совет", "нко", "5", "организац", "2024"]
