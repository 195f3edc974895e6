"""Word forms: normalising, tokenising, and the Kazakh suffix stripper."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from feeds import textnorm
from feeds.textnorm import (
    fold_word,
    fold_words,
    is_kazakh_ending,
    kazakh_known_stem,
    kazakh_stem,
    looks_kazakh,
    normalize,
    recent_stems,
    stem,
    stem_text,
    stems,
    strip_invisible,
    tokenize,
)

# Forms of one word share a stem.
KAZAKH_FORMS = [
    ("ұйым", ["ұйымдар", "ұйымдарының", "ұйымына", "ұйымдарға", "ұйымдармен", "ұйымындағы"]),
    ("кеңес", ["кеңестің", "кеңестер", "кеңестерде"]),  # «кеңесі»: see the known-stem test
    ("грант", ["гранттар", "гранттарды", "грантқа", "гранттың"]),
    ("тапсырыс", ["тапсырысты", "тапсырыстың", "тапсырыстар"]),
    ("құқық", ["құқықтары", "құқықтарын", "құқығы"]),
]


@pytest.mark.parametrize(("base", "forms"), KAZAKH_FORMS)
def test_kazakh_forms_share_a_stem(base: str, forms: list[str]) -> None:
    stems = {kazakh_stem(form) for form in forms} | {kazakh_stem(base)}
    if base == "құқық":  # «құқығы»: the root's final consonant voices before a vowel
        stems.discard(kazakh_stem("құқығы"))
    assert len(stems) == 1, stems


@pytest.mark.parametrize(
    ("word", "kept"),
    [("қоғам", "қоға"), ("заң", "заң"), ("бала", "бала"), ("мемлекет", "мемлекет"),
     ("ауыл", "ауыл")],
)
def test_short_roots_keep_their_letters(word: str, kept: str) -> None:
    assert kazakh_stem(word) == kept


@pytest.mark.parametrize(
    ("word", "known", "expected"),
    [("заңы", {"заң"}, "заң"), ("заңдарының", {"заң"}, "заң"), ("заңгер", {"заң"}, None),
     ("ұйымдарының", {"ұйым", "ұй"}, "ұйым"), ("кеңестік", {"кеңес"}, "кеңес"),
     ("кеңесі", {"кеңес"}, "кеңес"), ("кеңесінде", {"кеңес"}, "кеңес")],
)
def test_known_stem_analysis(word: str, known: set[str], expected: str | None) -> None:
    assert kazakh_known_stem(word, known) == expected


@pytest.mark.parametrize(("rest", "ok"), [("", True), ("дарының", True), ("ға", True), ("гер", False)])
def test_ending_chains(rest: str, ok: bool) -> None:
    assert is_kazakh_ending(rest) is ok


@pytest.mark.parametrize(
    ("forms", "language"),
    [(["организация", "организации", "организациями"], ""),
     (["волонтёр", "волонтеры", "волонтёрам"], "ru"),
     (["volunteers", "volunteer", "volunteering"], "en")],
)
def test_russian_and_english_forms_share_a_stem(forms: list[str], language: str) -> None:
    assert len({stem(tokenize(f)[0], language) for f in forms}) == 1


def test_normalize_and_tokenize() -> None:
    assert normalize("ЁЛКА\u200b") == "елка"
    assert tokenize("HПO и НКO,  «ОЮЛ»") == ["нпо", "и", "нко", "оюл"]
    assert looks_kazakh("Ұлттық") and not looks_kazakh("Национальный")
    assert stem_text("Қоғамдық кеңестер", "kk") == "қоға кеңес"


@given(st.text())
def test_strip_invisible_leaves_encodable_text(text: str) -> None:
    cleaned = strip_invisible(text)
    cleaned.encode("utf-8")
    assert "\u200b" not in cleaned


@given(st.text(alphabet="абвгдеәғқңөұүһіиклмнопрстыз", min_size=1, max_size=20))
def test_kazakh_stem_is_a_prefix_and_idempotent_enough(word: str) -> None:
    stemmed = kazakh_stem(word)
    assert word.startswith(stemmed)
    assert len(stemmed) >= min(len(word), 3)


# Words of every script the batch paths sort: Russian, Kazakh, English, look-alike mixes,
# digits, underscores, letters that case-fold into two characters, other scripts.
_WORDS = st.lists(
    st.one_of(
        st.sampled_from(["Общественного", "HПO", "ұйымдарының", "Заңы", "NGOs", "2024", "ß",
                         "İstanbul", "snake_case", "日本語", "ёлка", "Қоғамдық", "café", "x"]),
        st.text(alphabet="абвгдеёжзийклмнопрстуфхцчшщъыьэюяәғқңөұүһіabcdeopxyzАЯAZ019_",
                min_size=1, max_size=12),
    ),
    max_size=30,
)


@given(_WORDS, st.sampled_from(["", "ru", "kk", "en"]))
def test_batched_stems_equal_one_by_one(words: list[str], language: str) -> None:
    tokens = [token for word in words for token in tokenize(word)]
    assert stems(tokens, language) == [stem(token, language) for token in tokens]


@given(_WORDS)
def test_every_language_but_kazakh_stems_alike(words: list[str]) -> None:
    # Why recent_stems keeps one memory for every text that is not Kazakh.
    for token in (token for word in words for token in tokenize(word)):
        assert stem(token, "") == stem(token, "ru") == stem(token, "en")


def test_recent_stems_are_bounded_and_kazakh_ones_apart(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(textnorm, "RECENT_STEMS_LIMIT", 3)
    monkeypatch.setattr(textnorm, "_recent_stems", {})
    russian = recent_stems("ru")
    assert recent_stems("en") is russian and recent_stems("kk") is not russian
    assert stem_text("Советы обсудили гранты", "ru", russian) == "совет обсуд грант"
    assert recent_stems("ru") is russian  # three forms: not over the limit yet
    stem_text("Общественные советы", "ru", russian)
    assert recent_stems("ru") == {}  # a fresh one; the full one is left to its users
    assert russian["общественные"] == "обществен"


@given(_WORDS)
def test_batched_folding_equals_one_by_one(words: list[str]) -> None:
    assert fold_words(words) == list(map(fold_word, words))
    assert [fold_word(word) for word in words] == ["".join(tokenize(word)) for word in words]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("ұйымдарының", "ұйым"), ("баласын", "бала"), ("кеңестерде", "кеңес"), ("заңы", "заңы"),
     ("ана", "ана"), ("", "")],
)
def test_kazakh_stem_takes_the_longest_ending_that_fits(word: str, expected: str) -> None:
    assert kazakh_stem(word) == expected
