"""The OCOP officer pages through real HTTP requests, as officers meet them: in Vietnamese by
default, scoped to their province, every write through ocop.services; and what the commune
page and the province overview show of the registry (through criteria.registry).

Ratings are read today, so the evaluations are dated relative to today."""

import datetime
import html
import re
from types import SimpleNamespace

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from communes.models import Commune
from ocop import rating, services
from ocop.models import Evaluation, Producer, Product
from tests.factories import portal_user
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

LIST = "/ocop/"
today = timezone.localdate()
ago = datetime.timedelta


@pytest.fixture(autouse=True)
def _vietnamese_by_default(settings):
    # The pages as people get them: the product's default language.
    settings.LANGUAGE_CODE = "vi"


def text(response) -> str:
    """What a person reads on the page: the body's text, tags and extra spaces removed."""
    body = response.content.decode()
    body = re.sub(r"<(script|style|head)\b.*?</\1>", " ", body, flags=re.S)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())


def _plain(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def rows(response) -> dict[str, str]:
    """The product rows of the list: {product name: the row's text}."""
    found = re.findall(r'<tr data-product="\d+"[^>]*>(.*?)</tr>', response.content.decode(), re.S)
    return {_plain(row).split(" ★")[0].split(" —")[0]: _plain(row) for row in found}


def highlighted(response) -> list[str]:
    body = response.content.decode()
    found = re.findall(r'<tr data-product="\d+" class="expiring">\s*<td><a [^>]*>([^<]+)', body)
    return [html.unescape(name) for name in found]


def field_errors(response, field: str) -> str:
    """The errors shown under one field of a form."""
    body = response.content.decode()
    block = re.search(
        rf'<div class="field has-error[^"]*">(?:(?!</div>).)*?name="{field}".*?</div>', body, re.S
    )
    return _plain(block.group(0)) if block else ""


def as_user(client, user):
    client.force_login(user)
    return client


def _day(value: datetime.date) -> str:
    return value.strftime("%d/%m/%Y")


@pytest.fixture
def shelf(producer, product, bach_dang, other_commune):
    """Bình Dương's products, each telling its story today, and one of Lạng Sơn."""
    dau_tieng = Commune.objects.rural().filter(structure="2021", district__code="720")
    weavers = services.create_producer(
        name="Tổ hợp tác Nón lá Bạch Đằng", kind="cooperative_group", commune=bach_dang
    )
    cashews = services.create_producer(
        name="Công ty TNHH Điều Dầu Tiếng", kind="enterprise", commune=dau_tieng.first()
    )
    herbs = services.create_producer(
        name="Hộ kinh doanh Hồi Lạng Sơn", kind="household_business", commune=other_commune
    )

    def make(name, group, maker=producer):
        return services.create_product(producer=maker, name=name, group=group)

    s = SimpleNamespace(
        pomelo=product,
        tea=make("Trà xanh Bạch Đằng", "drinks"),
        honey=make("Mật ong rừng", "food"),
        sausage=make("Nem chua", "food"),
        cake=make("Chè lam", "food"),
        hat=make("Nón lá", "handicrafts", weavers),
        cashew=make("Hạt điều rang muối", "food", cashews),
        anise=make("Hoa hồi", "herbs", herbs),
    )
    s.pomelo_rating = evaluate(s.pomelo, today - ago(days=365), score="78.5")  # 4★ in force
    s.tea_rating = evaluate(s.tea, today - ago(days=1066), score="60")  # 3★, ends in ~30 days
    evaluate(s.honey, today - ago(days=4 * 365), score="65")  # 3★, expired a year ago
    s.sausage_rating = evaluate(s.sausage, today - ago(days=400), score="80")  # 4★, then revoked
    services.revoke_evaluation(
        evaluation=s.sausage_rating,
        revoked_date=today - ago(days=10),
        reason="Vi phạm an toàn thực phẩm",
        decision="56/QĐ-UBND",
    )
    evaluate(s.cake, today - ago(days=200), score="45")  # 2★ in force: not certified
    evaluate(s.cashew, today - ago(days=100), score="55")  # 3★ in Dầu Tiếng (district 720)
    evaluate(s.anise, today - ago(days=100), score="55")  # 3★ in Lạng Sơn
    return s  # s.hat: never evaluated


# The shelf's products of Bình Dương, whatever their rating.
BINH_DUONG = {
    "Bưởi da xanh",
    "Chè lam",
    "Hạt điều rang muối",
    "Mật ong rừng",
    "Nem chua",
    "Nón lá",
    "Trà xanh Bạch Đằng",
}


# --- 1. the province's products ------------------------------------------------------------------


def test_the_list_shows_the_province_products_with_their_stars_and_validity(client, cast, shelf):
    response = as_user(client, cast.officer_74).get(LIST)
    assert response.status_code == 200
    listed = rows(response)
    assert set(listed) == BINH_DUONG  # Lạng Sơn's anise is not Bình Dương's
    until = shelf.pomelo_rating.valid_until
    assert listed["Bưởi da xanh"] == (
        "Bưởi da xanh ★★★★ Thực phẩm Hợp tác xã Nông nghiệp Bạch Đằng Xã Bạch Đằng "
        f"Thành phố Tân Uyên {_day(until)} Còn hiệu lực"
    )
    assert listed["Chè lam"].startswith("Chè lam ★★ Thực phẩm")
    assert listed["Mật ong rừng"].endswith("Hết hiệu lực")
    assert listed["Nem chua"].endswith("Đã thu hồi")
    assert listed["Nón lá"] == (
        "Nón lá — Thủ công mỹ nghệ Tổ hợp tác Nón lá Bạch Đằng Xã Bạch Đằng "
        "Thành phố Tân Uyên — Chưa đánh giá"
    )
    page = text(response)
    assert "Sản phẩm OCOP · Tỉnh Bình Dương" in page
    assert "Tìm thấy 7 sản phẩm." in page


def test_a_certificate_ending_within_90_days_is_highlighted(client, cast, shelf):
    response = as_user(client, cast.officer_74).get(LIST)
    assert highlighted(response) == ["Trà xanh Bạch Đằng"]
    days = (shelf.tea_rating.valid_until - today).days + 1
    assert rows(response)["Trà xanh Bạch Đằng"].endswith(f"Còn hiệu lực Còn {days} ngày")
    assert 0 < days <= 90


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"search": "buoi da xanh"}, ["Bưởi da xanh"]),  # without diacritics
        ({"search": "Bưởi"}, ["Bưởi da xanh"]),
        ({"search": "non la"}, ["Nón lá"]),
        ({"group": "handicrafts"}, ["Nón lá"]),
        ({"stars": "4"}, ["Bưởi da xanh"]),  # the revoked 4★ sausage is no longer rated
        ({"stars": "3"}, ["Hạt điều rang muối", "Trà xanh Bạch Đằng"]),
        ({"certified": "yes"}, ["Bưởi da xanh", "Hạt điều rang muối", "Trà xanh Bạch Đằng"]),
        ({"certified": "no"}, ["Chè lam", "Mật ong rừng", "Nem chua", "Nón lá"]),
        ({"expiring": "on"}, ["Trà xanh Bạch Đằng"]),
        ({"district": "720"}, ["Hạt điều rang muối"]),
        ({"group": "food", "certified": "yes"}, ["Bưởi da xanh", "Hạt điều rang muối"]),
    ],
)
def test_the_filters_narrow_the_list(client, cast, shelf, query, expected):
    response = as_user(client, cast.officer_74).get(LIST, query)
    assert sorted(rows(response)) == expected


