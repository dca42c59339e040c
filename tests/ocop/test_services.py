"""The OCOP write services: what they compute, what they refuse (writing nothing), whom they
tell, and the database constraints that hold even when the services are bypassed."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from communes.models import Commune
from core.errors import AlreadyExistsError
from criteria import registry
from ocop import services
from ocop.models import Evaluation, Producer, Product
from tests.ocop.builders import evaluate

pytestmark = pytest.mark.django_db

D = Decimal
day = datetime.date


@pytest.fixture
def changes(monkeypatch):
    """What the services tell criteria: [(key, commune ids)]."""
    heard = []
    monkeypatch.setattr(registry, "changed", lambda key, ids: heard.append((key, list(ids))))
    return heard


def _errors(excinfo) -> dict[str, list[str]]:
    return excinfo.value.message_dict


def _codes(excinfo) -> dict[str, list[str]]:
    """Django's own messages are translated (Vietnamese by default): compare their codes."""
    return {f: [e.code for e in errors] for f, errors in excinfo.value.error_dict.items()}


# --- producers -------------------------------------------------------------------------------


def test_producer_is_created_with_a_folded_search_key(bach_dang):
    producer = services.create_producer(
        name="  Công ty TNHH Đặc sản Bạch Đằng ", kind="enterprise", commune=bach_dang
    )
    assert producer.name == "Công ty TNHH Đặc sản Bạch Đằng"
    assert producer.search_key == "cong ty tnhh dac san bach dang"
    assert producer.tax_code == ""


@pytest.mark.parametrize("tax_code", ["3702123456", "3702123456-001", "079123456789"])
def test_producer_accepts_company_branch_and_personal_tax_codes(bach_dang, tax_code):
    producer = services.create_producer(
        name="Hộ kinh doanh Ba Tư", kind="household_business", commune=bach_dang, tax_code=tax_code
    )
    assert producer.tax_code == tax_code


@pytest.mark.parametrize(
    ("fields", "field", "code"),
    [
        ({"tax_code": "37021"}, "tax_code", "invalid"),
        ({"tax_code": "3702123456-1"}, "tax_code", "invalid"),
        ({"tax_code": "３７０２１２３４５６"}, "tax_code", "invalid"),  # full-width digits
        ({"name": "   "}, "name", "blank"),
        ({"kind": "ngo"}, "kind", "invalid_choice"),
        ({"commune": None}, "commune", "null"),
    ],
)
def test_bad_producer_is_refused_and_nothing_written(bach_dang, fields, field, code):
    arguments = {"name": "HTX Bạch Đằng", "kind": "cooperative", "commune": bach_dang} | fields
    with pytest.raises(ValidationError) as excinfo:
        services.create_producer(**arguments)
    assert _codes(excinfo) == {field: [code]}
    assert not Producer.objects.exists()


def test_bad_tax_code_says_what_a_tax_code_looks_like(bach_dang):
    with pytest.raises(ValidationError) as excinfo:
        services.create_producer(name="A", kind="other", commune=bach_dang, tax_code="12")
    assert _errors(excinfo) == {
        "tax_code": ["A tax code has 10 digits, 10 digits then -NNN for a branch, or 12 digits."]
    }


def test_tax_code_already_registered_names_its_holder(producer, bach_dang):
    with pytest.raises(ValidationError) as excinfo:
        services.create_producer(
            name="HTX khác", kind="cooperative", commune=bach_dang, tax_code="3702123456"
        )
    assert _errors(excinfo) == {
        "tax_code": [
            "Tax code 3702123456 is already registered to Hợp tác xã Nông nghiệp Bạch Đằng."
        ]
    }
    assert Producer.objects.count() == 1


# --- products --------------------------------------------------------------------------------


def test_product_counts_for_its_producers_commune_unless_told_otherwise(producer, neighbour):
    here = services.create_product(producer=producer, name="Bưởi da xanh", group="food")
    there = services.create_product(
        producer=producer, name="Chè", group="drinks", commune=neighbour
    )
    assert here.commune == producer.commune
    assert there.commune == neighbour
    assert here.search_key == "buoi da xanh"
    assert here.active


def test_product_name_is_unique_per_producer(product, producer):
    with pytest.raises(ValidationError) as excinfo:
        services.create_product(producer=producer, name="Bưởi da xanh ", group="food")
    assert _errors(excinfo) == {
        "name": ["Hợp tác xã Nông nghiệp Bạch Đằng already has a product named “Bưởi da xanh”."]
    }
    assert Product.objects.count() == 1


