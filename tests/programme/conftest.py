"""The programme tests' set-up: the categories loaded from the fixture by the command, and
helpers that enter records through the API as a province's officer and approver would."""

import pytest
from django.core.management import call_command

from communes.models import Commune

BASE = "/api/v1/programme/"


@pytest.fixture
def kinds(db):
    call_command("load_programme_kinds", verbosity=0)


@pytest.fixture
def lang_son(db):
    """Rural communes of Lạng Sơn (20) on the 2021 map, in code order: several districts."""
    return list(
        Commune.objects.rural().filter(structure="2021", province__code="20").order_by("code")
    )


@pytest.fixture
def enter(api, kinds):
    """enter(officer, approver, path, body): POST the record as the officer, submit it, and
    approve it as the approver (approver None: leave it a draft). Returns the record's body."""
    return entering(api)


def entering(api):
    """The enter() of a client factory (api(user) -> a client logged in as user)."""

    def post(officer, approver, path, body):
        response = api(officer).post(f"{BASE}{path}/", body, format="json")
        assert response.status_code == 201, response.json()
        record = response.json()
        if approver is None:
            return record
        for user, step in ((officer, "submit"), (approver, "approve")):
            url = f"{BASE}{path}/{record['id']}/step/"
            response = api(user).post(url, {"action": step}, format="json")
            assert response.status_code == 200, response.json()
        return response.json()

    return post