def test_a_bad_filter_is_ignored_not_an_error(client, cast, shelf):
    response = as_user(client, cast.officer_74).get(LIST, {"stars": "9", "district": "x"})
    assert response.status_code == 200
    assert len(rows(response)) == 7


def test_the_list_costs_the_same_queries_however_many_products(
    client, cast, shelf, django_assert_max_num_queries
):
    as_user(client, cast.officer_74)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(LIST, {"certified": "yes"}).status_code == 200
        return len(queries)

    few = count()
    for n in range(15):
        evaluate(
            services.create_product(producer=shelf.pomelo.producer, name=f"Bánh {n}", group="food"),
            today - ago(days=30),
            score="75",
        )
    assert count() == few
    # Session, user, access; today's map, the user's province on it, its districts; the
    # products counted, the page of products (their current rating, producer, commune and
    # district joined); the header's province; the session renewed (savepoint, update,
    # release: the idle timeout).
    with django_assert_max_num_queries(12):
        client.get(LIST, {"certified": "yes", "search": "banh"})
    # A national user's list: the same, and the newest map to read the province code on.
    as_user(client, cast.national)
    with django_assert_max_num_queries(12):
        client.get(LIST, {"province": "74", "certified": "yes"})


def test_a_long_list_is_paged(client, cast, producer):
    for n in range(55):
        services.create_product(producer=producer, name=f"Sản phẩm {n:02}", group="food")
    as_user(client, cast.officer_74)
    first = client.get(LIST, {"group": "food"})
    assert len(rows(first)) == 50 and "Trang 1 / 2" in text(first)
    assert 'href="?group=food&amp;page=2"' in first.content.decode()
    assert len(rows(client.get(LIST, {"group": "food", "page": 2}))) == 5


