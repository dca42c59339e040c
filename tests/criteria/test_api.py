"""The criteria API as a dashboard and an officer's client meet it: assessments with their
workflow and permissions, criteria sets, recognitions and targets."""

import pytest

from communes.models import Commune
from criteria.models import Assessment, AssessmentValue, Recognition, Target, WorkflowStep
from criteria.services import create_assessment, move, save_values

pytestmark = pytest.mark.django_db

URL = "/api/v1/assessments/"


@pytest.fixture
def binh_duong(small_set, bach_dang):
    """In Bình Dương (74): a draft (Bạch Đằng) and an approved assessment of another commune."""
    other = Commune.objects.rural().filter(province__code="74").exclude(pk=bach_dang.pk).first()
    draft = create_assessment(commune=bach_dang, year=2023)
    approved = create_assessment(commune=other, year=2023)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    return draft, Assessment.objects.get(pk=approved.pk)


def _submitted(assessment):
    return move(assessment=assessment, version=assessment.version, action="submit")


# --- the permission matrix --------------------------------------------------------------------

# role: (read draft, read approved, save values in a draft, approve a submitted one), province 74
MATRIX = {
    None: (404, 200, 401, 401),
    "no_role": (404, 200, 404, 404),
    "viewer_74": (200, 200, 403, 403),
    "officer_74": (200, 200, 200, 403),
    "approver_74": (200, 200, 200, 200),
    "officer_20": (404, 200, 404, 404),
    "approver_20": (404, 200, 404, 404),
    "national": (200, 200, 200, 200),
}


@pytest.mark.parametrize("who", MATRIX)
def test_permission_matrix(who, cast, api, binh_duong):
    draft, approved = binh_duong
    client = api(getattr(cast, who) if who else None)
    expected = MATRIX[who]

    read_draft = client.get(f"{URL}{draft.pk}/").status_code
    read_approved = client.get(f"{URL}{approved.pk}/").status_code
    write = client.patch(
        f"{URL}{draft.pk}/", {"version": draft.version, "values": {"income": 45}}, format="json"
    )
    other = create_assessment(commune=draft.commune.province.communes.rural()[5], year=2023)
    submitted = _submitted(other)
    approve = client.post(
        f"{URL}{other.pk}/approve/", {"version": submitted.version}, format="json"
    )

    assert (read_draft, read_approved, write.status_code, approve.status_code) == expected
    saved = AssessmentValue.objects.filter(assessment=draft, measure__code="income").exists()
    assert saved == (expected[2] == 200)
    other.refresh_from_db()
    assert other.status == ("approved" if expected[3] == 200 else "submitted")
    assert other.version == submitted.version + (1 if expected[3] == 200 else 0)


def test_an_officer_of_another_province_cannot_change_even_what_it_can_read(cast, api, binh_duong):
    _, approved = binh_duong
    response = api(cast.officer_20).post(
        f"{URL}{approved.pk}/reopen/", {"version": approved.version, "comment": "x"}
    )
    assert response.status_code == 403
    assert response.json()["message"] == "Only approvers of this province can take this step."
    approved.refresh_from_db()
    assert approved.status == "approved"


def test_the_list_shows_other_provinces_approved_work_only(cast, api, binh_duong):
    draft, approved = binh_duong
    ids = lambda user: {a["id"] for a in api(user).get(URL).json()["results"]}  # noqa: E731
    assert ids(None) == {approved.pk}
    assert ids(cast.officer_20) == {approved.pk}
    assert ids(cast.viewer_74) == {draft.pk, approved.pk}
    assert ids(cast.national) == {draft.pk, approved.pk}


def test_an_anonymous_write_is_told_to_authenticate(api, binh_duong):
    draft, _ = binh_duong
    response = api().post(URL, {"commune": "25930", "year": 2024}, format="json")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert response.headers["WWW-Authenticate"] == "Token"


# --- creating and saving ----------------------------------------------------------------------


