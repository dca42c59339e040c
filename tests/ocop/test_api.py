"""The OCOP API as a dashboard and a provincial officer's client meet it: what the public and
the staff read, each filter of the product list, who may write, and what bad input gets.

Most reads are on a fixed day, D = 30 June 2025, so that the expected sets never move with
the calendar; writes happen today, so their products are rated relative to today.
"""

import datetime
from types import SimpleNamespace

import pytest
import yaml
from django.utils import timezone

from communes.models import Commune
from ocop import rating, services
from ocop.models import Evaluation, Producer, Product
from tests.factories import portal_user
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

day = datetime.date
D = "2025-06-30"
PRODUCERS = "/api/v1/ocop/producers/"
PRODUCTS = "/api/v1/ocop/products/"
EVALUATIONS = "/api/v1/ocop/evaluations/"


def _client(api, user=None):
    """An API client speaking English, so that messages can be compared word for word."""
    client = api(user)
    client.credentials(HTTP_ACCEPT_LANGUAGE="en")
    return client


def _revoke(evaluation, on: datetime.date) -> None:
    services.revoke_evaluation(
        evaluation=evaluation, revoked_date=on, reason="Vi phạm", decision=f"R-{evaluation.pk}"
    )


@pytest.fixture
def registry(producer, bach_dang, other_commune):
    """Products of Bạch Đằng (Bình Dương 74, district 723), one of Dầu Tiếng (720) and one of
    Lạng Sơn (20), each telling its story on D = 2025-06-30 in its comment."""
    dau_tieng = Commune.objects.rural().filter(structure="2021", district__code="720")
    dau_tieng = dau_tieng.order_by("code").first()
    weavers = services.create_producer(
        name="Tổ hợp tác Nón lá Bạch Đằng", kind="cooperative_group", commune=bach_dang
    )
    cashews = services.create_producer(
        name="Công ty TNHH Điều Dầu Tiếng", kind="enterprise", commune=dau_tieng
    )
    herbs = services.create_producer(
        name="Hộ kinh doanh Hồi Lạng Sơn", kind="household_business", commune=other_commune
    )

    def product(name, group, maker=producer):
        return services.create_product(producer=maker, name=name, group=group)

    p = SimpleNamespace(
        pomelo=product("Bưởi da xanh", "food"),
        tea=product("Trà xanh Bạch Đằng", "drinks"),
        honey=product("Mật ong rừng", "food"),
        rice=product("Gạo hữu cơ", "food", weavers),
        sausage=product("Nem chua", "food"),
        cake=product("Chè lam", "food"),
        hat=product("Nón lá", "handicrafts", weavers),
        anise=product("Hoa hồi", "herbs", herbs),
        cashew=product("Hạt điều rang muối", "food", cashews),
    )
    evaluate(p.pomelo, day(2024, 5, 10), score="78.5", level="province")  # 4★ to 2027-05-09
    evaluate(p.tea, day(2023, 3, 1), score="92", level="central")  # 5★ to 2026-02-28
    evaluate(p.honey, day(2022, 7, 30), score="95", level="district")  # 3★ to 2025-07-29
    evaluate(p.rice, day(2021, 3, 1), score="60")  # 3★, expired after 2024-02-29
    _revoke(evaluate(p.sausage, day(2023, 6, 1), score="80"), day(2024, 9, 1))  # revoked
    evaluate(p.cake, day(2024, 1, 15), score="45")  # 2★ in force: not certified
    # p.hat: never evaluated
    evaluate(p.anise, day(2024, 3, 1), score="55")  # 3★ in Lạng Sơn
    p.cashew_old = evaluate(p.cashew, day(2022, 1, 10), score="65")  # 3★, superseded by
    evaluate(p.cashew, day(2025, 1, 10), score="72")  # 4★ to 2028-01-09
    return SimpleNamespace(
        products=p, producer=producer, weavers=weavers, cashews=cashews, herbs=herbs
    )


def _names(client, url=PRODUCTS, **params) -> set[str]:
    response = client.get(url, {"page_size": 100, **params})
    assert response.status_code == 200, response.json()
    return {row["name"] for row in response.json()["results"]}


CERTIFIED_ON_D = {"Bưởi da xanh", "Trà xanh Bạch Đằng", "Mật ong rừng", "Hoa hồi"}
CERTIFIED_ON_D |= {"Hạt điều rang muối"}
NOT_CERTIFIED_ON_D = {"Gạo hữu cơ", "Nem chua", "Chè lam", "Nón lá"}


# --- reading: who sees what -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "visible"),
    [
        (None, CERTIFIED_ON_D),
        ("no_role", CERTIFIED_ON_D),
        ("officer_20", CERTIFIED_ON_D),  # Lạng Sơn's one product is certified anyway
        ("viewer_74", CERTIFIED_ON_D | NOT_CERTIFIED_ON_D),
        ("national", CERTIFIED_ON_D | NOT_CERTIFIED_ON_D),
    ],
)
def test_certified_products_are_public_the_rest_is_for_the_province_staff(
    api, cast, registry, who, visible
):
    client = _client(api, getattr(cast, who) if who else None)
    assert _names(client, as_of=D) == visible