def test_a_national_user_chooses_a_province(client, cast, shelf):
    as_user(client, cast.national)
    assert "Chọn một tỉnh để xem các sản phẩm OCOP." in text(client.get(LIST))
    # Both maps are loaded: province 20 is named on the map its products are kept on.
    response = client.get(LIST, {"province": "20", "structure": "2021"})
    assert set(rows(response)) == {"Hoa hồi"}
    body = response.content.decode()
    assert 'href="/ocop/producers/new/?province=20&amp;structure=2021"' in body


def test_a_province_of_the_new_map_lists_the_products_of_the_communes_gone_into_it(
    client, cast, shelf
):
    """The province list offers the map since 1 July 2025; every product was registered on
    the old one. Before, Hồ Chí Minh City listed none of Bình Dương's products, nor Lạng Sơn
    its own, and nothing led a national user to them."""
    as_user(client, cast.national)
    assert set(rows(client.get(LIST, {"province": "79"}))) == BINH_DUONG
    assert set(rows(client.get(LIST, {"province": "20"}))) == {"Hoa hồi"}
    assert set(rows(client.get(LIST, {"province": "79", "search": "hoa hoi"}))) == set()


def test_the_new_provinces_staff_read_of_the_merged_provinces_products_what_is_public(
    client, cast, shelf
):
    """Hồ Chí Minh City's staff do not cover Bình Dương (merged into it, not its namesake):
    its products in their registry are the certified ones, as the product pages and the API
    let them read. Before, the page listed every one, expired, revoked and 2-star included."""
    officer = portal_user("officer_79n", "officer", "79", structure="2025")
    listed = set(rows(as_user(client, officer).get(LIST)))
    assert listed == {"Bưởi da xanh", "Trà xanh Bạch Đằng", "Hạt điều rang muối"}
    for hidden in (shelf.honey, shelf.sausage, shelf.cake, shelf.hat):
        assert client.get(f"/ocop/products/{hidden.pk}/").status_code == 404


def test_an_account_on_both_maps_reads_its_registry_on_todays_map(client, cast, shelf):
    """Lạng Sơn's officer (20 on the old map, its namesake on the new): a product registered
    on a commune of the new map was missing from their registry, though its page opened."""
    new_commune = Commune.objects.rural(2026).filter(structure="2025", province__code="20")[0]
    herbs = shelf.anise.producer
    tea = services.create_product(
        producer=herbs, name="Chè Shan", group="drinks", commune=new_commune
    )
    listed = set(rows(as_user(client, cast.officer_20).get(LIST)))
    assert {"Hoa hồi", tea.name} <= listed


def test_an_account_on_both_maps_registers_a_product_of_its_existing_producer(
    client, cast, other_commune
):
    """Lạng Sơn's registry on today's map: its producers, all registered before 1 July 2025
    on the old map's communes, were missing from the product form, and a post naming one was
    refused. Hồ Chí Minh City's officer is offered none of Bình Dương's, whose registry is
    not theirs."""
    herbs = services.create_producer(
        name="Hộ kinh doanh Hồi Lạng Sơn", kind="household_business", commune=other_commune
    )
    as_user(client, cast.officer_20)
    form = client.get(f"/ocop/products/new/?producer={herbs.pk}")
    assert f'<option value="{herbs.pk}"' in form.content.decode()
    posted = {"producer": herbs.pk, "name": "Tinh dầu hồi", "group": "herbs"}
    assert client.post("/ocop/products/new/", posted).status_code == 302
    assert Product.objects.get(name="Tinh dầu hồi").producer == herbs
    binh_duong = services.create_producer(
        name="HTX Bình Dương",
        kind="cooperative",
        commune=Commune.objects.get(structure="2021", code="25930"),
    )
    officer = portal_user("officer_79n", "officer", "79", structure="2025")
    page = as_user(client, officer).get("/ocop/products/new/").content.decode()
    assert f'<option value="{binh_duong.pk}"' not in page


