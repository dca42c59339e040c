"""How an API request proves who it is (settings.REST_FRAMEWORK): django-rest-knox's tokens,
which expire and are stored hashed. Its own module: DRF imports it while its views load."""

from django.utils.translation import gettext as _
from knox import auth
from rest_framework import exceptions


class TokenAuthentication(auth.TokenAuthentication):
    """knox's, refusing a token that is not plain ASCII with a 401 (knox decodes it as UTF-8
    and would fail with a 500 on a stray byte)."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)
