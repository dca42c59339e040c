"""The OCOP registry in Django admin, as the national office reviews and corrects it."""

import datetime

import pytest
from django.utils import timezone

from communes.models import Commune
from ocop import rating, services
from ocop.models import Evaluation, Producer, Product
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

PRODUCTS = "/admin/ocop/product/"
PRODUCERS = "/admin/ocop/producer/"
EVALUATIONS = "/admin/ocop/evaluation/"


def _listed(response) -> list[str]:
    return [str(obj) for obj in response.context["cl"].result_list]


def _decided(expiring_in_days: int) -> datetime.date:
    """A decision date whose rating ends about that many days from today (give or take a
    leap day: three years back, then forward)."""
    return timezone.localdate() - datetime.timedelta(days=3 * 365 - expiring_in_days)


@pytest.fixture
def catalogue(producer, bach_dang):
    """Products of several communes and provinces, in every state of validity."""
    communes = list(Commune.objects.rural().filter(structure="2021", province__code="20")[:3])
    for n, commune in enumerate(communes):
        maker = services.create_producer(
            name=f"Tổ hợp tác Lạng Sơn {n}", kind="cooperative_group", commune=commune
        )
        for group in ("food", "drinks"):
            made = services.create_product(
                producer=maker, name=f"Sản phẩm {group} {n}", group=group
            )
            evaluate(made, _decided(730), score=("55", "75", "85")[n])  # 3, 4, 4 stars in force
    made = {
        name: services.create_product(producer=producer, name=name, group=group)
        for name, group in [
            ("Bưởi da xanh", "food"),
            ("Rượu Bàu Đá", "drinks"),
            ("Chiếu cói", "handicrafts"),
            ("Mật ong", "food"),
        ]
    }
    evaluate(made["Bưởi da xanh"], _decided(30), score="92", level="central")  # expiring
    evaluate(made["Rượu Bàu Đá"], _decided(-5), score="72")  # expired
    revoked = evaluate(made["Chiếu cói"], _decided(730), score="65")
    services.revoke_evaluation(
        evaluation=revoked, revoked_date=timezone.localdate(), reason="vi phạm", decision="9/QĐ"
    )
    return made


def test_product_list_shows_stars_and_validity_in_fixed_queries(
    admin_client, catalogue, django_assert_max_num_queries
):
    # session, user, the provinces of the province filter, filtered and total counts, the
    # page with its current evaluation annotated and producer, commune, province joined;
    # the session renewed (savepoint, update, release: the idle timeout)
    with django_assert_max_num_queries(9):
        response = admin_client.get(PRODUCTS)
    assert response.status_code == 200
    assert len(_listed(response)) == Product.objects.count() == 10
    html = response.content.decode()
    soon = rating.valid_until(_decided(30))
    assert "★★★★★" in html and f"{soon:%d/%m/%Y}" in html and "⚠" in html
    assert "Xã Bạch Đằng" in html and "Bình Dương" in html and "Lạng Sơn" in html


def _filtered(admin_client, **params) -> set[str]:
    response = admin_client.get(PRODUCTS, params)
    assert response.status_code == 200
    return set(_listed(response))


def test_products_filter_by_validity(admin_client, catalogue):
    assert _filtered(admin_client, validity="expiring") == {"Bưởi da xanh"}
    assert _filtered(admin_client, validity="expired") == {"Rượu Bàu Đá"}
    assert _filtered(admin_client, validity="revoked") == {"Chiếu cói"}
    assert _filtered(admin_client, validity="never") == {"Mật ong"}
    in_force = _filtered(admin_client, validity="in_force")
    assert len(in_force) == 7 and "Bưởi da xanh" in in_force


def test_products_filter_by_stars_in_force(admin_client, catalogue):
    assert _filtered(admin_client, stars="5") == {"Bưởi da xanh"}
    assert _filtered(admin_client, stars="3") == {"Sản phẩm food 0", "Sản phẩm drinks 0"}
    assert len(_filtered(admin_client, stars="4")) == 4  # not the expired 4-star product


def test_products_filter_by_province_and_group(admin_client, catalogue, bach_dang):
    province = bach_dang.province_id
    assert _filtered(admin_client, commune__province__id__exact=province, group__exact="food") == {
        "Bưởi da xanh",
        "Mật ong",
    }
    assert len(_filtered(admin_client, group__exact="drinks")) == 4