def test_an_officer_creates_an_assessment_and_saves_values(cast, api, small_set, bach_dang):
    client = api(cast.officer_74)
    created = client.post(URL, {"commune": "25930", "year": 2024}, format="json")
    assert created.status_code == 201
    body = created.json()
    assert (body["commune"]["code"], body["year"], body["status"], body["version"]) == (
        "25930",
        2024,
        "draft",
        1,
    )
    values = {"income": 55, "irrigation": "80", "plan": True}
    saved = client.patch(f"{URL}{body['id']}/", {"version": 1, "values": values}, format="json")
    result = saved.json()
    assert saved.status_code == 200
    assert (result["level"], result["version"], result["criteria_met"]) == ("standard", 2, 3)
    assert result["criteria_met_by_level"] == {"standard": [3, 3], "advanced": [0, 2]}
    assert result["values"]["income"]["value"] == 55
    assert result["values"]["plan"]["value"] is True
    assert result["result"]["next_level"] == "advanced"
    gap = [(i["code"], i["outcome"], i["value"]) for i in result["result"]["gap"]]
    assert gap == [("1.1", "fail", 55), ("2.1", "missing", None)]
    assert result["result"]["gap"][0]["threshold"]["value"] == 60
    income = result["result"]["levels"][0]["criteria"][0]["indicators"][0]
    assert income["threshold"] == {
        "value": 50.0,
        "scope": "class",
        "scope_value": "dnb",
        "verified": True,
        "source": "test",
        "relative_to": None,
        "factor": None,
    }
    assert [step["action"] for step in result["steps"]] == ["create"]


def test_saving_through_the_api_scores_once(cast, api, binh_duong, monkeypatch):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from criteria import scoring

    draft, _ = binh_duong
    scorings = []
    score = scoring.Scorer.score
    monkeypatch.setattr(scoring.Scorer, "score", lambda *a: scorings.append(a) or score(*a))
    with CaptureQueriesContext(connection) as queries:
        response = api(cast.officer_74).patch(
            f"{URL}{draft.pk}/", {"version": 1, "values": {"income": 55}}, "json"
        )
    assert response.json()["result"]["levels"][0]["criteria_met"] == 1
    # One scoring; the response shows that same result.
    assert len(scorings) == 1
    # The rules' version is read by the scoring, and by the detail for the editions in force
    # (kept with the rules): the rules compiled before are kept, never read again.
    assert sum("criteria_rulesversion" in q["sql"] for q in queries) == 2
    assert not [q for q in queries if 'FROM "criteria_threshold"' in q["sql"]]


def test_a_stale_version_gets_409_and_changes_nothing(cast, api, binh_duong):
    draft, _ = binh_duong
    client = api(cast.officer_74)
    first = client.patch(f"{URL}{draft.pk}/", {"version": 1, "values": {"income": 45}}, "json")
    assert first.status_code == 200
    second = client.patch(f"{URL}{draft.pk}/", {"version": 1, "values": {"income": 70}}, "json")
    assert second.status_code == 409
    assert second.json()["code"] == "stale_version"
    assert second.json()["current_version"] == 2
    assert AssessmentValue.objects.get(assessment=draft, measure__code="income").number == 45


