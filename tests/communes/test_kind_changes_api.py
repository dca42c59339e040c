"""Kind changes in the API and in admin: everyone reads them; only the national office records
them, one as JSON or many from a file; a refusal is a 400 naming the field or the row."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from communes.models import Commune, KindChange
from communes.services.kind_changes import record_kind_change

pytestmark = pytest.mark.django_db

URL = "/api/v1/kind-changes/"
SOURCE = "Nghị quyết thử (test)"


def xa(index: int = 0, province: str = "75") -> Commune:
    units = Commune.objects.filter(structure="2025", province__code=province, kind="xa")
    return units.order_by("code")[index]


def payload(commune: Commune, **changes) -> dict:
    return {
        "structure": commune.structure,
        "code": commune.code,
        "date": "2026-04-30",
        "new_kind": "phuong",
        "legal_source": SOURCE,
    } | changes


@pytest.fixture
def recorded():
    """Three changes: two in Đồng Nai (75), one in Hồ Chí Minh City (79)."""
    for index, province in [(0, "75"), (1, "75"), (0, "79")]:
        record_kind_change(
            commune=xa(index, province),
            date=datetime.date(2026, 4, 30),
            new_kind="phuong",
            legal_source=SOURCE,
        )


def test_everyone_reads_the_changes_filtered(client, recorded):
    body = client.get(URL).json()
    assert body["count"] == 3
    first = body["results"][0]
    assert set(first) == {
        "id",
        "commune",
        "structure",
        "province",
        "date",
        "old_kind",
        "new_kind",
        "legal_source",
        "note",
    }
    assert (first["date"], first["old_kind"], first["new_kind"]) == ("2026-04-30", "xa", "phuong")
    dong_nai = client.get(URL, {"province": "75", "structure": "2025"}).json()
    assert {item["province"]["code"] for item in dong_nai["results"]} == {"75"}
    assert dong_nai["count"] == 2
    one = client.get(URL, {"commune": xa(0, "79").code}).json()
    assert [item["commune"]["code"] for item in one["results"]] == [xa(0, "79").code]
    assert client.get(URL, {"province": "7"}).status_code == 400


def test_the_commune_shows_whether_it_is_rural_today(client, recorded):
    # The change is dated 30 April 2026: the test's today may be before or after it.
    commune = xa(0, "75")
    body = client.get(f"/api/v1/communes/{commune.code}/", {"structure": "2025"}).json()
    assert body["kind"] == "xa"  # as listed
    assert body["is_rural"] == Commune.objects.get(pk=commune.pk).is_rural


def test_the_list_costs_one_query(client, recorded, django_assert_num_queries):
    # The page with each change's commune and province joined; not full, it is not counted.
    with django_assert_num_queries(1):
        body = client.get(URL).json()
    assert len(body["results"]) == body["count"] == 3


@pytest.mark.parametrize(
    ("who", "status"),
    [(None, 401), ("no_role", 403), ("officer_74", 403), ("approver_74", 403), ("national", 201)],
)
def test_only_the_national_office_records(api, cast, who, status):
    client = api(getattr(cast, who) if who else None)
    response = client.post(URL, payload(xa()), format="json")
    assert response.status_code == status
    assert KindChange.objects.exists() == (status == 201)
    upload = SimpleUploadedFile("c.csv", b"structure,code,date,new_kind,legal_source\n")
    imported = client.post(f"{URL}import/", {"file": upload}, format="multipart")
    assert imported.status_code == (400 if status == 201 else status)


def test_a_recorded_change_is_returned(api, cast):
    commune = xa()
    response = api(cast.national).post(URL, payload(commune, note="thử"), format="json")
    body = response.json()
    assert body["commune"] == {"code": commune.code, "name": commune.name}
    assert (body["old_kind"], body["new_kind"], body["note"]) == ("xa", "phuong", "thử")
    change = KindChange.objects.get()
    assert change.history.get().history_user == cast.national


@pytest.mark.parametrize(
    ("changes", "errors"),
    [
        (
            {"code": "99999"},
            {"code": ["No commune-level unit has the code 99999 in structure 2025."]},
        ),
        ({"date": "30/04/2026"}, "date"),
        ({"new_kind": "village"}, {"new_kind": ['"village" is not a valid choice.']}),
        (
            {"new_kind": "xa"},
            {"new_kind": ["The new kind is the kind it already had: Rural commune (xã)."]},
        ),
        ({"date": "2025-06-30"}, "date"),
        ({"legal_source": ""}, {"legal_source": ["This field may not be blank."]}),
        (
            {"note": "x" * 2001},
            {"note": ["Write at most 2000 characters (this has 2001)."]},
        ),
    ],
)
def test_a_bad_change_is_a_400_naming_its_field(api, cast, changes, errors):
    response = api(cast.national).post(URL, payload(xa(), **changes), format="json")
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "invalid")
    if isinstance(errors, str):
        assert list(body["errors"]) == [errors]
    else:
        assert body["errors"] == errors
    assert not KindChange.objects.exists()


def test_a_file_is_imported_or_refused_at_its_rows(api, cast):
    client = api(cast.national)
    good, bad = xa(0), xa(1)
    text = (
        "structure,code,date,new_kind,legal_source\n"
        f"2025,{good.code},2026-04-30,phuong,{SOURCE}\n"
        f"2025,{bad.code},2026-04-30,xa,{SOURCE}\n"
    )
    upload = SimpleUploadedFile("changes.csv", text.encode(), "text/csv")
    response = client.post(f"{URL}import/", {"file": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "row 3": ["The new kind is the kind it already had: Rural commune (xã)."]
    }
    assert not KindChange.objects.exists()
    fixed = SimpleUploadedFile("changes.csv", text.replace(",xa,", ",phuong,").encode())
    response = client.post(f"{URL}import/", {"file": fixed}, format="multipart")
    assert (response.status_code, response.json()) == (201, {"created": 2})


def test_admin_lists_and_searches_but_changes_nothing(admin_client, recorded):
    commune = xa(0, "79")
    response = admin_client.get("/admin/communes/kindchange/", {"q": commune.search_key})
    assert response.status_code == 200
    assert [c.commune_id for c in response.context["cl"].result_list] == [commune.pk]
    assert admin_client.get("/admin/communes/kindchange/add/").status_code == 403
    change = KindChange.objects.get(commune=commune)
    page = admin_client.get(f"/admin/communes/kindchange/{change.pk}/change/")
    assert page.status_code == 200 and b'name="_save"' not in page.content
    history = admin_client.get(f"/admin/communes/kindchange/{change.pk}/history/")
    assert history.status_code == 200


def test_a_refusal_reads_in_vietnamese(api, cast):
    client = api(cast.national)
    client.credentials(HTTP_ACCEPT_LANGUAGE="vi")
    commune = xa()
    response = client.post(URL, payload(commune, new_kind="xa"), format="json")
    assert response.json()["errors"] == {
        "new_kind": ["Loại hình mới trùng với loại hình hiện có: Xã."]
    }
