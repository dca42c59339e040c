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


# --- sorting names the Vietnamese way --------------------------------------------------------
# Lists sorted by name use a stored key: the name without its unit-type prefix ("Tỉnh",
# "Thành phố", "Huyện", ...), compared syllable by syllable in the order of the Vietnamese
# alphabet (a ă â b c d đ e ê g h i k l m n o ô ơ p q r s t u ư v x y; f j w z in their Latin
# places), a syllable's tone deciding only between syllables with the same letters (none,
# huyền, hỏi, ngã, sắc, nặng), and numbers by value ("Phường 2" before "Phường 10").
#
# The key holds only the characters 0-9 and a-z, every character as a pair, so that the
# database sorts it the same way byte by byte (SQLite) or under a language collation
# (PostgreSQL):
#   a letter: its base letter and which of that letter's variants ("d0" d, "d1" đ);
#   a digit: "1" and the digit (numbers padded to NUMBER_WIDTH digits);
#   the end of a syllable: "0" and the syllable's tone, smaller than any pair that continues
#   the syllable, so "an" < "anh" and "An Giang" < "Anh".

UNIT_PREFIXES = (
    "tỉnh",
    "thành phố",
    "huyện",
    "quận",
    "thị xã",
    "thị trấn",
    "xã",
    "phường",
    "đặc khu",
)
NUMBER_WIDTH = 5

# combining mark -> (variant, tone)
_VARIANTS = {"\u0306": 1, "\u0302": 2, "\u031b": 3}  # breve ă; circumflex â ê ô; horn ơ ư
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}
# A base letter's variants in alphabetical order: a ă â, e ê, o ô ơ, u ư.
_VARIANT_RANK = {
    ("a", 1): 1,
    ("a", 2): 2,
    ("e", 2): 1,
    ("o", 2): 1,
    ("o", 3): 2,
    ("u", 3): 1,
}
_SYLLABLES = re.compile(r"[^\W_]+")
_NUMBER = re.compile(r"\d+")


def strip_unit_prefix(name: str) -> str:
    """'Thành phố Hà Nội' -> 'Hà Nội'; a name without such a prefix is returned as it is."""
    text = _SPACES.sub(" ", unicodedata.normalize("NFC", name)).strip()
    lowered = text.lower()
    for prefix in UNIT_PREFIXES:
        if lowered.startswith(prefix + " ") and len(text) > len(prefix) + 1:
            return text[len(prefix) + 1 :]
    return text


def _syllable_key(syllable: str) -> str:
    pairs, tone = [], 0
    if syllable.isdigit():
        return "".join("1" + digit for digit in syllable.zfill(NUMBER_WIDTH)) + "00"
    for char in syllable:
        if char == "đ":
            pairs.append("d1")
            continue
        base, *marks = unicodedata.normalize("NFD", char)
        if not "a" <= base <= "z":
            continue  # not a letter of the alphabet (digits come as their own syllables)
        variant = 0
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            elif mark in _VARIANTS:
                variant = _VARIANT_RANK.get((base, _VARIANTS[mark]), 0)
        pairs.append(f"{base}{variant}")
    return "".join(pairs) + f"0{tone}" if pairs else ""


def sort_key(name: str) -> str:
    """The key lists sort a unit's name by (see above): 'Thành phố Đà Nẵng' -> the key of
    'đà nẵng', after every 'Dương …' and before 'Gia Lai'."""
    text = strip_unit_prefix(name).lower()
    text = _NUMBER.sub(lambda number: f" {number.group()} ", text)
    return "".join(_syllable_key(syllable) for syllable in _SYLLABLES.findall(text))
