"""What every page's header shows: who is logged in, their role and where they work."""

from django.utils.functional import SimpleLazyObject

from accounts.access import access_for, own_province
from accounts.models import Role


def _header(user) -> dict:
    access = access_for(user)
    return {
        "access": access,
        "role": Role(access.role).label if access.role else None,
        "province": own_province(access),
    }


def portal(request) -> dict:
    # Lazy: pages that never show the header (errors, redirects) cost no query.
    return {"portal": SimpleLazyObject(lambda: _header(request.user))}
