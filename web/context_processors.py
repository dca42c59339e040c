"""What every page's header shows: who is logged in, their role and where they work."""

from django.utils.functional import SimpleLazyObject

from accounts.access import access_for
from accounts.models import Role
from communes.models import Province


def _header(user) -> dict:
    access = access_for(user)
    province = (
        Province.objects.filter(pk=access.province_id).first() if access.province_id else None
    )
    return {
        "access": access,
        "role": Role(access.role).label if access.role else None,
        "province": province,
    }


def portal(request) -> dict:
    # Lazy: pages that never show the header (errors, redirects) cost no query.
    return {"portal": SimpleLazyObject(lambda: _header(request.user))}