def test_an_officer_sees_only_their_own_province(client, cast, shelf):
    response = as_user(client, cast.officer_20).get(LIST, {"province": "74"})
    assert set(rows(response)) == {"Hoa hồi"}


def test_a_login_without_a_role_sees_no_product(client, cast, shelf):
    response = as_user(client, cast.no_role).get(LIST)
    assert "Tài khoản của bạn chưa được gán tỉnh" in text(response)
    assert rows(response) == {}
    assert 'href="/ocop/"' not in response.content.decode()  # no OCOP link in the menu


def test_the_pages_speak_english_on_request(client, cast, shelf):
    as_user(client, cast.officer_74)
    client.post("/i18n/setlang/", {"language": "en", "next": LIST})
    response = client.get(LIST)
    assert "OCOP products · Tỉnh Bình Dương" in text(response)
    assert rows(response)["Bưởi da xanh"].endswith("In force")
    assert rows(response)["Trà xanh Bạch Đằng"].endswith(
        f"In force Ends in {(shelf.tea_rating.valid_until - today).days + 1} days"
    )


def test_staff_reach_the_registry_from_the_menu(client, cast, shelf):
    body = as_user(client, cast.viewer_74).get("/ocop/").content.decode()
    assert '<a href="/ocop/">OCOP</a>' in body


# --- 2. a product --------------------------------------------------------------------------------


def test_the_product_page_shows_its_rating_and_every_evaluation(client, cast, shelf):
    newer = evaluate(shelf.sausage, today - ago(days=5), score="92", level="central")
    page = text(as_user(client, cast.officer_74).get(f"/ocop/products/{shelf.sausage.pk}/"))
    assert "Nem chua" in page
    assert "Xếp hạng hiện tại ★★★★★ Còn hiệu lực" in page
    assert "Sản phẩm OCOP đạt chuẩn (từ 3 sao)." in page
    decided = _day(newer.decision_date)
    assert f"{newer.decision_number} {decided} Trung ương 92 ★★★★★" in page
    old = shelf.sausage_rating
    revoked = _day(today - ago(days=10))
    assert f"Đã thu hồi đã bị thay thế Thu hồi ngày {revoked} theo 56/QĐ-UBND" in page
    assert "Vi phạm an toàn thực phẩm" in page
    assert f"{old.decision_number} {_day(old.decision_date)} Tỉnh 80 ★★★★" in page


def test_the_product_page_costs_a_fixed_number_of_queries(
    client, cast, shelf, django_assert_max_num_queries
):
    for n in range(5):
        evaluate(shelf.pomelo, today - ago(days=20 + n), score="71", decision_number=f"{n}/QĐ")
    as_user(client, cast.officer_74)
    # Session, user, the product (producer, commune, district, province joined), access; its
    # evaluations; the header's province; the session renewed (savepoint, update, release).
    with django_assert_max_num_queries(9):
        assert client.get(f"/ocop/products/{shelf.pomelo.pk}/").status_code == 200


# --- 3. the forms --------------------------------------------------------------------------------


def test_an_officer_registers_a_producer(client, cast, bach_dang):
    as_user(client, cast.officer_74)
    form = client.get("/ocop/producers/new/")
    assert form.status_code == 200 and "Xã Bạch Đằng" in text(form)
    response = client.post(
        "/ocop/producers/new/",
        {"name": " HTX Mây tre Bạch Đằng ", "kind": "cooperative", "commune": bach_dang.pk},
    )
    producer = Producer.objects.get(name="HTX Mây tre Bạch Đằng")
    assert response["Location"] == f"/ocop/products/new/?producer={producer.pk}"
    assert (producer.commune, producer.kind, producer.tax_code) == (bach_dang, "cooperative", "")
    followed = text(client.get(response["Location"]))
    assert "HTX Mây tre Bạch Đằng đã được đăng ký. Bây giờ hãy thêm các sản phẩm." in followed


