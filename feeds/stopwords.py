"""Content words: the stems that say what a text is about, function words left out.

Summaries score sentences by the content words they share with the headline, and stories
compare items by them; both need the same notion of a content word.
"""

from __future__ import annotations

from functools import cache

from feeds.textnorm import stem, stems, stems_knowing, tokenize

# Function words and the commonest filler of news prose, as written (normalised: ё→е).
_FUNCTION_WORDS = """
и в во на по с со к ко о об от до за из у не ни но а же ли бы то что как так это этот эта эти
того этого этом для при про под над без через после перед между или либо также тоже его ее их
он она оно они мы вы я ты был была было были будет будут быть есть который которая которое
которые которых которым где когда уже еще только все всех всего весь вся свою свой своих
может могут более менее очень году года годах лет этой этих том тем чем также словам
сообщил сообщила сообщили отметил отметила заявил заявила рассказал рассказала
және мен бен пен да де та те бұл осы сол ол олар біз сіз мен үшін туралы деп деді жылы жыл
бойынша арқылы кейін дейін сияқты тағы бірақ немесе әрі ең өте болды болады болып еді екен
the a an and or but of in on at to for from by with as is are was were be been being this
that these those it its he she they we you his her their our has have had will would can
could said says about into over after before also than then there which who whom what when
""".split()


@cache
def _function_stems() -> frozenset[str]:
    found: set[str] = set()
    for word in _FUNCTION_WORDS:
        found.add(word)
        found.add(stem(word))
    return frozenset(found)


def content_stems(text: str, language: str = "", known: dict[str, str] | None = None,
                  ) -> list[str]:
    """Stems of the content words of `text`, in order (numbers kept, function words out).

    `known`, when given, holds the stems of tokens already stemmed in this `language`
    (`textnorm.recent_stems`): only the others are stemmed, and added to it."""
    skip = _function_stems()
    # Function words are dropped before stemming, and what remains is stemmed in one
    # batch (`stems`: a few C calls per text instead of several Python steps per word).
    kept = [token for token in tokenize(text)
            if token not in skip and (len(token) >= 3 or token.isdigit())]
    keys = stems(kept, language) if known is None else stems_knowing(kept, language, known)
    return [key for key in keys if key not in skip]
