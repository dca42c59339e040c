import unicodedata

import pytest

from communes.text import fold, sort_key, strip_unit_prefix


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Xã Bạch Đằng", "xa bach dang"),
        ("ĐẮK LẮK", "dak lak"),
        ("Thị trấn  Tân   Phước Khánh", "thi tran tan phuoc khanh"),
        ("Hoà Bình", "hoa binh"),
        ("Hòa Bình", "hoa binh"),  # both accent placements fold alike
        ("  Phường Cửa Nam ", "phuong cua nam"),
        ("bach dang", "bach dang"),
    ],
)
def test_fold_strips_diacritics_and_case(text, expected):
    assert fold(text) == expected


# --- sort_key: names in the order of the Vietnamese alphabet, without the unit-type prefix ---

ALPHABET = list("aăâbcdđeêghiklmnoôơpqrstuưvxy")
TONES = ["a", "à", "ả", "ã", "á", "ạ"]  # none, huyền, hỏi, ngã, sắc, nặng


def _sorted(names):
    return sorted(names, key=sort_key)


def test_the_tones_of_a():
    assert _sorted(sorted(TONES)) == TONES


def test_every_letter_sorts_in_the_order_of_the_vietnamese_alphabet():
    shuffled = list(reversed(ALPHABET))
    assert _sorted(shuffled) == ALPHABET
    for earlier, later in zip(ALPHABET, ALPHABET[1:], strict=False):
        assert sort_key(earlier) < sort_key(later), (earlier, later)
        assert sort_key(earlier.upper()) < sort_key(later.upper()), (earlier, later)


@pytest.mark.parametrize("vowel", ["a", "ă", "â", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y"])
def test_tones_come_after_the_letters_in_the_dictionary_order(vowel):
    marks = ["", "\u0300", "\u0309", "\u0303", "\u0301", "\u0323"]
    toned = [unicodedata.normalize("NFC", vowel + mark) for mark in marks]
    assert _sorted(list(reversed(toned))) == toned
    # a tone decides only between the same letters: "à" is before "ă", "ạ" before "b"
    following = (ALPHABET + ["z"])[ALPHABET.index(vowel) + 1]
    assert sort_key(toned[-1]) < sort_key(following)


def test_the_letters_outside_the_vietnamese_alphabet_take_their_latin_places():
    assert _sorted(["g", "f", "e", "ê"]) == ["e", "ê", "f", "g"]
    assert _sorted(["z", "y", "x", "w", "v", "j", "k", "i"]) == [
        "i",
        "j",
        "k",
        "v",
        "w",
        "x",
        "y",
        "z",
    ]


def test_d_bar_comes_after_every_d():
    names = ["Tỉnh Gia Lai", "Thành phố Đà Nẵng", "Tỉnh Điện Biên", "Tỉnh Đắk Lắk", "Tỉnh Dương"]
    assert _sorted(names) == [
        "Tỉnh Dương",
        "Thành phố Đà Nẵng",
        "Tỉnh Đắk Lắk",
        "Tỉnh Điện Biên",
        "Tỉnh Gia Lai",
    ]


@pytest.mark.parametrize(
    ("name", "without"),
    [
        ("Tỉnh Hà Giang", "Hà Giang"),
        ("Thành phố Hà Nội", "Hà Nội"),
        ("Huyện Ba Vì", "Ba Vì"),
        ("Quận 1", "1"),
        ("Thị xã Sơn Tây", "Sơn Tây"),
        ("Thị trấn Tây Đằng", "Tây Đằng"),
        ("Xã Bạch Đằng", "Bạch Đằng"),
        ("Phường Cửa Nam", "Cửa Nam"),
        ("Đặc khu Phú Quốc", "Phú Quốc"),
        ("thành phố  Huế", "Huế"),
        ("Bạch Đằng", "Bạch Đằng"),  # no prefix
        ("Xã", "Xã"),  # a prefix alone is the name
        ("Xã Thành phố", "Thành phố"),  # only one prefix goes
    ],
)
def test_the_unit_type_prefix_is_left_out(name, without):
    assert strip_unit_prefix(name) == without
    assert sort_key(name) == sort_key(without)


def test_provinces_and_cities_sort_together_by_name():
    names = [
        "Thành phố Hà Nội",
        "Thành phố Hải Phòng",
        "Thành phố Hồ Chí Minh",
        "Tỉnh Hà Giang",
        "Tỉnh Hà Nam",
        "Tỉnh Hà Tĩnh",
        "Tỉnh Hải Dương",
        "Tỉnh Hậu Giang",
        "Tỉnh Hòa Bình",
        "Tỉnh Hưng Yên",
    ]
    assert _sorted(names) == [
        "Tỉnh Hà Giang",
        "Tỉnh Hà Nam",
        "Thành phố Hà Nội",
        "Tỉnh Hà Tĩnh",
        "Tỉnh Hải Dương",
        "Thành phố Hải Phòng",
        "Tỉnh Hậu Giang",
        "Tỉnh Hòa Bình",
        "Thành phố Hồ Chí Minh",
        "Tỉnh Hưng Yên",
    ]


def test_syllable_by_syllable():
    # a shorter syllable first ("An" before "Anh"), a syllable's tone before the next syllable
    assert _sorted(["Xã Anh", "Tỉnh An Giang"]) == ["Tỉnh An Giang", "Xã Anh"]
    assert _sorted(["Tỉnh Bà Rịa - Vũng Tàu", "Huyện Ba Vì"]) == [
        "Huyện Ba Vì",
        "Tỉnh Bà Rịa - Vũng Tàu",
    ]
    assert _sorted(["Ba", "Ba Bể", "Bà"]) == ["Ba", "Ba Bể", "Bà"]


def test_numbers_by_value_and_before_letters():
    names = ["Phường 10", "Phường 2", "Phường An Lạc", "Phường 1"]
    assert _sorted(names) == ["Phường 1", "Phường 2", "Phường 10", "Phường An Lạc"]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Hoà Bình", "Hòa Bình"),  # both accent placements
        ("HÀ NỘI", "Hà Nội"),
        ("Hà  Nội ", "Hà Nội"),
        ("Bà Rịa - Vũng Tàu", "Bà Rịa Vũng Tàu"),
        ("Hoa\u0300 Bi\u0300nh", "Hòa Bình"),  # decomposed input
    ],
)
def test_spelling_variants_have_one_key(one, other):
    assert sort_key(one) == sort_key(other)


def test_the_key_sorts_alike_in_every_database_collation():
    # only digits and lowercase ASCII letters: byte order and language collations agree
    key = sort_key("Thành phố Hồ Chí Minh, Quận 10 (cũ)")
    assert key and all(ch.isdigit() or "a" <= ch <= "z" for ch in key)
    assert sort_key("") == ""