def test_a_refused_producer_shows_why_at_the_field_and_saves_nothing(
    client, cast, producer, bach_dang, other_commune
):
    as_user(client, cast.officer_74)
    data = {"name": "HTX khác", "kind": "cooperative", "commune": bach_dang.pk}
    response = client.post("/ocop/producers/new/", {**data, "tax_code": producer.tax_code})
    assert response.status_code == 400
    assert "Chưa lưu gì." in text(response)
    assert (
        f"Mã số thuế {producer.tax_code} đã được đăng ký cho Hợp tác xã Nông nghiệp Bạch Đằng."
        in field_errors(response, "tax_code")
    )
    assert 'value="HTX khác"' in response.content.decode()  # the typing is kept
    elsewhere = client.post("/ocop/producers/new/", {**data, "commune": other_commune.pk})
    assert elsewhere.status_code == 400 and field_errors(elsewhere, "commune")
    assert list(Producer.objects.values_list("name", flat=True)) == [producer.name]


def test_an_officer_registers_a_product(client, cast, producer, other_commune):
    as_user(client, cast.officer_74)
    form = client.get(f"/ocop/products/new/?producer={producer.pk}")
    assert f'<option value="{producer.pk}" selected>' in form.content.decode()
    response = client.post(
        "/ocop/products/new/",
        {"producer": producer.pk, "name": "Mật ong hoa cà phê", "group": "food"},
    )
    product = Product.objects.get(name="Mật ong hoa cà phê")
    assert response["Location"] == f"/ocop/products/{product.pk}/"
    assert product.commune == producer.commune  # counted where its producer is
    assert "Mật ong hoa cà phê đã được đăng ký." in text(client.get(response["Location"]))


def test_a_refused_product_shows_why_at_the_field_and_saves_nothing(client, cast, product):
    as_user(client, cast.officer_74)
    data = {"producer": product.producer.pk, "name": product.name, "group": "food"}
    response = client.post("/ocop/products/new/", data)
    assert response.status_code == 400
    assert "Hợp tác xã Nông nghiệp Bạch Đằng đã có sản phẩm tên “Bưởi da xanh”." in field_errors(
        response, "name"
    )
    assert Product.objects.count() == 1


def test_an_officer_records_an_evaluation_and_sees_its_stars(client, cast, product):
    as_user(client, cast.officer_74)
    url = f"/ocop/products/{product.pk}/evaluate/"
    assert client.get(url).status_code == 200
    decided = today - ago(days=3)
    data = {
        "score": "78,5",
        "part_a": "30",
        "part_b": "18,5",
        "part_c": "30",
        "level": "province",
        "decision_number": "1234/QĐ-UBND",
        "decision_date": decided.isoformat(),
    }
    response = client.post(url, data)
    assert response["Location"] == f"/ocop/products/{product.pk}/"
    evaluation = Evaluation.objects.get(product=product)
    assert (evaluation.stars, evaluation.valid_until) == (4, rating.valid_until(decided))
    page = text(client.get(response["Location"]))
    assert f"Đã ghi nhận: ★★★★, có hiệu lực đến {_day(evaluation.valid_until)}." in page
    assert "Xếp hạng hiện tại ★★★★ Còn hiệu lực" in page
    assert "1234/QĐ-UBND" in page and "Tỉnh 78,5 A 30 · B 18,5 · C 30 ★★★★" in page
    assert rows(client.get(LIST))["Bưởi da xanh"].startswith("Bưởi da xanh ★★★★")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"part_a": "30", "part_b": "20", "part_c": "30"},
            "score",
            "Tổng A + B + C là 80, không bằng tổng điểm 78.5.",
        ),
        ({"part_a": "30"}, "part_b", "Nhập cả ba phần (A, B, C) hoặc không nhập phần nào"),
        ({"score": "120"}, "score", "Điểm phải từ 0 đến 100"),
        ({"level": "district"}, "level", "cấp Huyện không còn đánh giá sản phẩm OCOP"),
        ({"decision_date": (today + ago(days=1)).isoformat()}, "decision_date", "ở tương lai"),
    ],
)
def test_a_refused_evaluation_shows_why_at_the_field_and_saves_nothing(
    client, cast, product, changes, field, message
):
    data = {
        "score": "78.5",
        "level": "province",
        "decision_number": "1234/QĐ-UBND",
        "decision_date": today.isoformat(),
    }
    response = as_user(client, cast.officer_74).post(
        f"/ocop/products/{product.pk}/evaluate/", {**data, **changes}
    )
    assert response.status_code == 400
    assert message in field_errors(response, field)
    assert not Evaluation.objects.exists()


