"""Compile and check the gettext catalogs: `python -m bot.catalogs compile|check`.

The compiled .mo files are committed, so a plain `pip install` carries them; `check` (run by
`make test`) fails when a .mo does not match its .po, when a language lacks a catalog that
another has, or when a message has no translation.
"""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from bot.i18n import LANGUAGES, LOCALES_DIR


def _po_files(root: Path) -> list[Path]:
    return sorted(root.glob("*/LC_MESSAGES/*.po"))


# Babel stamps a catalog that lacks POT-Creation-Date with the current time, which would make
# every compile rewrite the .mo files; a fixed stamp keeps compiling reproducible.
_FIXED_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as handle:
        catalog = read_po(handle, locale=path.parts[-3])
    header = path.read_text(encoding="utf-8", errors="replace")[:4000]
    if "POT-Creation-Date" not in header:
        catalog.creation_date = _FIXED_DATE
    if "PO-Revision-Date" not in header:
        catalog.revision_date = _FIXED_DATE
    return catalog


def _translations(catalog: Catalog) -> dict[str, str]:
    return {
        str(m.id): str(m.string)
        for m in catalog
        if m.id and not isinstance(m.id, tuple) and not m.fuzzy
    }


def compile_all(root: Path = LOCALES_DIR) -> list[Path]:
    written = []
    for po in _po_files(root):
        buffer = io.BytesIO()
        write_mo(buffer, _read_po(po), use_fuzzy=False)
        mo = po.with_suffix(".mo")
        if not mo.exists() or mo.read_bytes() != buffer.getvalue():
            mo.write_bytes(buffer.getvalue())
            written.append(mo)
    return written


def check_all(root: Path = LOCALES_DIR) -> list[str]:
    """Problems found, in plain words; empty when every catalog is complete and compiled."""
    problems: list[str] = []
    domains: dict[str, set[str]] = {}
    for po in _po_files(root):
        language, domain = po.parts[-3], po.stem
        domains.setdefault(domain, set()).add(language)
        catalog = _read_po(po)
        expected = _translations(catalog)
        for msgid, text in expected.items():
            if not text:
                problems.append(f"{po}: no translation for {msgid!r}")
        mo = po.with_suffix(".mo")
        if not mo.exists():
            problems.append(f"{mo}: missing; run `python -m bot.catalogs compile`")
            continue
        with mo.open("rb") as handle:
            compiled = _translations(read_mo(handle))
        if compiled != {k: v for k, v in expected.items() if v}:
            problems.append(f"{mo}: out of date; run `python -m bot.catalogs compile`")
    for domain, languages in sorted(domains.items()):
        for language in LANGUAGES:
            if language not in languages:
                problems.append(f"domain {domain!r} has no {language} catalog")
    return problems


def main(argv: list[str]) -> int:
    if argv[:1] == ["compile"]:
        for mo in compile_all():
            print(f"compiled {mo}")
        return 0
    if argv[:1] == ["check"]:
        problems = check_all()
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    print("usage: python -m bot.catalogs compile|check", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
