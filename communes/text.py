"""Text folding for search that behaves the same on SQLite and PostgreSQL.

Neither database folds Vietnamese diacritics the same way out of the box (SQLite has no
unaccent, and "đ" is not a combining mark anywhere), so each unit stores a folded copy of its
name and queries are folded the same way before matching.
"""

import re
import unicodedata

_SPACES = re.compile(r"\s+")


def fold(text: str) -> str:
    """'Xã Bạch Đằng' -> 'xa bach dang'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", stripped).strip().lower()
