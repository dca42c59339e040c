"""Creating and updating portal users: the command and the admin share this."""

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts import security
from accounts.models import PROVINCIAL_ROLES, PortalAccess, Role
from communes.models import Province, newest_structure

# The roles whose users may be made staff (open the admin): those who review.
STAFF_ROLES = (Role.APPROVER, Role.NATIONAL)


def _province(code: str | None, role: str, structure: str | None) -> Province | None:
    if role == Role.NATIONAL:
        if code:
            raise ValidationError({"province": _("A national user covers the whole country.")})
        return None
    if not code:
        if role in PROVINCIAL_ROLES:
            raise ValidationError({"province": _("An officer or approver needs a province.")})
        return None
    province = Province.objects.filter(structure=structure or newest_structure(), code=code).first()
    if province is None:
        raise ValidationError({"province": _("Unknown province code %(code)s.") % {"code": code}})
    return province


@transaction.atomic
def set_portal_user(
    *,
    username: str,
    role: str,
    province_code: str | None = None,
    password: str | None = None,
    structure: str | None = None,
    staff: bool | None = None,
):
    """Create the user if needed and give it this role and scope. Returns (user, created).
    A password must pass the password validators (settings.AUTH_PASSWORD_VALIDATORS).
    ``staff`` (when given) says whether the user may open the admin: an approver or a
    national user may; what each sees there follows the portal role."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role %(role)s.") % {"role": role}})
    if staff and role not in STAFF_ROLES:
        raise ValidationError(
            {"staff": _("Only an approver or a national user may open the admin.")}
        )
    province = _province(province_code, role, structure)
    user, created = get_user_model().objects.get_or_create(username=username)
    if password:
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise ValidationError({"password": error.messages}) from None
        set_password(user, password)
    elif created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    if staff is not None and user.is_staff != staff:
        user.is_staff = staff
        user.save(update_fields=["is_staff"])
    PortalAccess.objects.update_or_create(user=user, defaults={"role": role, "province": province})
    return user, created


def set_password(user, password: str, *, request=None) -> None:
    """A new password (already validated by the caller's form or above): every API token of
    the user is revoked, since whoever held the old password may hold a token, and the change
    goes into the security log."""
    user.set_password(password)
    user.save(update_fields=["password"])
    revoked, _by_kind = user.auth_token_set.all().delete()
    security.record(
        security.Kind.PASSWORD_CHANGED, user=user, request=request, tokens_revoked=revoked
    )