def test_unknown_product_group_is_refused(producer):
    with pytest.raises(ValidationError) as excinfo:
        services.create_product(producer=producer, name="Gạo", group="rice")
    assert _codes(excinfo) == {"group": ["invalid_choice"]}
    assert not Product.objects.exists()


def test_moving_a_rated_product_rescores_both_communes(product, neighbour, changes):
    evaluate(product, day(2024, 5, 1))
    changes.clear()
    moved = services.update_product(product=product, commune=neighbour)
    assert moved.commune == neighbour
    assert changes == [("ocop.certified_products", sorted([product.commune_id, neighbour.pk]))]


def test_renaming_a_product_rescores_nothing(product, changes):
    evaluate(product, day(2024, 5, 1))
    changes.clear()
    renamed = services.update_product(product=product, name="Bưởi Bạch Đằng")
    assert renamed.search_key == "buoi bach dang"
    assert changes == []


def test_update_refuses_fields_that_are_not_editable(product):
    with pytest.raises(ValidationError) as excinfo:
        services.update_product(product=product, producer=None)
    assert _errors(excinfo) == {"producer": ["This field cannot be changed."]}


# --- where a product counts: in its producer's province --------------------------------------


def _commune(structure: str, code: str) -> Commune:
    return Commune.objects.get(structure=structure, code=code)


ELSEWHERE = (
    "{} is in {}, but the producer {} is in {}: a product counts in its producer's province."
)


def test_a_product_of_another_province_is_refused_and_nothing_written(producer, other_commune):
    with pytest.raises(ValidationError) as excinfo:
        services.create_product(
            producer=producer, name="Chè", group="drinks", commune=other_commune
        )
    assert _errors(excinfo) == {
        "commune": [
            f"{other_commune.name} is in Tỉnh Lạng Sơn, but the producer Hợp tác xã Nông nghiệp "
            "Bạch Đằng is in Tỉnh Bình Dương: a product counts in its producer's province."
        ]
    }
    assert not Product.objects.exists()


def test_a_product_does_not_move_to_another_province(product, other_commune, changes):
    evaluate(product, day(2024, 5, 1))
    changes.clear()
    with pytest.raises(ValidationError) as excinfo:
        services.update_product(product=product, commune=other_commune)
    assert list(_errors(excinfo)) == ["commune"]
    product.refresh_from_db()
    assert product.commune.code == "25930"
    assert changes == []


@pytest.mark.parametrize(
    ("producer_at", "product_at", "allowed"),
    [
        # Bạch Đằng (Bình Dương) went into Phường Tân Uyên (Hồ Chí Minh City, 79) on 1 July 2025.
        (("2021", "25930"), ("2025", "25888"), True),
        (("2025", "25888"), ("2021", "25930"), True),
        # Any commune of the new city; any commune of old Bình Dương.
        (("2021", "25930"), ("2025", "25747"), True),
        (("2025", "25888"), ("2021", "25780"), True),
        # Old Hồ Chí Minh City and old Bà Rịa - Vũng Tàu (77) went into the new city too.
        (("2025", "25888"), ("2021", "26734"), True),
        (("2025", "25888"), ("2021", "26506"), True),
        # Lạng Sơn (20) did not.
        (("2021", "25930"), ("2025", "06037"), False),
        (("2025", "25888"), ("2021", "06037"), False),
        # On one map, only the same province.
        (("2025", "25888"), ("2025", "06037"), False),
        (("2021", "25930"), ("2021", "26734"), False),
    ],
)
def test_across_the_two_maps_the_provinces_are_compared_through_lineage(
    producer_at, product_at, allowed
):
    home, place = _commune(*producer_at), _commune(*product_at)
    maker = services.create_producer(name="HTX", kind="cooperative", commune=home)
    problem = services.place_problem(maker, place)
    assert (problem == "") == allowed
    if not allowed:
        assert problem == ELSEWHERE.format(
            place.name, place.province.name, maker.name, home.province.name
        )


def test_a_producer_moves_within_its_province_or_with_its_products(
    product, neighbour, other_commune
):
    producer = product.producer
    with pytest.raises(ValidationError) as excinfo:
        services.update_producer(producer=producer, commune=other_commune)
    assert list(_errors(excinfo)) == ["commune"]
    assert "Bưởi da xanh (Tỉnh Bình Dương)" in _errors(excinfo)["commune"][0]
    producer.refresh_from_db()
    assert producer.commune.code == "25930"
    assert services.update_producer(producer=producer, commune=neighbour).commune == neighbour
    # Onto the new map, where Bình Dương is part of Hồ Chí Minh City.
    new_map = _commune("2025", "25888")
    assert services.update_producer(producer=producer, commune=new_map).commune == new_map