@pytest.mark.parametrize("term", ["buoi da xanh", "Bưởi", "BUOI XANH"])
def test_product_search_with_or_without_diacritics(admin_client, catalogue, term):
    assert _filtered(admin_client, q=term) == {"Bưởi da xanh"}


def test_product_search_by_producer_name_without_diacritics(admin_client, catalogue):
    assert _filtered(admin_client, q="to hop tac lang son 2") == {
        "Sản phẩm food 2",
        "Sản phẩm drinks 2",
    }


@pytest.mark.parametrize("term", ["hop tac xa nong nghiep bach dang", "Bạch Đằng", "3702123456"])
def test_producer_search_by_name_or_tax_code(admin_client, catalogue, term):
    response = admin_client.get(PRODUCERS, {"q": term})
    assert _listed(response) == ["Hợp tác xã Nông nghiệp Bạch Đằng"]


def test_producer_list_filters_by_kind_and_province_in_fixed_queries(
    admin_client, catalogue, bach_dang, django_assert_max_num_queries
):
    # 7, and the session renewed (savepoint, update, release: the idle timeout)
    with django_assert_max_num_queries(10):
        response = admin_client.get(PRODUCERS, {"kind__exact": "cooperative_group"})
    assert len(_listed(response)) == 3
    response = admin_client.get(PRODUCERS, {"commune__province__id__exact": bach_dang.province_id})
    assert _listed(response) == ["Hợp tác xã Nông nghiệp Bạch Đằng"]


def test_evaluation_list_in_fixed_queries(admin_client, catalogue, django_assert_max_num_queries):
    # 7, and the session renewed (savepoint, update, release: the idle timeout)
    with django_assert_max_num_queries(10):
        response = admin_client.get(EVALUATIONS, {"level__exact": "province"})
    assert len(_listed(response)) == 8


# --- recording and revoking through the services ---------------------------------------------


def _change_form_data(response) -> dict:
    """The POST data of an admin change page as it was rendered (management forms included)."""
    data = {}
    form = response.context["adminform"].form
    for name in form.fields:
        value = form.initial.get(name)
        if value not in (None, False):
            data[name] = getattr(value, "pk", value)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{name}"] = value
        for sub in formset.initial_forms:
            data[f"{sub.prefix}-id"] = sub.instance.pk
            data[f"{sub.prefix}-product"] = sub.instance.product_id
    return data


def _new_evaluation(admin_client, product, **fields):
    url = f"{PRODUCTS}{product.pk}/change/"
    data = _change_form_data(admin_client.get(url))
    data |= {f"evaluations-2-0-{name}": value for name, value in fields.items()}
    return admin_client.post(url, data)


def test_evaluation_added_on_the_product_page_gets_computed_stars(admin_client, product):
    response = _new_evaluation(
        admin_client,
        product,
        score="95",
        level="province",
        decision_number="15/QĐ-UBND",
        decision_date="2023-03-15",
        part_a="38",
        part_b="23",
        part_c="34",
    )
    assert response.status_code == 302, response.context and response.context["errors"]
    evaluation = product.evaluations.get()
    assert (evaluation.stars, evaluation.valid_until) == (4, datetime.date(2026, 3, 14))
    assert admin_client.get(f"{PRODUCTS}{product.pk}/change/").status_code == 200