def test_a_product_not_certified_is_a_404_outside_its_province(api, cast, registry):
    expired = registry.products.rice
    url = f"{PRODUCTS}{expired.pk}/?as_of={D}"
    assert _client(api).get(url).status_code == 404
    assert _client(api, cast.approver_20).get(url).status_code == 404
    assert _client(api, cast.viewer_74).get(url).status_code == 200
    # On a day it was certified, it was public.
    assert _client(api).get(f"{PRODUCTS}{expired.pk}/?as_of=2023-12-31").status_code == 200


def test_each_product_shows_its_producer_place_and_rating(api, registry):
    response = _client(api).get(f"{PRODUCTS}{registry.products.pomelo.pk}/", {"as_of": D})
    body = response.json()
    evaluation = registry.products.pomelo.evaluations.get()
    assert response.status_code == 200
    assert body == {
        "id": registry.products.pomelo.pk,
        "name": "Bưởi da xanh",
        "group": "food",
        "sub_group": "",
        "description": "",
        "active": True,
        "producer": {
            "id": registry.producer.pk,
            "name": "Hợp tác xã Nông nghiệp Bạch Đằng",
            "kind": "cooperative",
        },
        "commune": {"code": "25930", "name": "Xã Bạch Đằng"},
        "district": {"code": "723", "name": "Thành phố Tân Uyên"},
        "province": {"code": "74", "name": "Tỉnh Bình Dương"},
        "structure": "2021",
        "rating": {
            "evaluation": evaluation.pk,
            "stars": 4,
            "certified": True,
            "score": 78.5,
            "level": "province",
            "decision_number": "131/QĐ-UBND",
            "decision_date": "2024-05-10",
            "valid_until": "2027-05-09",
            "revoked_date": None,
            "status": "in_force",
        },
    }


def _ratings(client, **params) -> dict[str, tuple | None]:
    rows = client.get(PRODUCTS, {"page_size": 100, **params}).json()["results"]
    return {
        row["name"]: row["rating"]
        and (row["rating"]["stars"], row["rating"]["certified"], row["rating"]["status"])
        for row in rows
    }


def test_the_staff_see_why_a_product_is_not_certified(api, cast, registry):
    assert _ratings(_client(api, cast.officer_74), as_of=D) == {
        "Bưởi da xanh": (4, True, "in_force"),
        "Trà xanh Bạch Đằng": (5, True, "in_force"),
        "Mật ong rừng": (3, True, "in_force"),
        "Gạo hữu cơ": (3, False, "expired"),
        "Nem chua": (4, False, "revoked"),
        "Chè lam": (2, False, "in_force"),
        "Nón lá": None,
        "Hoa hồi": (3, True, "in_force"),
        "Hạt điều rang muối": (4, True, "in_force"),
    }


def test_the_rating_is_the_one_of_as_of(api, cast, registry):
    ratings = _ratings(_client(api, cast.national), as_of="2023-12-31")
    assert ratings["Hạt điều rang muối"] == (3, True, "in_force")  # before its re-evaluation
    assert ratings["Nem chua"] == (4, True, "in_force")  # not yet revoked
    assert ratings["Bưởi da xanh"] is None  # not yet evaluated


def test_producers_are_public_when_they_own_a_public_product(api, cast, registry):
    public = {"Hợp tác xã Nông nghiệp Bạch Đằng", "Công ty TNHH Điều Dầu Tiếng"}
    public |= {"Hộ kinh doanh Hồi Lạng Sơn"}
    assert _names(_client(api), PRODUCERS, as_of=D) == public
    staff = _names(_client(api, cast.viewer_74), PRODUCERS, as_of=D)
    assert staff == public | {"Tổ hợp tác Nón lá Bạch Đằng"}
    # In 2023 the weavers' rice was certified.
    assert "Tổ hợp tác Nón lá Bạch Đằng" in _names(_client(api), PRODUCERS, as_of="2023-12-31")
    weavers = f"{PRODUCERS}{registry.weavers.pk}/?as_of={D}"
    assert _client(api).get(weavers).status_code == 404
    assert _client(api, cast.officer_74).get(weavers).status_code == 200


def test_a_tax_code_is_shown_to_the_staff_of_the_producers_province_only(api, cast, registry):
    url = f"{PRODUCERS}{registry.producer.pk}/?as_of={D}"
    assert _client(api).get(url).json()["tax_code"] is None
    assert _client(api, cast.officer_20).get(url).json()["tax_code"] is None
    body = _client(api, cast.viewer_74).get(url).json()
    assert body == {
        "id": registry.producer.pk,
        "name": "Hợp tác xã Nông nghiệp Bạch Đằng",
        "kind": "cooperative",
        "tax_code": "3702123456",
        "commune": {"code": "25930", "name": "Xã Bạch Đằng"},
        "district": {"code": "723", "name": "Thành phố Tân Uyên"},
        "province": {"code": "74", "name": "Tỉnh Bình Dương"},
        "structure": "2021",
    }