def test_a_producer_without_products_moves_anywhere(producer, other_commune):
    moved = services.update_producer(producer=producer, commune=other_commune, name=" HTX Hồi ")
    assert (moved.commune, moved.name, moved.search_key) == (other_commune, "HTX Hồi", "htx hoi")


# --- free text: within its column, descriptions and reasons within 2,000 characters ------------


def test_a_long_description_is_refused_at_its_field(producer, product):
    with pytest.raises(ValidationError) as excinfo:
        services.create_product(producer=producer, name="Mít", group="food", description="x" * 2001)
    assert _errors(excinfo) == {"description": ["Write at most 2000 characters (this has 2001)."]}
    with pytest.raises(ValidationError) as excinfo:
        services.update_product(product=product, description="x" * 2001)
    assert _errors(excinfo) == {"description": ["Write at most 2000 characters (this has 2001)."]}
    kept = services.update_product(product=product, description=" " + "x" * 2000 + " ")
    assert len(kept.description) == 2000


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "x" * 256}, "name", "Write at most 255 characters (this has 256)."),
        ({"sub_group": "x" * 201}, "sub_group", "Write at most 200 characters (this has 201)."),
        ({"name": "Mít\x00"}, "name", "The text contains a null character."),
        (
            {"description": "lỗi \ud800"},
            "description",
            "The text contains an invalid character (a lone surrogate).",
        ),
    ],
)
def test_product_text_that_cannot_be_stored_is_named(producer, fields, field, message):
    with pytest.raises(ValidationError) as excinfo:
        services.create_product(producer=producer, **({"name": "Mít", "group": "food"} | fields))
    assert _errors(excinfo) == {field: [message]}


def test_a_long_producer_name_is_refused_at_its_field(producer, bach_dang):
    with pytest.raises(ValidationError) as excinfo:
        services.create_producer(name="x" * 256, kind="other", commune=bach_dang)
    assert _errors(excinfo) == {"name": ["Write at most 255 characters (this has 256)."]}
    with pytest.raises(ValidationError) as excinfo:
        services.update_producer(producer=producer, name="x" * 256)
    assert _errors(excinfo) == {"name": ["Write at most 255 characters (this has 256)."]}


def test_a_long_revocation_reason_or_decision_is_refused(product):
    evaluation = evaluate(product, day(2023, 5, 1))
    with pytest.raises(ValidationError) as excinfo:
        services.revoke_evaluation(
            evaluation=evaluation,
            revoked_date=day(2024, 1, 1),
            reason="x" * 2001,
            decision="1" * 51,
        )
    assert _errors(excinfo) == {
        "revoked_reason": ["Write at most 2000 characters (this has 2001)."],
        "revoked_decision": ["Write at most 50 characters (this has 51)."],
    }
    evaluation.refresh_from_db()
    assert evaluation.revoked_date is None


# --- history: who, when, old -> new ------------------------------------------------------------


def test_the_services_name_the_user_they_are_given(bach_dang):
    from tests.factories import UserFactory

    officer, approver = UserFactory(username="officer"), UserFactory(username="approver")
    producer = services.create_producer(
        name="HTX Bạch Đằng", kind="cooperative", commune=bach_dang, user=officer
    )
    product = services.create_product(producer=producer, name="Mít", group="food", user=officer)
    services.update_product(product=product, name="Mít tố nữ", user=officer)
    evaluation = services.record_evaluation(
        product=product,
        score="75",
        level="province",
        decision_number="1/QĐ",
        decision_date=day(2023, 5, 1),
        user=officer,
    )
    services.revoke_evaluation(
        evaluation=evaluation,
        revoked_date=day(2024, 1, 1),
        reason="Vi phạm",
        decision="2/QĐ",
        user=approver,
    )
    assert [(h.history_type, h.history_user) for h in producer.history.all()] == [("+", officer)]
    names = product.history.order_by("history_date").values_list("history_type", "name")
    assert list(names) == [("+", "Mít"), ("~", "Mít tố nữ")]
    assert {h.history_user for h in product.history.all()} == {officer}
    revoked, recorded = evaluation.history.order_by("-history_date", "-history_id")
    assert (recorded.history_type, recorded.history_user, recorded.revoked_date) == (
        "+",
        officer,
        None,
    )
    assert (revoked.history_type, revoked.history_user) == ("~", approver)
    changes = {(c.field, c.old, c.new) for c in revoked.diff_against(recorded).changes}
    assert changes == {
        ("revoked_date", None, day(2024, 1, 1)),
        ("revoked_reason", "", "Vi phạm"),
        ("revoked_decision", "", "2/QĐ"),
    }


