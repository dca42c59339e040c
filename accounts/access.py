"""The access policy, written once: the API, the officer pages and the admin ask these.

A user sees approved data everywhere; a province's drafts, submissions and returned work only
inside that province's staff (any role scoped to it) and at national scope. A province's staff
are its staff on both maps: the province of the same code on the other one (Quảng Ninh, 22, on
the 2021 map and on the 2025 one) is theirs too, so that one account closes 2025 on the old map
and enters 2026 on the new. A province merged away (Bình Dương, 74, into Hồ Chí Minh City, 79)
has no namesake on the new map: its staff's accounts are moved by the national office.
Officers change their province's open assessments; approvers also approve, return and reopen
them; the national office and superusers do everything everywhere. Who took a workflow step, and
the comments on it, stay inside the province's staff and the national office.
"""

from dataclasses import dataclass

from django.db.models import OuterRef, Q, Subquery

from accounts.models import PortalAccess, Role
from communes.models import Province, structure_for_year


@dataclass(frozen=True)
class Access:
    role: str | None  # None: anonymous, or a login with no portal role
    province_id: int | None  # None with a role: the whole country
    superuser: bool = False
    authenticated: bool = False
    namesake_id: int | None = None  # the same province (code) on the other map, if any

    @property
    def country_wide(self) -> bool:
        return self.superuser or (self.role is not None and self.province_id is None)

    @property
    def province_ids(self) -> frozenset[int]:
        """The province rows the user is staff of: theirs and its namesake on the other map
        (none for the whole country: country_wide)."""
        return frozenset(pk for pk in (self.province_id, self.namesake_id) if pk is not None)

    def covers(self, province_id: int) -> bool:
        """Whether the user is staff of this province (or of the whole country)."""
        return self.country_wide or (self.role is not None and province_id in self.province_ids)

    def sees_staff_details(self, province_id: int) -> bool:
        """Whether the user sees who took a province's workflow steps and their comments
        (internal to its staff and the national office; the public sees the results only)."""
        return self.covers(province_id)

    def can_edit(self, province_id: int) -> bool:
        return self.covers(province_id) and (
            self.superuser or self.role in (Role.OFFICER, Role.APPROVER, Role.NATIONAL)
        )

    def can_approve(self, province_id: int) -> bool:
        return self.covers(province_id) and (
            self.superuser or self.role in (Role.APPROVER, Role.NATIONAL)
        )

    @property
    def sight(self) -> str:
        """What the user may see, as a key: users with the same sight see the same rows
        (visible_work) and the same staff details, so an answer built for one of them may be
        served to the others (core.answers)."""
        if self.country_wide:
            return "country"
        return "public" if self.role is None else f"province:{self.province_id}"

    @property
    def follows_entry(self) -> bool:
        """Whether the user follows data entry (drafts included) by province: the national
        office and superusers every province, a province's staff their own."""
        return self.country_wide or self.role is not None

    @property
    def is_national(self) -> bool:
        return self.superuser or self.role == Role.NATIONAL


ANONYMOUS = Access(role=None, province_id=None)


def access_for(user) -> Access:
    """The user's access, read once per request (cached on the user object)."""
    if user is None or not user.is_authenticated:
        return ANONYMOUS
    cached = getattr(user, "_portal_access", None)
    if cached is None:
        namesake = Province.objects.filter(code=OuterRef("province__code")).exclude(
            pk=OuterRef("province_id")
        )  # two maps: one namesake at most
        rows = PortalAccess.objects.filter(user=user).values("role", "province_id")
        row = rows.annotate(namesake=Subquery(namesake.values("pk")[:1])).first() or {}
        cached = Access(
            row.get("role"), row.get("province_id"), user.is_superuser, True, row.get("namesake")
        )
        user._portal_access = cached
    return cached


def visible_work(
    access: Access, province_field: str = "commune__province", status_field: str = "status"
) -> Q:
    """Rows an assessment-like queryset shows this user: approved ones, plus everything of the
    provinces the user is staff of. The fields are named from the queryset's model (for a
    commune's assessments joined to it: ``province`` and ``assessments__status``)."""
    if access.country_wide:
        return Q()
    approved = Q(**{status_field: "approved"})
    if access.role is None:
        return approved
    return approved | Q(**{f"{province_field}_id__in": sorted(access.province_ids)})


def own_province(access: Access, year: int | None = None) -> Province | None:
    """The user's province (None for the whole country or no role): on ``year``'s map, its
    namesake there when the account's own row is on the other one (1 query)."""
    if access.province_id is None:
        return None
    rows = list(Province.objects.filter(pk__in=access.province_ids))
    if year is not None:
        structure = structure_for_year(year)
        found = next((row for row in rows if row.structure == structure), None)
        if found is not None:
            return found
    return next((row for row in rows if row.pk == access.province_id), None)