def test_the_public_sees_the_evaluations_behind_certificates_only(api, cast, registry):
    def decisions(user=None, **params):
        rows = _client(api, user).get(EVALUATIONS, {"page_size": 100, **params}).json()
        return {(row["product"]["name"], row["decision_date"]) for row in rows["results"]}

    certificates = {
        ("Bưởi da xanh", "2024-05-10"),
        ("Trà xanh Bạch Đằng", "2023-03-01"),
        ("Mật ong rừng", "2022-07-30"),
        ("Hoa hồi", "2024-03-01"),
        ("Hạt điều rang muối", "2025-01-10"),
    }
    others = {
        ("Gạo hữu cơ", "2021-03-01"),
        ("Nem chua", "2023-06-01"),
        ("Chè lam", "2024-01-15"),
        ("Hạt điều rang muối", "2022-01-10"),  # superseded
    }
    assert decisions(as_of=D) == certificates
    assert decisions(cast.viewer_74, as_of=D) == certificates | others
    assert decisions(cast.national, as_of=D, revoked="true") == {("Nem chua", "2023-06-01")}
    product = registry.products.cashew.pk
    assert decisions(cast.national, product=product) == {
        ("Hạt điều rang muối", "2025-01-10"),
        ("Hạt điều rang muối", "2022-01-10"),
    }
    superseded = f"{EVALUATIONS}{registry.products.cashew_old.pk}/?as_of={D}"
    assert _client(api).get(superseded).status_code == 404
    # Superseded, and by now past its own validity too.
    assert _client(api, cast.officer_74).get(superseded).json()["status"] == "expired"


# --- the product filters ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, CERTIFIED_ON_D | NOT_CERTIFIED_ON_D),
        ({"province": "20"}, {"Hoa hồi"}),
        ({"district": "720"}, {"Hạt điều rang muối"}),
        (
            {"commune": "25930"},
            NOT_CERTIFIED_ON_D | CERTIFIED_ON_D - {"Hoa hồi"} - {"Hạt điều rang muối"},
        ),
        ({"structure": "2025"}, set()),
        # Bình Dương's communes went into Hồ Chí Minh City (79), Lạng Sơn's into the new 20:
        # its products, as the statistics of 79 count them; not on the old map alone.
        ({"province": "79"}, (CERTIFIED_ON_D | NOT_CERTIFIED_ON_D) - {"Hoa hồi"}),
        ({"province": "79", "structure": "2021"}, set()),
        ({"province": "20", "structure": "2025"}, {"Hoa hồi"}),
        # A commune's or district's code is read on the map asked for, province or not.
        ({"province": "79", "structure": "2025", "commune": "25930"}, set()),
        ({"province": "79", "structure": "2025", "district": "720"}, set()),
        ({"province": "79", "structure": "2021", "district": "720"}, set()),
        ({"province": "74", "district": "720"}, {"Hạt điều rang muối"}),
        ({"group": "drinks"}, {"Trà xanh Bạch Đằng"}),
        ({"group": "handicrafts"}, {"Nón lá"}),
        ({"stars": 5}, {"Trà xanh Bạch Đằng"}),
        ({"stars": 4}, {"Bưởi da xanh", "Hạt điều rang muối"}),  # not the revoked Nem chua
        ({"stars": 3}, {"Mật ong rừng", "Hoa hồi"}),  # not the expired rice
        ({"stars": 2}, {"Chè lam"}),
        ({"certified": "true"}, CERTIFIED_ON_D),
        ({"certified": "false"}, NOT_CERTIFIED_ON_D),
        ({"expiring_within": 30}, {"Mật ong rừng"}),  # its last day is D + 29
        ({"expiring_within": 29}, set()),
        ({"expiring_within": 365}, {"Mật ong rừng", "Trà xanh Bạch Đằng"}),
        ({"search": "buoi"}, {"Bưởi da xanh"}),
        ({"search": "MẬT ONG"}, {"Mật ong rừng"}),
        ({"search": "xanh"}, {"Bưởi da xanh", "Trà xanh Bạch Đằng"}),
        ({"producer": "weavers"}, {"Gạo hữu cơ", "Nón lá"}),
        (
            {"province": "74", "certified": "true", "group": "food"},
            {"Bưởi da xanh"} | {"Mật ong rừng", "Hạt điều rang muối"},
        ),
    ],
)
def test_product_filters_on_d(api, cast, registry, params, expected):
    if "producer" in params:
        params = {"producer": getattr(registry, params["producer"]).pk}
    assert _names(_client(api, cast.national), as_of=D, **params) == expected


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        # 2023-12-31: the rice had two months left, Nem chua was not yet revoked, the cashews
        # held their first 3 stars; the pomelo, the cake and the anise were not yet rated.
        (
            {"certified": "true"},
            {"Trà xanh Bạch Đằng", "Mật ong rừng", "Gạo hữu cơ", "Nem chua", "Hạt điều rang muối"},
        ),
        ({"stars": 3}, {"Mật ong rừng", "Gạo hữu cơ", "Hạt điều rang muối"}),
        ({"expiring_within": 90}, {"Gạo hữu cơ"}),
    ],
)
def test_product_filters_read_the_rating_of_as_of(api, cast, registry, params, expected):
    assert _names(_client(api, cast.national), as_of="2023-12-31", **params) == expected


def test_as_of_defaults_to_today(api, cast, producer):
    today = timezone.localdate()
    fresh = services.create_product(producer=producer, name="Bánh tráng", group="food")
    evaluate(fresh, today - datetime.timedelta(days=10), score="72")
    old = services.create_product(producer=producer, name="Mứt gừng", group="food")
    evaluate(old, today - datetime.timedelta(days=4 * 365), score="72")  # expired
    assert _names(_client(api)) == {"Bánh tráng"}
    assert _names(_client(api, cast.national), certified="false") == {"Mứt gừng"}