def test_a_refused_write_leaves_no_history(producer, other_commune):
    with pytest.raises(ValidationError):
        services.create_product(
            producer=producer, name="Chè", group="drinks", commune=other_commune
        )
    assert not Product.history.exists()


# --- recording evaluations -------------------------------------------------------------------


def test_stars_and_validity_are_computed(product, changes):
    evaluation = evaluate(product, day(2023, 3, 15), score="95", level="province")
    evaluation.refresh_from_db()
    assert (evaluation.stars, evaluation.score) == (4, D("95.00"))  # capped at the province
    assert evaluation.valid_until == day(2026, 3, 14)
    assert changes == [("ocop.certified_products", [product.commune_id])]


def test_parts_that_add_up_are_kept(product):
    evaluation = evaluate(
        product,
        day(2024, 1, 10),
        score="91.5",
        level="central",
        part_a="38.5",
        part_b=20,
        part_c="33",
    )
    evaluation.refresh_from_db()
    assert (evaluation.part_a, evaluation.part_b, evaluation.part_c) == (D("38.5"), 20, 33)
    assert evaluation.stars == 5


def test_parts_of_the_old_scheme_are_accepted_for_an_old_decision(product):
    # Under 1048/QĐ-TTg part C was out of 40.
    evaluation = evaluate(product, day(2022, 6, 1), score="78", part_a=20, part_b=20, part_c=38)
    assert evaluation.part_c == 38


def _refused(product, changes, **arguments) -> dict[str, list[str]]:
    before = Evaluation.objects.count()
    fields = {
        "score": D("75"),
        "level": "province",
        "decision_number": "12/QĐ-UBND",
        "decision_date": day(2024, 5, 1),
    }
    with pytest.raises(ValidationError) as excinfo:
        services.record_evaluation(product=product, **(fields | arguments))
    assert Evaluation.objects.count() == before
    assert changes == []
    return _errors(excinfo)


@pytest.mark.parametrize(
    ("score", "message"),
    [
        ("100.01", "The score is between 0 and 100, not 100.01."),
        ("-1", "The score is between 0 and 100, not -1."),
        ("75.125", "Enter a number with at most two decimals."),
        ("bảy mươi", "“bảy mươi” is not a number."),
        (None, "A number is required here."),
        ("NaN", "Enter a number with at most two decimals."),
    ],
)
def test_bad_score_is_refused(product, changes, score, message):
    assert _refused(product, changes, score=score) == {"score": [message]}


def test_parts_that_do_not_add_up_are_refused(product, changes):
    errors = _refused(product, changes, score="75", part_a=30, part_b=20, part_c=20)
    assert errors == {"score": ["Parts A + B + C add up to 70, not to the score 75."]}


def test_missing_part_is_named(product, changes):
    errors = _refused(product, changes, part_a=30, part_c=25)
    assert errors == {"part_b": ["Give all three parts (A, B, C) or none; this one is missing."]}


def test_part_above_its_maximum_under_148_is_refused(product, changes):
    errors = _refused(product, changes, score="75", part_a=20, part_b=17, part_c=38)
    assert errors == {
        "part_c": ["This part is between 0 and 35 under 148/QĐ-TTg of 24/02/2023, not 38."]
    }


def test_district_evaluation_after_1489_is_refused(product, changes):
    errors = _refused(product, changes, level="district", decision_date=day(2025, 7, 6))
    assert list(errors) == ["level"]
    assert errors["level"][0].startswith(
        "Since 06/07/2025 the District level no longer evaluates OCOP products (1489/QĐ-TTg"
    )
    assert "1489/QĐ-TTg" in errors["level"][0]
    assert (
        "a decision of 06/07/2025 comes from the province or the central level"
        in (errors["level"][0])
    )


def test_district_evaluation_on_5_july_2025_is_recorded(product):
    evaluation = evaluate(product, day(2025, 7, 5), score="95", level="district")
    assert evaluation.stars == 3


def test_unknown_level_is_refused(product, changes):
    errors = _refused(product, changes, level="commune")
    assert errors == {"level": ["Unknown level “commune”: use district, province, central."]}


