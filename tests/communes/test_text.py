import pytest

from communes.text import fold


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
