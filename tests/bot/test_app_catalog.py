"""The `messages` catalog: every text the subscriber interface shows exists in ru, kk and en."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogs import check_all
from bot.commands_menu import ADMIN_COMMANDS, USER_COMMANDS
from bot.i18n import LOCALES_DIR
from tests.conftest import REPO_ROOT

MODULES = [
    "bot/middlewares.py",
    "bot/keyboards.py",
    "bot/handlers/errors.py",
    "bot/handlers/start.py",
    "bot/handlers/screens.py",
    "bot/handlers/access.py",
    "bot/handlers/settings.py",
    "bot/handlers/watch.py",
    "bot/handlers/chats.py",
    "bot/handlers/privacy.py",
]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")
_CYRILLIC = re.compile(r"[а-яёәғқңөұүһі]", re.IGNORECASE)


def _literal(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def used_messages() -> set[str]:
    """msgids passed to `_`, `_t` and `translate("messages", ...)` in the interface modules."""
    found = {description for _, description in (*USER_COMMANDS, *ADMIN_COMMANDS)}
    for module in MODULES:
        for node in ast.walk(ast.parse((REPO_ROOT / module).read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", getattr(node.func, "attr", None))
            args = node.args
            message = None
            if name == "_" and args:
                message = _literal(args[0])
            elif name == "_t" and len(args) >= 2:
                message = _literal(args[1])
            elif name == "translate" and len(args) >= 3 and _literal(args[0]) == "messages":
                message = _literal(args[2])
            if message:
                found.add(message)
    return found


def catalog(language: str) -> dict[str, str]:
    path = Path(LOCALES_DIR) / language / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        return {str(m.id): str(m.string) for m in read_po(handle) if m.id}


def test_the_extraction_finds_the_interface() -> None:
    assert len(used_messages()) > 80


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_every_message_is_translated(language: str) -> None:
    translations = catalog(language)
    missing = sorted(used_messages() - translations.keys())
    assert not missing, f"{language}: no entry for {missing}"
    for msgid in used_messages():
        text = translations[msgid]
        assert text, f"{language}: empty translation of {msgid!r}"
        assert sorted(_PLACEHOLDER.findall(text)) == sorted(_PLACEHOLDER.findall(msgid)), msgid
        assert text.count("<b>") == text.count("</b>") == msgid.count("<b>"), msgid
        if language != "en":
            assert _CYRILLIC.search(text), f"{language}: {text!r} looks untranslated"


def test_no_unused_entries() -> None:
    assert not catalog("en").keys() - used_messages()


def test_compiled_catalogs_match_their_sources() -> None:
    assert [p for p in check_all() if "messages" in p] == []
