"""Translations: gettext catalogs (Babel) in ru, kk and en, one domain per feature area.

Catalogs live in bot/locales/<lang>/LC_MESSAGES/<domain>.po with their compiled .mo beside
them (committed, and checked against the .po by `python -m bot.catalogs check`). Domains:
`messages` (subscriber interface), `search` (search, latest, inline), `admin` (admin
commands), `digest` (the digest layout). aiogram's i18n middleware sets the current locale
for each update; `gettext_for(domain)` translates into it, and `translate(...)` into an
explicit language where there is no update (digests, deliveries).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.support import NullTranslations, Translations

LOCALES_DIR = Path(__file__).resolve().parent / "locales"
LANGUAGES: tuple[str, ...] = ("ru", "kk", "en")
DEFAULT_LANGUAGE = "en"


def pick_language(code: str | None) -> str:
    """The interface language for a Telegram language_code: kk, ru, otherwise en."""
    base = (code or "").split("-")[0].split("_")[0].lower()
    return base if base in LANGUAGES else DEFAULT_LANGUAGE


@lru_cache(maxsize=32)
def _catalog(domain: str, language: str) -> NullTranslations:
    return Translations.load(str(LOCALES_DIR), [language], domain=domain)


def translate(domain: str, language: str, message: str, /, **values: Any) -> str:
    """`message` in `language` from `domain`, with `{name}` placeholders filled from values."""
    text = _catalog(domain, language if language in LANGUAGES else DEFAULT_LANGUAGE).gettext(
        message
    )
    return text.format(**values) if values else text


def current_language() -> str:
    """The language aiogram's i18n middleware chose for the update being handled."""
    from aiogram.utils.i18n import I18n

    i18n = I18n.get_current(no_error=True)
    if i18n is None:
        return DEFAULT_LANGUAGE
    locale = i18n.current_locale
    return locale if locale in LANGUAGES else DEFAULT_LANGUAGE


def gettext_for(domain: str) -> Callable[..., str]:
    """A `_` for one domain that translates into the current update's language.

    Usage: `_ = gettext_for("admin")`, then `_("Feed {id} removed.", id=7)`.
    """

    def _(message: str, /, **values: Any) -> str:
        return translate(domain, current_language(), message, **values)

    return _
