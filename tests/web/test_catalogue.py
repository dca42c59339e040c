"""The one Vietnamese catalogue (locale/vi) of every app: the compiled .mo is committed (a fresh
machine needs no gettext), so it must say what the .po says; nothing is fuzzy; every string of
the pages and forms is translated."""

import gettext
import re
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "vi" / "LC_MESSAGES"
PAGES = ("views/", "forms/", "templates/", "viewmodels/", "templatetags/")


def _unescape(text: str) -> str:
    return text.encode().decode("unicode_escape").encode("latin-1").decode()


def _po_entries(path: Path) -> list[dict]:
    """Each entry of a .po file: msgctxt, msgid, msgid_plural, str (msgstr or msgstr[0]),
    refs and flags."""
    entries, current, field = [], {"refs": "", "flags": ""}, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if current.get("msgid"):
                entries.append({k: _unescape(v) if k != "refs" else v for k, v in current.items()})
            current, field = {"refs": "", "flags": ""}, None
        elif line.startswith("#:"):
            current["refs"] += line[2:]
        elif line.startswith("#,"):
            current["flags"] += line
        elif match := re.match(r'^(msgctxt|msgid|msgid_plural|msgstr|msgstr\[0\]) "(.*)"$', line):
            field = "str" if match.group(1).startswith("msgstr") else match.group(1)
            current[field] = match.group(2)
        elif re.match(r"^msgstr\[\d\]", line):
            field = None  # the other plural forms are not compared
        elif line.startswith('"') and field:
            current[field] += line[1:-1]
    return entries


def _compiled(catalogue: gettext.GNUTranslations, entry: dict) -> str:
    if entry.get("msgctxt"):
        return catalogue.pgettext(entry["msgctxt"], entry["msgid"])
    if entry.get("msgid_plural"):
        return catalogue.ngettext(entry["msgid"], entry["msgid_plural"], 1)
    return catalogue.gettext(entry["msgid"])


def test_the_compiled_catalogue_matches_its_source():
    with (CATALOGUE / "django.mo").open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    entries = _po_entries(CATALOGUE / "django.po")
    translated = [e for e in entries if e.get("str")]
    assert len(translated) > 600
    assert [e["msgid"] for e in translated if _compiled(compiled, e) != e["str"]] == []


def test_nothing_is_fuzzy_and_every_page_string_is_translated():
    entries = _po_entries(CATALOGUE / "django.po")
    assert [e["msgid"] for e in entries if "fuzzy" in e["flags"]] == []
    untranslated = [
        e["msgid"] for e in entries if not e.get("str") and any(p in e["refs"] for p in PAGES)
    ]
    assert untranslated == []


def test_one_catalogue_for_every_app():
    root = CATALOGUE.parents[2]
    others = [p for p in root.glob("*/locale") if ".venv" not in p.parts]
    assert others == []