def test_an_officer_revokes_a_rating(client, cast, shelf):
    as_user(client, cast.officer_74)
    url = f"/ocop/evaluations/{shelf.pomelo_rating.pk}/revoke/"
    assert f'href="{url}"' in client.get(f"/ocop/products/{shelf.pomelo.pk}/").content.decode()
    form = text(client.get(url))
    assert "Thu hồi kết quả xếp hạng Bưởi da xanh: ★★★★, quyết định" in form
    data = {
        "revoked_date": today.isoformat(),
        "revoked_reason": "Không duy trì chất lượng",
        "revoked_decision": "77/QĐ-UBND",
    }
    response = client.post(url, data)
    assert response["Location"] == f"/ocop/products/{shelf.pomelo.pk}/"
    shelf.pomelo_rating.refresh_from_db()
    assert shelf.pomelo_rating.revoked_date == today
    assert rows(client.get(LIST))["Bưởi da xanh"].endswith("Đã thu hồi")


def test_the_history_names_the_officer_who_revoked_a_rating(client, cast, shelf):
    as_user(client, cast.approver_74)
    url = f"/ocop/evaluations/{shelf.pomelo_rating.pk}/revoke/"
    data = {
        "revoked_date": today.isoformat(),
        "revoked_reason": "Không duy trì chất lượng",
        "revoked_decision": "77/QĐ-UBND",
    }
    assert client.post(url, data).status_code == 302
    revoked = shelf.pomelo_rating.history.latest()
    assert (revoked.history_type, revoked.history_user) == ("~", cast.approver_74)
    changes = {(c.field, c.old, c.new) for c in revoked.diff_against(revoked.prev_record).changes}
    assert changes == {
        ("revoked_date", None, today),
        ("revoked_reason", "", "Không duy trì chất lượng"),
        ("revoked_decision", "", "77/QĐ-UBND"),
    }


def test_a_revocation_reason_is_at_most_2000_characters(client, cast, shelf):
    as_user(client, cast.officer_74)
    data = {
        "revoked_date": today.isoformat(),
        "revoked_reason": "x" * 2001,
        "revoked_decision": "77/QĐ-UBND",
    }
    response = client.post(f"/ocop/evaluations/{shelf.pomelo_rating.pk}/revoke/", data)
    assert response.status_code == 400
    assert "Viết tối đa 2000 ký tự (văn bản này có 2001)." in field_errors(
        response, "revoked_reason"
    )
    shelf.pomelo_rating.refresh_from_db()
    assert shelf.pomelo_rating.revoked_date is None


def test_a_product_description_is_at_most_2000_characters(client, cast, producer):
    as_user(client, cast.officer_74)
    data = {"producer": producer.pk, "name": "Mít", "group": "food", "description": "x" * 2001}
    response = client.post("/ocop/products/new/", data)
    assert response.status_code == 400
    assert "Viết tối đa 2000 ký tự (văn bản này có 2001)." in field_errors(response, "description")
    assert not Product.objects.filter(name="Mít").exists()
    registered = client.post("/ocop/products/new/", data | {"description": "Mít tố nữ"})
    assert registered.status_code == 302
    assert Product.objects.get(name="Mít").history.get().history_user == cast.officer_74


def test_a_refused_revocation_shows_why_at_the_field_and_saves_nothing(client, cast, shelf):
    as_user(client, cast.officer_74)
    before = shelf.pomelo_rating.decision_date - ago(days=1)
    data = {"revoked_date": before.isoformat(), "revoked_reason": "x", "revoked_decision": "1/QĐ"}
    response = client.post(f"/ocop/evaluations/{shelf.pomelo_rating.pk}/revoke/", data)
    assert response.status_code == 400
    assert "không được trước ngày của quyết định bị thu hồi" in field_errors(
        response, "revoked_date"
    )
    again = client.post(
        f"/ocop/evaluations/{shelf.sausage_rating.pk}/revoke/", {**data, "revoked_date": today}
    )
    assert "đã bị thu hồi ngày" in field_errors(again, "revoked_date")
    shelf.pomelo_rating.refresh_from_db()
    assert shelf.pomelo_rating.revoked_date is None
    assert Evaluation.objects.get(pk=shelf.sausage_rating.pk).revoked_decision == "56/QĐ-UBND"


# --- 4. who may read and write -------------------------------------------------------------------


def _urls(shelf) -> list[str]:
    return [
        f"/ocop/products/{shelf.pomelo.pk}/",
        f"/ocop/products/{shelf.pomelo.pk}/evaluate/",
        f"/ocop/evaluations/{shelf.pomelo_rating.pk}/revoke/",
    ]