@pytest.mark.parametrize(
    ("params", "errors"),
    [
        ({"province": "7"}, {"province": ["Enter a code of 2 digits."]}),
        ({"district": "72a"}, {"district": ["Enter a code of 3 digits."]}),
        ({"commune": "2593"}, {"commune": ["Enter a code of 5 digits."]}),
        ({"as_of": "30/06/2025x"}, {"as_of": ["Enter a valid date."]}),
        (
            {"as_of": "1999-12-31"},
            {"as_of": ["Ensure this value is greater than or equal to 2000-01-01."]},
        ),
        (
            {"stars": "6"},
            {"stars": ["Select a valid choice. 6 is not one of the available choices."]},
        ),
        (
            {"expiring_within": "-1"},
            {"expiring_within": ["Ensure this value is greater than or equal to 0."]},
        ),
        ({"expiring_within": "1.5"}, {"expiring_within": ["Enter a whole number."]}),
        (
            {"group": "rice"},
            {"group": ["Select a valid choice. rice is not one of the available choices."]},
        ),
        ({"search": "a\x00"}, {"search": ["Null characters are not allowed."]}),
    ],
)
def test_bad_filters_are_a_400(api, registry, params, errors):
    response = _client(api).get(PRODUCTS, params)
    assert response.status_code == 400
    assert response.json() == {
        "status": 400,
        "code": "invalid",
        "message": "Invalid input.",
        "errors": errors,
    }


def test_the_list_costs_a_fixed_number_of_queries(
    api, cast, registry, producer, django_assert_max_num_queries
):
    for n in range(30):
        made = services.create_product(producer=producer, name=f"Sản phẩm {n:02}", group="food")
        evaluate(made, day(2024, 1, 1) + datetime.timedelta(days=n), score="75")
    client = _client(api, cast.officer_74)
    for size in (5, 39):
        # the count of writes the cached pages are kept under (core.answers), portal access,
        # whether any rating is decided after as_of (selectors.latest_is_current), count, page
        # (producer, commune, district, province joined; the current evaluation's key fields
        # annotated), the page's current evaluations
        with django_assert_max_num_queries(6):
            response = client.get(PRODUCTS, {"as_of": D, "page_size": size})
        rows = response.json()["results"]
        assert len(rows) == size
        assert all(row["rating"] is not None for row in rows if row["name"] != "Nón lá")
        with django_assert_max_num_queries(1):  # read again: the count of writes alone
            assert client.get(PRODUCTS, {"as_of": D, "page_size": size}).json()["results"] == rows


def test_the_products_page_is_kept_and_never_served_stale(api, cast, registry):
    """The page is kept (core.answers) while nothing it reads changes: a rating recorded, a
    revocation, a producer renamed by a direct update, each is on the next read; the public
    and a province's staff never share a page."""
    public, staff = _client(api), _client(api, cast.viewer_74)

    def rows(client) -> dict:
        body = client.get(PRODUCTS, {"as_of": D, "page_size": 100}).json()
        return {row["name"]: row for row in body["results"]}

    assert "Chè lam" not in rows(public) and "Chè lam" in rows(staff)  # 2 stars: staff only
    evaluate(registry.products.cake, day(2025, 2, 1), score="50")  # 3 stars, exactly
    assert rows(public)["Chè lam"]["rating"]["stars"] == 3
    assert rows(public)["Chè lam"]["rating"]["score"] == 50
    _revoke(Evaluation.objects.get(product=registry.products.honey), day(2025, 6, 1))
    assert "Mật ong rừng" not in rows(public)
    assert rows(staff)["Mật ong rừng"]["rating"]["status"] == "revoked"
    Producer.objects.filter(pk=registry.weavers.pk).update(name="HTX Nón lá")
    assert rows(staff)["Nón lá"]["producer"]["name"] == "HTX Nón lá"


def test_the_other_lists_cost_a_fixed_number_of_queries(
    api, cast, registry, django_assert_max_num_queries
):
    client = _client(api, cast.officer_74)
    for url, count in ((EVALUATIONS, 9), (PRODUCERS, 4)):
        # portal access, count, page with everything it shows joined
        with django_assert_max_num_queries(3):
            response = client.get(url, {"as_of": D})
        assert response.json()["count"] == count


# --- writing: who may ---------------------------------------------------------------------------

# role: status of a producer, a product and an evaluation created in Bình Dương, and of a
# revocation there
MATRIX = {
    None: (401, 401, 401, 401),
    "no_role": (403, 403, 403, 403),
    "viewer_74": (403, 403, 403, 403),
    "officer_74": (201, 201, 201, 200),
    "approver_74": (201, 201, 201, 200),
    "officer_20": (403, 403, 403, 403),
    "national": (201, 201, 201, 200),
}


@pytest.fixture
def rated(producer):
    """A product of Bạch Đằng certified today (so that every user can read it)."""
    product = services.create_product(producer=producer, name="Bưởi da xanh", group="food")
    evaluate(product, timezone.localdate() - datetime.timedelta(days=30), score="75")
    return product


def _evaluation_payload(rated_product, /, **changes) -> dict:
    return {
        "product": rated_product.pk,
        "score": "68.5",
        "part_a": "30",
        "part_b": "15.5",
        "part_c": "23",
        "level": "province",
        "decision_number": "77/QĐ-UBND",
        "decision_date": str(timezone.localdate()),
    } | changes


