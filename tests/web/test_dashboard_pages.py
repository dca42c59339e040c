"""The dashboards' frames as the test client meets them: public, no login; unknown or
malformed codes are a 404 (never a database error); the data entry section only for staff."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_dashboards_are_public_frames(client):
    national = client.get("/dashboard/")
    assert national.status_code == 200
    page = national.content.decode()
    assert 'data-scope="national"' in page and 'id="dashboard-texts"' in page
    assert "data-follows-entry" not in page  # the public never asks for drafts
    province = client.get("/dashboard/provinces/74/").content.decode()
    assert "Tỉnh Bình Dương" in province and 'data-last-year="2025"' in province
    commune = client.get("/dashboard/communes/2021/25930/")
    assert commune.status_code == 200 and "Xã Bạch Đằng" in commune.content.decode()


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/provinces/99/",
        "/dashboard/provinces/7a/",
        "/dashboard/provinces/%00/",
        "/dashboard/communes/2021/99999/",
        "/dashboard/communes/20x1/25930/",
    ],
)
def test_an_unknown_or_malformed_unit_is_a_404(client, path):
    assert client.get(path).status_code == 404


def test_staff_follow_data_entry_and_viewers_without_a_role_do_not(client, cast):
    client.force_login(cast.officer_74)
    assert "data-follows-entry" in client.get("/dashboard/").content.decode()
    client.force_login(cast.no_role)
    assert "data-follows-entry" not in client.get("/dashboard/").content.decode()