def test_another_province_sees_nothing_of_the_product(client, cast, shelf):
    as_user(client, cast.officer_20)
    for url in _urls(shelf):
        assert client.get(url).status_code == 404
        assert client.post(url, {"score": "99"}).status_code == 404
    assert client.get(f"/ocop/products/{shelf.anise.pk}/").status_code == 200
    assert Evaluation.objects.filter(product=shelf.pomelo).count() == 1


def test_a_viewer_reads_but_cannot_write(client, cast, shelf, bach_dang):
    as_user(client, cast.viewer_74)
    assert client.get(LIST).status_code == 200
    product_page = client.get(f"/ocop/products/{shelf.pomelo.pk}/")
    assert product_page.status_code == 200
    body = product_page.content.decode()
    assert "/evaluate/" not in body and "/revoke/" not in body
    assert "/ocop/producers/new/" not in client.get(LIST).content.decode()
    for url in [*_urls(shelf)[1:], "/ocop/producers/new/", "/ocop/products/new/"]:
        assert client.get(url).status_code == 403
    posts = {
        "/ocop/producers/new/": {"name": "X", "kind": "other", "commune": bach_dang.pk},
        "/ocop/products/new/": {"producer": shelf.pomelo.producer.pk, "name": "X", "group": "food"},
        _urls(shelf)[1]: {
            "score": "95",
            "level": "province",
            "decision_number": "9/QĐ",
            "decision_date": today.isoformat(),
        },
    }
    for url, data in posts.items():
        assert client.post(url, data).status_code == 403
    assert not Producer.objects.filter(name="X").exists()
    assert Evaluation.objects.filter(product=shelf.pomelo).count() == 1


def test_an_approver_writes_like_an_officer(client, cast, product):
    response = as_user(client, cast.approver_74).post(
        f"/ocop/products/{product.pk}/evaluate/",
        {
            "score": "55",
            "level": "province",
            "decision_number": "8/QĐ",
            "decision_date": today.isoformat(),
        },
    )
    assert response.status_code == 302 and product.evaluations.get().stars == 3


def test_a_national_user_writes_in_the_province_chosen(client, cast, other_commune):
    as_user(client, cast.national)
    assert client.get("/ocop/producers/new/").status_code == 404  # no province chosen
    url = "/ocop/producers/new/?province=20&structure=2021"
    assert "Hộ kinh doanh" in text(client.get(url))
    data = {"name": "HTX Hồi Văn Quan", "kind": "cooperative", "commune": other_commune.pk}
    response = client.post(url, data)
    producer = Producer.objects.get(name="HTX Hồi Văn Quan")
    assert response["Location"] == (
        f"/ocop/products/new/?producer={producer.pk}&province=20&structure=2021"
    )


@pytest.mark.parametrize(
    "url", ["/ocop/", "/ocop/producers/new/", "/ocop/products/new/", "/ocop/products/1/"]
)
def test_an_anonymous_visitor_is_asked_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"


def test_an_anonymous_write_is_sent_to_log_in_and_saves_nothing(client, shelf):
    url = f"/ocop/products/{shelf.pomelo.pk}/evaluate/"
    response = client.post(url, {"score": "99", "level": "province"})
    assert response["Location"].startswith("/accounts/login/")
    assert Evaluation.objects.filter(product=shelf.pomelo).count() == 1


def test_a_product_that_does_not_exist_is_a_404(client, cast):
    as_user(client, cast.officer_74)
    assert client.get("/ocop/products/999999/").status_code == 404
    assert client.get("/ocop/evaluations/999999/revoke/").status_code == 404


# --- 5. the commune page and the overview ---------------------------------------------------------


def test_the_commune_page_lists_the_commune_products(client, cast, shelf):
    response = as_user(client, cast.viewer_74).get("/communes/2021/25930/")
    panel = re.search(
        r'<section[^>]*data-panel="ocop.products".*?</section>', response.content.decode(), re.S
    )
    shown = _plain(panel.group(0))
    assert shown.startswith("Sản phẩm OCOP Sản phẩm Số sao Nhóm Chủ thể Có hiệu lực đến Trạng thái")
    until = _day(shelf.pomelo_rating.valid_until)
    assert (
        f"Bưởi da xanh ★★★★ Thực phẩm Hợp tác xã Nông nghiệp Bạch Đằng {until} Còn hiệu lực"
        in shown
    )
    assert "Nón lá — Thủ công mỹ nghệ Tổ hợp tác Nón lá Bạch Đằng — Chưa đánh giá" in shown
    assert "Trà xanh Bạch Đằng Còn " in shown  # its flag: the rating ends soon
    assert "Hạt điều" not in shown and "Hoa hồi" not in shown  # other communes'
    assert f'href="/ocop/products/{shelf.pomelo.pk}/"' in panel.group(0)