@pytest.mark.parametrize("who", MATRIX)
def test_permission_matrix(api, cast, rated, who):
    client = _client(api, getattr(cast, who) if who else None)
    expected = MATRIX[who]
    producer = client.post(
        PRODUCERS,
        {"name": "HTX Tân Uyên", "kind": "cooperative", "commune": "25930", "structure": "2021"},
        format="json",
    )
    product = client.post(
        PRODUCTS, {"producer": rated.producer_id, "name": "Mít", "group": "food"}, format="json"
    )
    evaluation = client.post(EVALUATIONS, _evaluation_payload(rated), format="json")
    current = rated.evaluations.order_by("pk").first()
    revocation = client.post(
        f"{EVALUATIONS}{current.pk}/revoke/",
        {"revoked_date": str(timezone.localdate()), "reason": "Vi phạm", "decision": "9/QĐ"},
        format="json",
    )

    statuses = (producer, product, evaluation, revocation)
    assert tuple(r.status_code for r in statuses) == expected
    allowed = expected[0] == 201
    assert Producer.objects.filter(name="HTX Tân Uyên").exists() == allowed
    assert Product.objects.filter(name="Mít").exists() == allowed
    assert rated.evaluations.count() == (2 if allowed else 1)
    current.refresh_from_db()
    assert (current.revoked_date is not None) == allowed
    if who is None:
        assert producer.json()["code"] == "not_authenticated"
    elif not allowed:
        assert producer.json() == {
            "status": 403,
            "code": "permission_denied",
            "message": "Only officers of this province and national users register its producers.",
        }


def test_an_officer_records_a_rating_and_sees_its_stars(api, cast, rated):
    client = _client(api, cast.officer_74)
    response = client.post(EVALUATIONS, _evaluation_payload(rated), format="json")
    body = response.json()
    today = timezone.localdate()
    assert response.status_code == 201
    assert {key: body[key] for key in ("score", "part_a", "part_b", "part_c", "stars")} == {
        "score": 68.5,
        "part_a": 30.0,
        "part_b": 15.5,
        "part_c": 23.0,
        "stars": 3,
    }
    assert (body["decision_date"], body["status"]) == (str(today), "in_force")
    assert body["valid_until"] == str(rating.valid_until(today))
    product = client.get(f"{PRODUCTS}{rated.pk}/").json()
    assert (product["rating"]["evaluation"], product["rating"]["stars"]) == (body["id"], 3)


def test_revoking_twice_is_a_conflict(api, cast, rated):
    client = _client(api, cast.approver_74)
    evaluation = rated.evaluations.get()
    url = f"{EVALUATIONS}{evaluation.pk}/revoke/"
    today = str(timezone.localdate())
    payload = {"revoked_date": today, "reason": "Vi phạm an toàn thực phẩm", "decision": "5/QĐ"}
    first = client.post(url, payload, format="json")
    assert first.status_code == 200
    assert (first.json()["status"], first.json()["revoked_date"]) == ("revoked", today)
    again = client.post(url, {**payload, "decision": "6/QĐ"}, format="json")
    assert again.status_code == 409
    assert again.json() == {
        "status": 409,
        "code": "already_revoked",
        "message": f"This rating was already revoked on {today} by 5/QĐ.",
    }
    evaluation.refresh_from_db()
    assert evaluation.revoked_decision == "5/QĐ"
    assert client.get(f"{PRODUCTS}{rated.pk}/").json()["rating"]["status"] == "revoked"
    assert _client(api).get(f"{PRODUCTS}{rated.pk}/").status_code == 404  # no longer public


