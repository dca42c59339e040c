"""The kind-change endpoint as served: communes.api's, with the access policy (which lives
above the communes app) deciding who writes: the national office only."""

from django.utils.translation import gettext as _

from accounts.access import access_for
from communes.api import kind_changes
from core.api import require


class KindChangeViewSet(kind_changes.KindChangeViewSet):
    def check_can_write(self) -> None:
        access = access_for(self.request.user)
        message = _("Only the national office records changes of kind.")
        require(access.is_national, authenticated=access.authenticated, message=message)