def test_a_commune_without_products_says_so(client, cast, bach_dang):
    page = text(as_user(client, cast.officer_74).get("/communes/2021/25930/"))
    assert "Chưa có sản phẩm OCOP nào được đăng ký ở xã này." in page


def test_the_commune_page_costs_the_same_queries_however_many_products(client, cast, shelf):
    as_user(client, cast.officer_74)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/communes/2021/25930/").status_code == 200
        return len(queries)

    few = count()
    for n in range(10):
        made = services.create_product(
            producer=shelf.pomelo.producer, name=f"Bánh {n}", group="food"
        )
        evaluate(made, today - ago(days=30), score="75")
    assert count() == few


def test_the_overview_lists_certificates_expiring_within_90_days(client, cast, shelf, small_set):
    cashews = shelf.cashew.producer
    brittle = services.create_product(producer=cashews, name="Kẹo điều", group="food")
    soon = evaluate(brittle, today - ago(days=1050), score="75")  # 4★, ends in ~45 days
    flour = services.create_product(producer=cashews, name="Bột điều", group="food")
    evaluate(flour, today - ago(days=1060), score="45")  # 2★ ending soon: no certificate
    response = as_user(client, cast.officer_74).get("/", {"year": 2023})
    task = re.search(
        r'<div data-task="ocop.expiring">.*?</div>', response.content.decode(), re.S
    ).group(0)
    shown = _plain(task)
    tea_days = (shelf.tea_rating.valid_until - today).days + 1
    brittle_days = (soon.valid_until - today).days + 1
    assert shown == (
        "Chứng nhận OCOP hết hạn trong 90 ngày tới 2 "
        f"Trà xanh Bạch Đằng · Xã Bạch Đằng · ★★★ Còn {tea_days} ngày "
        f"Kẹo điều · {brittle.commune.name} · ★★★★ Còn {brittle_days} ngày "
        "Xem trong danh mục OCOP"
    )  # soonest first; the 2★ flour is no certificate; nothing of Lạng Sơn
    assert 'href="/ocop/?certified=yes&amp;expiring=on"' in task


def test_a_national_user_sees_the_expiring_certificates_of_the_province_chosen(
    client, cast, shelf, small_set
):
    response = as_user(client, cast.national).get("/", {"year": 2023, "province": "74"})
    assert "Trà xanh Bạch Đằng" in text(response)
    assert 'href="/ocop/?province=74&amp;structure=2021&amp;certified=yes&amp;expiring=on"' in (
        response.content.decode()
    )
    quiet = text(client.get("/", {"year": 2023, "province": "20"}))
    assert "Không có chứng nhận OCOP nào hết hạn trong 90 ngày tới." in quiet


def test_the_expiry_window_is_one_setting_for_the_pages_and_the_admin(
    client, admin_client, cast, shelf, small_set, settings
):
    cashews = shelf.cashew.producer
    brittle = services.create_product(producer=cashews, name="Kẹo điều", group="food")
    evaluate(brittle, today - ago(days=1050), score="75")  # 4★, ends in ~45 days
    settings.NTM_OCOP_EXPIRING_DAYS = 40  # the tea (~30 days) is due, the brittle is not yet
    overview = as_user(client, cast.officer_74).get("/", {"year": 2023}).content.decode()
    task = _plain(re.search(r'<div data-task="ocop.expiring">.*?</div>', overview, re.S).group(0))
    assert task.startswith("Chứng nhận OCOP hết hạn trong 40 ngày tới 1 Trà xanh Bạch Đằng")
    assert "Kẹo điều" not in task
    listed = _plain(client.get("/ocop/", {"expiring": "on"}).content.decode())
    assert "trong 40 ngày" in listed and "Trà xanh Bạch Đằng" in listed
    assert "Kẹo điều" not in listed
    admin = admin_client.get("/admin/ocop/product/", {"validity": "expiring"}).content.decode()
    assert "Trà xanh Bạch Đằng" in admin and "Kẹo điều" not in admin