def test_bad_evaluation_on_the_product_page_is_explained_and_not_saved(admin_client, product):
    response = _new_evaluation(
        admin_client,
        product,
        score="80",
        level="district",
        decision_number="7/QĐ",
        decision_date="2025-07-06",
        part_a="30",
        part_b="20",
        part_c="20",
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "1489/QĐ-TTg" in html
    assert "Parts A + B + C add up to 70, not to the score 80." in html
    assert not Evaluation.objects.exists()


def test_product_page_lists_its_evaluations_in_fixed_queries(
    admin_client, product, django_assert_max_num_queries
):
    for year in range(2019, 2025):
        evaluate(product, datetime.date(year, 5, 1), score=str(40 + 5 * (year - 2019)))
    # session, user, product, its evaluations with their product, content type, the
    # autocomplete widgets' producer and commune; the session renewed (savepoint, update,
    # release: the idle timeout)
    with django_assert_max_num_queries(10):
        response = admin_client.get(f"{PRODUCTS}{product.pk}/change/")
    assert response.status_code == 200
    assert response.content.decode().count("/admin/ocop/evaluation/") >= 6


def test_product_page_without_a_new_evaluation_saves_nothing_new(admin_client, product):
    evaluate(product, datetime.date(2024, 5, 1))
    url = f"{PRODUCTS}{product.pk}/change/"
    data = _change_form_data(admin_client.get(url)) | {"description": "Đặc sản"}
    assert admin_client.post(url, data).status_code == 302
    product.refresh_from_db()
    assert product.description == "Đặc sản"
    assert product.evaluations.count() == 1


def test_product_added_in_admin_goes_through_the_service(admin_client, producer, neighbour):
    response = admin_client.post(
        f"{PRODUCTS}add/",
        {
            "name": "Nấm linh chi",
            "producer": producer.pk,
            "commune": neighbour.pk,
            "group": "herbs",
            "active": "on",
        },
    )
    assert response.status_code == 302
    assert Product.objects.get(name="Nấm linh chi").search_key == "nam linh chi"


def test_product_of_another_province_than_its_producer_is_refused_at_the_commune(
    admin_client, producer, other_commune
):
    data = {"name": "Hoa hồi", "producer": producer.pk, "group": "herbs", "active": "on"}
    response = admin_client.post(f"{PRODUCTS}add/", data | {"commune": other_commune.pk})
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "commune": [
            f"{other_commune.name} is in Tỉnh Lạng Sơn, but the producer Hợp tác xã Nông nghiệp "
            "Bạch Đằng is in Tỉnh Bình Dương: a product counts in its producer's province."
        ]
    }
    assert not Product.objects.exists()


def test_product_moved_to_another_province_in_admin_is_refused(
    admin_client, product, other_commune
):
    url = f"{PRODUCTS}{product.pk}/change/"
    data = _change_form_data(admin_client.get(url)) | {"commune": other_commune.pk}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["commune"]
    product.refresh_from_db()
    assert product.commune.province.code == "74"


def test_a_long_description_is_refused_at_its_field_in_admin(admin_client, product):
    url = f"{PRODUCTS}{product.pk}/change/"
    data = _change_form_data(admin_client.get(url)) | {"description": "x" * 2001}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "description": ["Write at most 2000 characters (this has 2001)."]
    }
    product.refresh_from_db()
    assert product.description == ""


def test_producer_added_in_admin_goes_through_the_service(admin_client, producer, bach_dang):
    data = {"name": "Công ty Cổ phần Bàu Đá", "kind": "enterprise", "commune": bach_dang.pk}
    refused = admin_client.post(f"{PRODUCERS}add/", data | {"tax_code": "3702123456"})
    assert refused.context["adminform"].form.errors == {
        "tax_code": [
            "Tax code 3702123456 is already registered to Hợp tác xã Nông nghiệp Bạch Đằng."
        ]
    }
    assert admin_client.post(f"{PRODUCERS}add/", data).status_code == 302
    assert (
        Producer.objects.get(name="Công ty Cổ phần Bàu Đá").search_key == "cong ty co phan bau da"
    )


def test_producer_of_a_product_cannot_be_changed(admin_client, product):
    form = admin_client.get(f"{PRODUCTS}{product.pk}/change/").context["adminform"].form
    assert "producer" not in form.fields


def test_revocation_in_admin_goes_through_the_service(admin_client, product):
    evaluation = evaluate(product, datetime.date(2023, 5, 1))
    url = f"{EVALUATIONS}{evaluation.pk}/change/"
    refused = admin_client.post(
        url,
        {"revoked_date": "2023-04-30", "revoked_reason": "vi phạm", "revoked_decision": "3/QĐ"},
    )
    assert "cannot be before the decision it revokes (01/05/2023)" in refused.content.decode()
    response = admin_client.post(
        url,
        {"revoked_date": "2024-02-01", "revoked_reason": "vi phạm", "revoked_decision": "3/QĐ"},
    )
    assert response.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.revoked_date == datetime.date(2024, 2, 1)
    # Once revoked, the page is read-only.
    assert "revoked_date" not in admin_client.get(url).context["adminform"].form.fields