def test_decision_in_the_future_is_refused(product, changes):
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = _refused(product, changes, decision_date=tomorrow)
    assert errors == {"decision_date": [f"{tomorrow:%d/%m/%Y} is in the future."]}


def test_decision_today_is_recorded(product):
    assert evaluate(product, timezone.localdate()).stars == 4


def test_decision_date_and_time_is_refused(product, changes):
    errors = _refused(product, changes, decision_date=datetime.datetime(2024, 5, 1, 8, 0))
    assert errors == {"decision_date": ["Give the date of the decision."]}


def test_missing_decision_number_and_date_are_both_reported(product, changes):
    errors = _refused(product, changes, decision_number="  ", decision_date=None)
    assert errors == {
        "decision_number": ["Give the number of the decision."],
        "decision_date": ["Give the date of the decision."],
    }


def test_same_decision_twice_is_refused(product, changes):
    evaluate(product, day(2024, 5, 1), decision_number="12/QĐ-UBND")
    changes.clear()
    errors = _refused(product, changes, decision_number="12/QĐ-UBND")
    assert errors == {"decision_number": ["This decision is already recorded for this product."]}


def test_uncertified_first_evaluation_rescores_nothing(product, changes):
    assert evaluate(product, day(2024, 5, 1), score="45").stars == 2
    assert changes == []


def test_uncertified_reevaluation_rescores_the_commune(product, changes):
    # It supersedes the certified rating (see ocop/rating.py).
    evaluate(product, day(2023, 5, 1), score="60")
    changes.clear()
    evaluate(product, day(2024, 5, 1), score="45")
    assert changes == [("ocop.certified_products", [product.commune_id])]


# --- revocation ------------------------------------------------------------------------------


def test_revocation_is_recorded_and_rescores(product, changes):
    evaluation = evaluate(product, day(2023, 5, 1))
    changes.clear()
    revoked = services.revoke_evaluation(
        evaluation=evaluation,
        revoked_date=day(2024, 2, 1),
        reason=" Vi phạm an toàn thực phẩm ",
        decision="3763/QĐ-UBND",
    )
    revoked.refresh_from_db()
    assert (revoked.revoked_date, revoked.revoked_reason) == (
        day(2024, 2, 1),
        "Vi phạm an toàn thực phẩm",
    )
    assert revoked.revoked_decision == "3763/QĐ-UBND"
    assert changes == [("ocop.certified_products", [product.commune_id])]


def _revoke_refused(evaluation, **arguments) -> dict[str, list[str]]:
    fields = {"revoked_date": day(2024, 2, 1), "reason": "vi phạm", "decision": "1/QĐ-UBND"}
    before = Evaluation.objects.filter(pk=evaluation.pk).values().get()
    with pytest.raises(ValidationError) as excinfo:
        services.revoke_evaluation(evaluation=evaluation, **(fields | arguments))
    assert Evaluation.objects.filter(pk=evaluation.pk).values().get() == before
    return _errors(excinfo)


def test_revocation_before_the_decision_is_refused(product):
    evaluation = evaluate(product, day(2023, 5, 1))
    errors = _revoke_refused(evaluation, revoked_date=day(2023, 4, 30))
    assert errors == {
        "revoked_date": [
            "The revocation (30/04/2023) cannot be before the decision it revokes (01/05/2023)."
        ]
    }


def test_revocation_on_the_decision_day_is_accepted(product):
    evaluation = evaluate(product, day(2023, 5, 1))
    services.revoke_evaluation(
        evaluation=evaluation, revoked_date=day(2023, 5, 1), reason="nhầm", decision="2/QĐ"
    )
    evaluation.refresh_from_db()
    assert evaluation.revoked_date == day(2023, 5, 1)


def test_revocation_in_the_future_reason_and_decision_missing(product):
    evaluation = evaluate(product, day(2023, 5, 1))
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    errors = _revoke_refused(evaluation, revoked_date=tomorrow, reason=" ", decision="")
    assert errors == {
        "revoked_date": [f"{tomorrow:%d/%m/%Y} is in the future."],
        "revoked_reason": ["Say why the rating is revoked."],
        "revoked_decision": ["Give the number of the revoking decision."],
    }


def test_second_revocation_is_refused(product):
    evaluation = evaluate(product, day(2023, 5, 1))
    services.revoke_evaluation(
        evaluation=evaluation, revoked_date=day(2023, 12, 1), reason="a", decision="5/QĐ-UBND"
    )
    errors = _revoke_refused(evaluation)
    assert errors == {
        "revoked_date": ["This rating was already revoked on 01/12/2023 by 5/QĐ-UBND."]
    }