def test_an_officer_changes_a_product_of_the_province(api, cast, rated, other_commune):
    client = _client(api, cast.officer_74)
    url = f"{PRODUCTS}{rated.pk}/"
    response = client.patch(url, {"name": "Bưởi da xanh Tân Uyên", "active": False}, "json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["active"]) == ("Bưởi da xanh Tân Uyên", False)
    assert _names(client, search="buoi tan uyen") == {"Bưởi da xanh Tân Uyên"}
    # Moving it to Lạng Sơn needs the right to edit there too...
    move = {"commune": other_commune.code, "structure": "2021"}
    moved = client.patch(url, move, "json")
    assert moved.status_code == 403
    rated.refresh_from_db()
    assert rated.commune.province.code == "74"
    assert _client(api, cast.officer_20).patch(url, {"active": True}, "json").status_code == 403
    # ... and is refused to anyone: a product counts in its producer's province.
    national = _client(api, cast.national).patch(url, move, "json")
    assert national.status_code == 400
    assert national.json()["errors"] == {
        "commune": [
            f"{other_commune.name} is in Tỉnh Lạng Sơn, but the producer Hợp tác xã Nông nghiệp "
            "Bạch Đằng is in Tỉnh Bình Dương: a product counts in its producer's province."
        ]
    }
    rated.refresh_from_db()
    assert rated.commune.province.code == "74"
    # On the map of 1 July 2025 Bạch Đằng lies in Phường Tân Uyên, Hồ Chí Minh City, where
    # Bình Dương went: its producer's province, on that map, which officer_74 (of Bình Dương)
    # does not edit.
    new_map = {"commune": "25888", "structure": "2025"}
    assert client.patch(url, new_map, "json").status_code == 403
    placed = _client(api, cast.national).patch(url, new_map, "json")
    assert placed.status_code == 200
    assert (placed.json()["province"]["code"], placed.json()["structure"]) == ("79", "2025")


def test_a_product_counts_in_its_producers_province(api, cast, bach_dang):
    """An officer of Bình Dương cannot register a product of a Quảng Ninh producer by placing
    it in a commune of Bình Dương: Quảng Ninh's registry is not theirs (403); nor can the
    national office, who may edit both, place it there (400)."""
    quang_ninh = Commune.objects.rural().filter(structure="2021", province__code="22").first()
    maker = services.create_producer(name="HTX Hạ Long", kind="cooperative", commune=quang_ninh)
    known = services.create_product(producer=maker, name="Chả mực", group="food")
    evaluate(known, timezone.localdate() - datetime.timedelta(days=30), score="80")  # public
    payload = {"producer": maker.pk, "name": "Nước mắm", "group": "food"}
    placed = payload | {"commune": bach_dang.code, "structure": "2021"}
    assert _client(api, cast.officer_74).post(PRODUCTS, placed, format="json").status_code == 403
    response = _client(api, cast.national).post(PRODUCTS, placed, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "commune": [
            "Xã Bạch Đằng is in Tỉnh Bình Dương, but the producer HTX Hạ Long is in Tỉnh Quảng "
            "Ninh: a product counts in its producer's province."
        ]
    }
    assert not Product.objects.filter(name="Nước mắm").exists()
    # Without a commune it counts for its producer's, which officer_74 does not edit.
    assert _client(api, cast.officer_74).post(PRODUCTS, payload, "json").status_code == 403


def test_the_new_provinces_staff_register_no_product_of_the_merged_provinces_producer(
    api, cast, producer
):
    """Bình Dương's communes went into Hồ Chí Minh City, whose staff do not cover Bình Dương:
    before, they placed products under its producers (visible to them by a public product),
    products Bình Dương's own staff could then not see."""
    evaluate(
        services.create_product(producer=producer, name="Bưởi", group="food"),
        timezone.localdate() - datetime.timedelta(days=30),
        score="80",
    )
    officer = portal_user("officer_79n", "officer", "79", structure="2025")
    saigon = Commune.objects.rural(2026).filter(structure="2025", province__code="79")[0]
    body = {"producer": producer.pk, "name": "Nem", "group": "food", "commune": saigon.code}
    response = _client(api, officer).post(PRODUCTS, body | {"structure": "2025"}, format="json")
    assert response.status_code == 403
    assert not Product.objects.filter(name="Nem").exists()


def test_a_product_is_counted_where_it_comes_from(api, cast, producer, bach_dang):
    elsewhere = Commune.objects.rural().filter(structure="2021", district__code="720").first()
    response = _client(api, cast.officer_74).post(
        PRODUCTS,
        {
            "producer": producer.pk,
            "name": "Mủ cao su",
            "group": "food",
            "commune": elsewhere.code,
            "structure": "2021",
        },
        format="json",
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["commune"]["code"], body["district"]["code"]) == (elsewhere.code, "720")
    assert body["rating"] is None


# --- bad input: a 400 naming the field, and nothing written ------------------------------------


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        ({"score": "100.5"}, {"score": ["Ensure this value is less than or equal to 100."]}),
        ({"score": "-1"}, {"score": ["Ensure this value is greater than or equal to 0."]}),
        (
            {"score": "75"},
            {"score": ["Parts A + B + C add up to 68.5, not to the score 75."]},
        ),
        (
            {"part_c": "38", "score": "83.5"},
            {"part_c": ["This part is between 0 and 35 under 148/QĐ-TTg of 24/02/2023, not 38."]},
        ),
        (
            {"part_b": None},
            {"part_b": ["Give all three parts (A, B, C) or none; this one is missing."]},
        ),
        ({"level": "commune"}, {"level": ['"commune" is not a valid choice.']}),
        ({"decision_date": "2999-01-01"}, {"decision_date": ["01/01/2999 is in the future."]}),
        ({"product": 10**6}, {"product": ["No product with id 1000000."]}),
    ],
)
def test_a_bad_evaluation_is_refused(api, cast, rated, changes, errors):
    response = _client(api, cast.officer_74).post(
        EVALUATIONS, _evaluation_payload(rated, **changes), format="json"
    )
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert rated.evaluations.count() == 1