def test_evaluations_are_never_added_or_deleted_directly(admin_client, product):
    evaluation = evaluate(product, datetime.date(2023, 5, 1))
    assert admin_client.get(f"{EVALUATIONS}add/").status_code == 403
    assert admin_client.get(f"{EVALUATIONS}{evaluation.pk}/delete/").status_code == 403


# --- history: who changed what, when, old -> new ----------------------------------------------


def _producer_form(admin_client, producer) -> dict:
    url = f"{PRODUCERS}{producer.pk}/change/"
    return _change_form_data(admin_client.get(url))


def test_a_producer_changed_in_admin_keeps_its_history(admin_client, admin_user, producer):
    url = f"{PRODUCERS}{producer.pk}/change/"
    data = _producer_form(admin_client, producer) | {"name": "HTX Bạch Đằng"}
    assert admin_client.post(url, data).status_code == 302
    latest, first = producer.history.order_by("-history_date", "-history_id")[:2]
    assert (latest.history_type, latest.history_user) == ("~", admin_user)
    assert latest.search_key == "htx bach dang"
    changes = {(c.field, c.old, c.new) for c in latest.diff_against(first).changes}
    assert ("name", "Hợp tác xã Nông nghiệp Bạch Đằng", "HTX Bạch Đằng") in changes
    page = admin_client.get(f"{PRODUCERS}{producer.pk}/history/")
    assert page.status_code == 200 and "HTX Bạch Đằng" in page.content.decode()


def test_a_producer_does_not_leave_its_products_in_another_province(
    admin_client, product, other_commune
):
    url = f"{PRODUCERS}{product.producer_id}/change/"
    data = _producer_form(admin_client, product.producer) | {"commune": other_commune.pk}
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert list(response.context["adminform"].form.errors) == ["commune"]
    assert (
        "Bưởi da xanh (Tỉnh Bình Dương)" in response.context["adminform"].form.errors["commune"][0]
    )
    product.producer.refresh_from_db()
    assert product.producer.commune.province.code == "74"


def test_a_revocation_in_admin_names_who_revoked_in_the_history(admin_client, admin_user, product):
    evaluation = evaluate(product, datetime.date(2023, 5, 1))
    url = f"{EVALUATIONS}{evaluation.pk}/change/"
    data = {"revoked_date": "2024-02-01", "revoked_reason": "vi phạm", "revoked_decision": "3/QĐ"}
    assert admin_client.post(url, data).status_code == 302
    revoked = evaluation.history.latest()
    assert (revoked.history_type, revoked.history_user) == ("~", admin_user)
    assert revoked.revoked_date == datetime.date(2024, 2, 1)
    assert revoked.prev_record.revoked_date is None
    history = admin_client.get(f"{EVALUATIONS}{evaluation.pk}/history/")
    assert history.status_code == 200 and admin_user.username in history.content.decode()
    # The history is read, never reverted around the services.
    record = f"{EVALUATIONS}{evaluation.pk}/history/{revoked.prev_record.history_id}/"
    assert admin_client.post(record, {}).status_code == 403
    evaluation.refresh_from_db()
    assert evaluation.revoked_date == datetime.date(2024, 2, 1)


def test_a_product_and_its_evaluation_added_in_admin_name_the_admin(
    admin_client, admin_user, product
):
    url = f"{PRODUCTS}{product.pk}/change/"
    data = _change_form_data(admin_client.get(url)) | {"sub_group": "Trái cây"}
    new = {"score": "60", "level": "province", "decision_number": "1/QĐ"}
    data |= {f"evaluations-2-0-{k}": v for k, v in (new | {"decision_date": "2024-05-01"}).items()}
    assert admin_client.post(url, data).status_code == 302
    changed = product.history.latest()
    assert (changed.history_type, changed.history_user, changed.sub_group) == (
        "~",
        admin_user,
        "Trái cây",
    )
    recorded = product.evaluations.get().history.get()
    assert (recorded.history_type, recorded.history_user, recorded.stars) == ("+", admin_user, 3)