# --- constraints in the database -------------------------------------------------------------


def _row(product, **fields) -> dict:
    return {
        "product": product,
        "score": D("75"),
        "level": "province",
        "stars": 4,
        "decision_number": "1/QĐ-UBND",
        "decision_date": day(2024, 5, 1),
        "valid_until": day(2027, 4, 30),
    } | fields


def test_a_valid_row_saves_without_the_service(product):
    Evaluation.objects.create(**_row(product, part_a=30, part_b=20, part_c=25))
    Evaluation.objects.create(
        **_row(product, decision_number="2", score=D("100"), part_a=40, part_b=25, part_c=35)
    )
    Evaluation.objects.create(
        **_row(
            product,
            decision_number="3",
            score=D("89.99"),
            part_a=D("33.33"),
            part_b=D("23.33"),
            part_c=D("33.33"),
            level="central",
            stars=5,
        )
    )


@pytest.mark.parametrize(
    "fields",
    [
        {"score": D("100.01")},
        {"score": D("-0.01")},
        {"stars": 0},
        {"stars": 6},
        {"level": "district", "stars": 4},  # above the district's cap
        {"level": "province", "stars": 5, "score": D("95")},
        {"part_a": 30, "part_b": 20},  # part C missing
        {"part_a": 30, "part_b": 20, "part_c": 20},  # 70, not 75
        {"part_a": 20, "part_b": 17, "part_c": 38},  # C above 35 under 148
        {"part_a": 36, "part_b": 19, "part_c": 20, "decision_date": day(2022, 5, 1)},  # A > 35
        {"part_a": -5, "part_b": 25, "part_c": 35, "score": D("55")},
        {"valid_until": day(2024, 5, 1)},  # not after the decision
        {"revoked_date": day(2024, 4, 30), "revoked_reason": "x", "revoked_decision": "y"},
        {"revoked_date": day(2024, 6, 1)},  # revocation without reason and decision
        {"revoked_reason": "x"},  # a reason without a revocation
    ],
)
def test_database_refuses_inconsistent_rows(product, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(**_row(product, **fields))


def test_database_refuses_a_second_row_for_the_same_decision(product):
    Evaluation.objects.create(**_row(product))
    with pytest.raises(IntegrityError), transaction.atomic():
        Evaluation.objects.create(**_row(product))


def test_database_refuses_a_shared_tax_code_but_not_shared_blanks(producer, bach_dang):
    Producer.objects.create(name="A", kind="other", commune=bach_dang)
    Producer.objects.create(name="B", kind="other", commune=bach_dang)
    with pytest.raises(IntegrityError), transaction.atomic():
        Producer.objects.create(name="C", kind="other", commune=bach_dang, tax_code="3702123456")


def test_database_refuses_a_duplicate_product_name(product, producer):
    with pytest.raises(IntegrityError), transaction.atomic():
        Product.objects.create(
            producer=producer, commune=producer.commune, name="Bưởi da xanh", group="food"
        )


# --- one tax code, two creations ---------------------------------------------------------------


def _create(commune, name="HTX Tân Uyên"):
    return services.create_producer(
        name=name, kind="cooperative", commune=commune, tax_code="3702999999"
    )


def test_a_registered_tax_code_is_an_existing_producer_with_its_id(bach_dang):
    holder = _create(bach_dang, "HTX Bạch Đằng")
    with pytest.raises(AlreadyExistsError) as refused:
        _create(bach_dang)
    assert refused.value.existing_id == holder.pk
    assert refused.value.message_dict == {
        "tax_code": ["Tax code 3702999999 is already registered to HTX Bạch Đằng."]
    }


def test_a_creation_that_loses_the_race_after_its_check_is_told_the_winners_id(
    bach_dang, monkeypatch
):
    """The other request's producer is stored between this one's check and its insert: the
    database's constraint refuses the insert, and the refusal names the one stored."""
    check = services.check_producer
    winner = []

    def checked_then_overtaken(**changes):
        producer = check(**changes)
        winner.append(
            Producer.objects.create(
                name="HTX Bạch Đằng", kind="cooperative", commune=bach_dang, tax_code="3702999999"
            )
        )
        return producer

    monkeypatch.setattr(services, "check_producer", checked_then_overtaken)
    with pytest.raises(AlreadyExistsError) as refused:
        _create(bach_dang)
    assert refused.value.existing_id == winner[0].pk