def test_a_district_council_no_longer_evaluates_after_5_july_2025(api, cast, rated):
    payload = _evaluation_payload(rated, level="district", decision_date="2025-07-06")
    response = _client(api, cast.officer_74).post(EVALUATIONS, payload, format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["level"]
    assert response.json()["errors"]["level"][0].startswith(
        "Since 06/07/2025 the District level no longer evaluates OCOP products (1489/QĐ-TTg"
    )
    assert rated.evaluations.count() == 1
    earlier = _evaluation_payload(rated, level="district", decision_date="2025-07-05")
    assert _client(api, cast.officer_74).post(EVALUATIONS, earlier, "json").json()["stars"] == 3


def test_an_evaluation_of_a_product_the_officer_cannot_read_is_bad_input(api, cast, producer):
    hidden = services.create_product(producer=producer, name="Chưa đánh giá", group="food")
    payload = _evaluation_payload(hidden)
    response = _client(api, cast.officer_20).post(EVALUATIONS, payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"product": [f"No product with id {hidden.pk}."]}
    assert not Evaluation.objects.exists()


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        (
            {"commune": "99999"},
            {"commune": ["No commune with code 99999 on the 2021 map."]},
        ),
        ({"commune": "2593"}, {"commune": ["This value does not match the required pattern."]}),
        ({"kind": "ngo"}, {"kind": ['"ngo" is not a valid choice.']}),
        ({"name": "  "}, {"name": ["This field may not be blank."]}),
        (
            {"tax_code": "12"},
            {
                "tax_code": [
                    "A tax code has 10 digits, 10 digits then -NNN for a branch, or 12 digits."
                ]
            },
        ),
    ],
)
def test_a_bad_producer_is_refused(api, cast, producer, payload, errors):
    # Codes are read on the map named (both maps are loaded; the newest is the default).
    body = {"name": "HTX Tân Uyên", "kind": "cooperative", "commune": "25930", "structure": "2021"}
    body |= payload
    response = _client(api, cast.officer_74).post(PRODUCERS, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Producer.objects.count() == 1


def test_a_producer_whose_tax_code_is_registered_is_a_409_with_the_holders_id(api, cast, producer):
    body = {"name": "HTX Tân Uyên", "kind": "cooperative", "commune": "25930", "structure": "2021"}
    response = _client(api, cast.officer_74).post(
        PRODUCERS, body | {"tax_code": "3702123456"}, format="json"
    )
    assert response.status_code == 409
    assert response.json() == {
        "status": 409,
        "code": "exists",
        "message": "Tax code 3702123456 is already registered to Hợp tác xã Nông nghiệp Bạch Đằng.",
        "existing_id": producer.pk,
    }
    assert Producer.objects.count() == 1
    # With another problem as well, it is a 400 naming both.
    both = body | {"tax_code": "3702123456", "kind": "ngo"}
    response = _client(api, cast.officer_74).post(PRODUCERS, both, format="json")
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("payload", "errors"),
    [
        ({"producer": 10**6}, {"producer": ["No producer with id 1000000."]}),
        ({"group": "rice"}, {"group": ['"rice" is not a valid choice.']}),
        ({"structure": "2021"}, {"structure": ["Give the structure with a commune code."]}),
        (
            {"commune": "00000", "structure": "2021"},
            {"commune": ["No commune with code 00000 on the 2021 map."]},
        ),
    ],
)
def test_a_bad_product_is_refused(api, cast, rated, payload, errors):
    body = {"producer": rated.producer_id, "name": "Mít", "group": "food"} | payload
    response = _client(api, cast.officer_74).post(PRODUCTS, body, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    assert Product.objects.count() == 1


def test_creating_a_product_or_a_rating_twice_is_a_409_with_the_first_ones_id(api, cast, rated):
    client = _client(api, cast.officer_74)
    again = {"producer": rated.producer_id, "name": " Bưởi da xanh ", "group": "food"}
    response = client.post(PRODUCTS, again, format="json")
    assert (response.status_code, response.json()["existing_id"]) == (409, rated.pk)
    assert response.json()["message"] == (
        "Hợp tác xã Nông nghiệp Bạch Đằng already has a product named “Bưởi da xanh”."
    )
    assert Product.objects.count() == 1
    first = client.post(EVALUATIONS, _evaluation_payload(rated), format="json")
    assert first.status_code == 201
    second = client.post(EVALUATIONS, _evaluation_payload(rated), format="json")
    assert second.status_code == 409
    assert (second.json()["code"], second.json()["existing_id"]) == ("exists", first.json()["id"])
    assert rated.evaluations.count() == 2  # the earlier rating and the first of the two


def test_a_bad_change_is_refused_and_nothing_changes(api, cast, rated):
    url = f"{PRODUCTS}{rated.pk}/"
    client = _client(api, cast.officer_74)
    response = client.patch(url, {"group": "rice", "name": "Mít"}, "json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"group": ['"rice" is not a valid choice.']}
    assert client.patch(url, ["name"], "json").status_code == 400
    rated.refresh_from_db()
    assert (rated.name, rated.group) == ("Bưởi da xanh", "food")


@pytest.mark.parametrize(
    ("url", "payload", "errors"),
    [
        (
            PRODUCTS,
            {"description": "x" * 2001},
            {"description": ["Ensure this field has no more than 2000 characters."]},
        ),
        (
            PRODUCTS,
            {"name": "x" * 256},
            {"name": ["Ensure this field has no more than 255 characters."]},
        ),
        (
            PRODUCTS,
            {"sub_group": "x" * 201},
            {"sub_group": ["Ensure this field has no more than 200 characters."]},
        ),
        (
            PRODUCERS,
            {"name": "x" * 256},
            {"name": ["Ensure this field has no more than 255 characters."]},
        ),
        (
            EVALUATIONS,
            {"decision_number": "1" * 51},
            {"decision_number": ["Ensure this field has no more than 50 characters."]},
        ),
        (
            "revoke",
            {"reason": "x" * 2001},
            {"reason": ["Ensure this field has no more than 2000 characters."]},
        ),
        (
            "revoke",
            {"decision": "1" * 51},
            {"decision": ["Ensure this field has no more than 50 characters."]},
        ),
    ],
)
def test_too_long_a_text_is_a_400_naming_its_field(api, cast, rated, url, payload, errors):
    evaluation = rated.evaluations.get()
    valid = {
        PRODUCTS: {"producer": rated.producer_id, "name": "Mít", "group": "food"},
        PRODUCERS: {"name": "HTX", "kind": "cooperative", "commune": "25930", "structure": "2021"},
        EVALUATIONS: _evaluation_payload(rated),
        "revoke": {"revoked_date": str(timezone.localdate()), "reason": "x", "decision": "1"},
    }
    target = f"{EVALUATIONS}{evaluation.pk}/revoke/" if url == "revoke" else url
    client = _client(api, cast.officer_74)
    response = client.post(target, valid[url] | payload, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == errors
    rows = (Producer.objects.count(), Product.objects.count(), Evaluation.objects.count())
    assert rows == (1, 1, 1)
    evaluation.refresh_from_db()
    assert evaluation.revoked_date is None
    if url == PRODUCTS:  # a change too
        changed = client.patch(f"{PRODUCTS}{rated.pk}/", payload, format="json")
        assert (changed.status_code, changed.json()["errors"]) == (400, errors)


def test_the_history_names_who_changed_a_product_and_who_revoked_its_rating(api, cast, rated):
    officer = _client(api, cast.officer_74)
    renamed = officer.patch(f"{PRODUCTS}{rated.pk}/", {"name": "Bưởi Tân Uyên"}, "json")
    assert renamed.status_code == 200
    change = rated.history.latest()
    assert (change.history_type, change.history_user) == ("~", cast.officer_74)
    diff = change.diff_against(change.prev_record)
    assert [(c.field, c.old, c.new) for c in diff.changes if c.field == "name"] == [
        ("name", "Bưởi da xanh", "Bưởi Tân Uyên")
    ]
    evaluation = rated.evaluations.get()
    payload = {"revoked_date": str(timezone.localdate()), "reason": "Vi phạm", "decision": "5/QĐ"}
    revoked = _client(api, cast.approver_74).post(
        f"{EVALUATIONS}{evaluation.pk}/revoke/", payload, format="json"
    )
    assert revoked.status_code == 200
    record = evaluation.history.latest()
    assert (record.history_type, record.history_user) == ("~", cast.approver_74)
    assert (record.revoked_date, record.revoked_reason) == (timezone.localdate(), "Vi phạm")
    assert record.prev_record.revoked_date is None
    created = officer.post(EVALUATIONS, _evaluation_payload(rated), format="json")
    recorded = Evaluation.history.get(id=created.json()["id"])
    assert (recorded.history_type, recorded.history_user) == ("+", cast.officer_74)
    producer = officer.post(
        PRODUCERS,
        {"name": "HTX Tân Uyên", "kind": "cooperative", "commune": "25930", "structure": "2021"},
        format="json",
    )
    assert Producer.history.get(id=producer.json()["id"]).history_user == cast.officer_74


def test_a_bad_revocation_is_refused(api, cast, rated):
    evaluation = rated.evaluations.get()
    url = f"{EVALUATIONS}{evaluation.pk}/revoke/"
    client = _client(api, cast.officer_74)
    before = str(evaluation.decision_date - datetime.timedelta(days=1))
    response = client.post(url, {"revoked_date": before, "reason": "x", "decision": "1"}, "json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["revoked_date"]
    missing = client.post(url, {"revoked_date": str(timezone.localdate())}, "json")
    assert set(missing.json()["errors"]) == {"reason", "decision"}
    evaluation.refresh_from_db()
    assert evaluation.revoked_date is None


# --- the schema ---------------------------------------------------------------------------------


def test_the_schema_documents_every_operation_with_examples(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    paths = schema["paths"]
    operations = {
        (PRODUCERS, "get"): {"200", "400", "404"},
        (PRODUCERS, "post"): {"201", "400", "401", "403", "409"},
        (PRODUCERS + "{id}/", "get"): {"200", "400", "404"},
        (PRODUCTS, "get"): {"200", "400", "404"},
        (PRODUCTS, "post"): {"201", "400", "401", "403", "409"},
        (PRODUCTS + "{id}/", "get"): {"200", "400", "404"},
        (PRODUCTS + "{id}/", "patch"): {"200", "400", "401", "403", "404"},
        (EVALUATIONS, "get"): {"200", "400", "404"},
        (EVALUATIONS, "post"): {"201", "400", "401", "403", "409"},
        (EVALUATIONS + "{id}/", "get"): {"200", "400", "404"},
        (EVALUATIONS + "{id}/revoke/", "post"): {"200", "400", "401", "403", "404", "409"},
    }
    for (path, method), responses in operations.items():
        operation = paths[path][method]
        assert set(operation["responses"]) == responses | {"401", "429"}, (path, method)
        ok = operation["responses"][min(responses)]["content"]["application/json"]
        assert ok["examples"], (path, method)
        if method != "get":
            assert operation["requestBody"]["content"]["application/json"]["examples"]
    params = {p["name"]: p for p in paths[PRODUCTS]["get"]["parameters"]}
    assert set(params) == {
        "as_of",
        "province",
        "district",
        "commune",
        "structure",
        "producer",
        "group",
        "stars",
        "certified",
        "expiring_within",
        "search",
        "page",
        "page_size",
    }
    assert params["stars"]["schema"] == {"type": "integer", "enum": [1, 2, 3, 4, 5]}
    assert params["expiring_within"]["schema"] == {"type": "integer", "minimum": 0, "maximum": 3660}
    assert params["as_of"]["schema"] == {"type": "string", "format": "date"}
    assert "as_of" in {p["name"] for p in paths[PRODUCTS + "{id}/"]["get"]["parameters"]}
    rating_schema = schema["components"]["schemas"]["Rating"]["properties"]
    assert set(rating_schema) == {
        "evaluation",
        "stars",
        "certified",
        "score",
        "level",
        "decision_number",
        "decision_date",
        "valid_until",
        "revoked_date",
        "status",
    }
