"""The people of the tests, built with factory-boy: a login, and a login with a portal role
scoped to a province (by its code on the 2021 map unless another structure is named; every
test database loads both)."""

import factory
from django.contrib.auth import get_user_model
from factory.django import DjangoModelFactory, Password

from accounts.models import PortalAccess, Role
from communes.models import Province

PASSWORD = "a-long-pass-phrase"


class UserFactory(DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    password = Password(PASSWORD)


class PortalAccessFactory(DjangoModelFactory):
    """A role for a user: ``province_code`` names the province (none: the whole country)."""

    class Meta:
        model = PortalAccess

    class Params:
        province_code = None
        structure = "2021"

    user = factory.SubFactory(UserFactory)
    role = Role.VIEWER
    province = factory.LazyAttribute(
        lambda o: (
            Province.objects.get(structure=o.structure, code=o.province_code)
            if o.province_code
            else None
        )
    )


def portal_user(
    username: str, role: str, province_code: str | None = None, structure: str = "2021"
):
    """A login with a portal role, its password PASSWORD."""
    access = PortalAccessFactory(
        user__username=username, role=role, province_code=province_code, structure=structure
    )
    return access.user