def test_an_approved_assessment_is_locked(cast, api, binh_duong):
    _, approved = binh_duong
    response = api(cast.approver_74).patch(
        f"{URL}{approved.pk}/", {"version": approved.version, "values": {"income": 1}}, "json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "locked"
    assert "approved and locked" in response.json()["message"]
    assert not approved.values.exists()


def test_bad_values_are_refused_measure_by_measure_and_nothing_is_saved(cast, api, binh_duong):
    draft, _ = binh_duong
    values = {"income": -1, "irrigation": 101, "plan": "yes", "nope": 1, "crafts": None}
    response = api(cast.officer_74).patch(
        f"{URL}{draft.pk}/", {"version": 1, "values": values}, "json"
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert errors == {
        "income": ["The value cannot be negative."],
        "irrigation": ["A percentage is between 0 and 100."],
        "plan": ["Answer yes (true) or no (false)."],
        "nope": ["Unknown measure “nope” in TEST-2021-2025."],
    }
    draft.refresh_from_db()
    assert (draft.version, draft.values.count()) == (1, 0)


@pytest.mark.parametrize(
    ("payload", "status", "field"),
    [
        ({"commune": "99999", "year": 2023}, 404, None),
        ({"commune": "25930", "year": 2023}, 409, None),  # exists already: 409 with its id
        ({"commune": "25930", "year": 2019}, 400, "year"),  # no set in force
        ({"commune": "2593", "year": 2023}, 400, "commune"),
        ({"commune": "25930", "year": "x"}, 400, "year"),
        ({"year": 2023}, 400, "commune"),
    ],
)
def test_creating_with_bad_input_is_refused(cast, api, binh_duong, payload, status, field):
    before = Assessment.objects.count()
    response = api(cast.officer_74).post(URL, payload, format="json")
    assert response.status_code == status
    if field:
        assert field in response.json()["errors"]
    assert Assessment.objects.count() == before


def test_an_urban_ward_is_not_assessed(cast, api, small_set):
    ward = Commune.objects.filter(province__code="74", kind="phuong").first()
    response = api(cast.officer_74).post(URL, {"commune": ward.code, "year": 2023}, "json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"commune": ["Only rural communes (xã) are assessed."]}


def test_an_officer_cannot_create_in_another_province(cast, api, small_set, bach_dang):
    response = api(cast.officer_20).post(URL, {"commune": "25930", "year": 2023}, "json")
    assert response.status_code == 403
    assert not Assessment.objects.exists()


# --- workflow ---------------------------------------------------------------------------------


def test_submit_return_submit_approve_through_the_api(cast, api, binh_duong):
    draft, _ = binh_duong
    officer, approver = api(cast.officer_74), api(cast.approver_74)
    submitted = officer.post(f"{URL}{draft.pk}/submit/", {"version": 1}, "json").json()
    assert (submitted["status"], submitted["version"]) == ("submitted", 2)
    no_comment = approver.post(f"{URL}{draft.pk}/return/", {"version": 2, "comment": ""}, "json")
    assert no_comment.status_code == 400
    assert "comment" in no_comment.json()["errors"]
    returned = approver.post(
        f"{URL}{draft.pk}/return/", {"version": 2, "comment": "Bổ sung"}, "json"
    )
    assert returned.json()["status"] == "returned"
    officer.post(f"{URL}{draft.pk}/submit/", {"version": 3}, "json")
    approved = approver.post(f"{URL}{draft.pk}/approve/", {"version": 4}, "json").json()
    assert (approved["status"], approved["version"]) == ("approved", 5)
    steps = [(s["action"], s["user"], s["comment"]) for s in approved["steps"]]
    assert steps == [
        ("create", None, ""),
        ("submit", "officer_74", ""),
        ("return", "approver_74", "Bổ sung"),
        ("submit", "officer_74", ""),
        ("approve", "approver_74", ""),
    ]


def test_a_step_out_of_order_is_a_conflict(cast, api, binh_duong):
    draft, _ = binh_duong
    response = api(cast.approver_74).post(f"{URL}{draft.pk}/approve/", {"version": 1}, "json")
    assert response.status_code == 409
    assert response.json()["code"] == "invalid_step"
    assert WorkflowStep.objects.filter(assessment=draft).count() == 1


def test_a_stale_step_is_a_conflict(cast, api, binh_duong):
    draft, _ = binh_duong
    response = api(cast.officer_74).post(f"{URL}{draft.pk}/submit/", {"version": 9}, "json")
    assert (response.status_code, response.json()["current_version"]) == (409, 1)
    draft.refresh_from_db()
    assert draft.status == "draft"


def _at(assessment, path: list[str]):
    """The assessment with a value saved, then taken through these steps (on the versions
    read), as the API's step endpoints find it next."""
    save_values(assessment=assessment, values={"income": 45}, version=assessment.version)
    for step in path:
        move(assessment=assessment, action=step, version=assessment.version, comment="Sai số")
    return assessment


# Each step from the status it starts from: (the steps before it, who takes it, its body).
STEPS = {
    "submit": ([], "officer_74", {}),
    "approve": (["submit"], "approver_74", {}),
    "return": (["submit"], "approver_74", {"comment": "Thiếu minh chứng"}),
    "reopen": (["submit", "approve"], "approver_74", {"comment": "Sai số liệu thu nhập"}),
}


@pytest.mark.parametrize("step", STEPS)
def test_a_step_needs_the_version_read(step, cast, api, binh_duong):
    before, who, body = STEPS[step]
    draft = _at(binh_duong[0], before)
    client = api(getattr(cast, who))
    url = f"{URL}{draft.pk}/{step}/"
    steps = WorkflowStep.objects.filter(assessment=draft)
    taken = steps.count()

    missing = client.post(url, body, "json")
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["version"]

    # Someone saved (or stepped) after this person read the assessment: a version behind.
    stale = client.post(url, {**body, "version": draft.version - 1}, "json")
    assert stale.status_code == 409
    assert (stale.json()["code"], stale.json()["current_version"]) == (
        "stale_version",
        draft.version,
    )
    assert steps.count() == taken
    fresh = Assessment.objects.get(pk=draft.pk)
    assert (fresh.status, fresh.version) == (draft.status, draft.version)

    done = client.post(url, {**body, "version": draft.version}, "json")
    assert done.status_code == 200
    assert done.json()["version"] == draft.version + 1
    assert steps.count() == taken + 1
    assert steps.order_by("-pk").first().action == step


# --- lists, filters and their cost ------------------------------------------------------------


def test_filters(cast, api, binh_duong, lang_son_commune):
    draft, approved = binh_duong
    lang_son = create_assessment(commune=lang_son_commune, year=2024)
    client = api(cast.national)
    ids = lambda query: {a["id"] for a in client.get(URL + query).json()["results"]}  # noqa: E731
    assert ids("?province=74") == {draft.pk, approved.pk}
    assert ids("?year=2024") == {lang_son.pk}
    assert ids("?status=approved") == {approved.pk}
    assert ids("?status=draft&status=approved&province=74") == {draft.pk, approved.pk}
    assert ids("?commune=25930") == {draft.pk}
    assert ids(f"?district={draft.commune.district.code}") >= {draft.pk}
    assert ids("?level=none&province=20") == {lang_son.pk}
    bad = client.get(URL + "?province=7")
    assert bad.status_code == 400
    assert bad.json()["errors"] == {"province": ["Enter a code of 2 digits."]}


def test_the_list_costs_a_fixed_number_of_queries(
    cast, api, small_set, django_assert_max_num_queries
):
    for commune in Commune.objects.rural().filter(province__code="74")[:30]:
        create_assessment(commune=commune, year=2023)
    client = api(cast.national)
    # the count of writes (core.answers), portal access, count, page (with commune,
    # province, region, district, set joined)
    with django_assert_max_num_queries(4):
        response = client.get(URL + "?page_size=30")
    assert len(response.json()["results"]) == 30


def test_the_detail_costs_a_fixed_number_of_queries(
    cast, api, binh_duong, django_assert_max_num_queries
):
    draft, _ = binh_duong
    client = api(cast.national)
    client.patch(f"{URL}{draft.pk}/", {"version": 1, "values": {"income": 1, "plan": True}}, "json")
    with django_assert_max_num_queries(14):
        response = client.get(f"{URL}{draft.pk}/")
    assert len(response.json()["values"]) == 2


# --- criteria sets ----------------------------------------------------------------------------


def test_a_criteria_set_in_full(api, small_set, django_assert_max_num_queries):
    # Built: the set and the rules' version; the rules compiled with the editions in force
    # (the version again, the levels with their rules, the measures, the editions); the
    # body's levels with their rules and measures.
    with django_assert_max_num_queries(14):
        body = api().get("/api/v1/criteria-sets/TEST-2021-2025/").json()
    # Kept while the set's row and the rules (editions included) hold: the set and the version.
    with django_assert_max_num_queries(2):
        assert api().get("/api/v1/criteria-sets/TEST-2021-2025/").json() == body
    assert [level["code"] for level in body["levels"]] == ["standard", "advanced"]
    income = body["levels"][0]["criteria"][0]["indicators"][0]
    assert (income["code"], income["measure"], income["comparison"]) == ("1.1", "income", ">=")
    assert [(t["scope"], t["class_value"], t["value"]) for t in income["thresholds"]] == [
        ("class", "dnb", 50),
        ("national", "", 40),
    ]
    measures = {m["code"]: m for m in body["measures"]}
    assert measures["crafts"]["allows_not_applicable"] is True
    assert measures["ocop_products"]["source"] == "derived"
    listed = api().get("/api/v1/criteria-sets/").json()
    assert [(c["code"], len(c["levels"])) for c in listed] == [("TEST-2021-2025", 2)]
    assert api().get("/api/v1/criteria-sets/NOPE/").status_code == 404


# --- recognitions and targets -----------------------------------------------------------------

RECOGNITION = {
    "commune": "25930",
    "level": "standard",
    "title_year": 2023,
    "decision_number": "123/QĐ-UBND",
    "decision_date": "2024-03-01",
    "issuer": "UBND tỉnh Bình Dương",
}


def test_an_approver_records_and_revokes_a_recognition(cast, api, small_set):
    client = api(cast.approver_74)
    created = client.post("/api/v1/recognitions/", RECOGNITION, "json")
    assert created.status_code == 201
    body = created.json()
    assert (body["commune"]["code"], body["level"], body["province"]["code"]) == (
        "25930",
        "standard",
        "74",
    )
    revoke = {"revoked_date": "2025-01-02", "reason": "Không còn đạt tiêu chí 17"}
    revoked = client.post(f"/api/v1/recognitions/{body['id']}/revoke/", revoke, "json")
    assert revoked.json()["revoked_date"] == "2025-01-02"
    again = client.post(f"/api/v1/recognitions/{body['id']}/revoke/", revoke, "json")
    assert again.status_code == 409
    public = api().get("/api/v1/recognitions/?province=74&revoked=true").json()
    assert [r["decision_number"] for r in public["results"]] == ["123/QĐ-UBND"]


@pytest.mark.parametrize(
    ("who", "change", "status", "field"),
    [
        ("officer_74", {}, 403, None),
        ("approver_20", {}, 403, None),
        ("approver_74", {"level": "model"}, 400, "level"),
        ("approver_74", {"decision_date": "2999-01-01"}, 400, "decision_date"),
        ("approver_74", {"title_year": 2025}, 400, "title_year"),
        ("approver_74", {"district": "723"}, 400, "commune"),
        ("approver_74", {"commune": "00000"}, 404, None),
    ],
)
def test_a_bad_recognition_is_refused(cast, api, small_set, who, change, status, field):
    response = api(getattr(cast, who)).post("/api/v1/recognitions/", RECOGNITION | change, "json")
    assert response.status_code == status
    if field:
        assert field in response.json()["errors"]
    assert not Recognition.objects.exists()


def test_targets_are_set_by_approvers_and_national_users(cast, api, small_set):
    target = {"province": "74", "year": 2025, "level": "advanced", "percent": "40"}
    assert api(cast.officer_74).post("/api/v1/targets/", target, "json").status_code == 403
    created = api(cast.approver_74).post("/api/v1/targets/", target, "json")
    assert created.status_code == 201
    pk = created.json()["id"]
    changed = api(cast.national).patch(f"/api/v1/targets/{pk}/", {"count": 30}, "json")
    assert (changed.json()["count"], changed.json()["percent"]) == (30, None)
    both = api(cast.national).patch(f"/api/v1/targets/{pk}/", {"percent": "5", "count": 3}, "json")
    assert both.status_code == 400
    assert api(cast.approver_20).delete(f"/api/v1/targets/{pk}/").status_code == 403
    listed = api().get("/api/v1/targets/?province=74").json()["results"]
    assert [(t["level"], t["count"]) for t in listed] == [("advanced", 30)]
    assert api(cast.approver_74).delete(f"/api/v1/targets/{pk}/").status_code == 204
    assert not Target.objects.exists()


def test_a_target_percent_must_be_a_share(cast, api, small_set):
    target = {"province": "74", "year": 2025, "level": "advanced", "percent": "140"}
    response = api(cast.national).post("/api/v1/targets/", target, "json")
    assert response.status_code == 400
    assert "percent" in response.json()["errors"]


def test_a_token_for_username_and_password(client, cast):
    cast.officer_74.set_password("s3cret-pass")
    cast.officer_74.save()
    response = client.post("/api/v1/auth/token/", {"username": "officer_74", "password": "nope"})
    assert response.status_code == 400
    token = client.post(
        "/api/v1/auth/token/", {"username": "officer_74", "password": "s3cret-pass"}
    ).json()["token"]
    listed = client.get(URL, HTTP_AUTHORIZATION=f"Token {token}")
    assert listed.status_code == 200
    bad = client.get(URL, HTTP_AUTHORIZATION="Token nope")
    assert (bad.status_code, bad.json()["code"]) == (401, "authentication_failed")


def test_creating_an_existing_year_again_is_a_409_with_its_id(client, cast, small_set, bach_dang):
    from criteria.services import create_assessment

    existing = create_assessment(commune=bach_dang, year=2023)
    client.force_login(cast.officer_74)
    response = client.post(
        "/api/v1/assessments/",
        {"commune": bach_dang.code, "structure": "2021", "year": 2023},
        content_type="application/json",
    )
    assert response.status_code == 409
    body = response.json()
    assert (body["code"], body["existing_id"]) == ("exists", existing.pk)
    assert "already has an assessment for 2023" in body["message"]
