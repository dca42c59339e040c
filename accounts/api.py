"""The API's login and logout: expiring tokens (django-rest-knox), asked for with a user name
and password through the project's parsers (core.parsers bounds JSON), throttled per address
and locked out per account and address (django-axes), each step in the security log."""

from django.contrib.auth.signals import user_logged_in
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, serializers, status
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import security
from accounts.authentication import TokenAuthentication
from core.api import ErrorSerializer
from core.throttles import LoginThrottle


class TokenScheme(KnoxTokenScheme):
    """The schema's word for the project's token authentication (knox's, under the name
    clients generated from earlier schemas know)."""

    target_class = "accounts.authentication.TokenAuthentication"
    name = "tokenAuth"


class LockedOut(exceptions.Throttled):
    default_code = "locked_out"


TokenSerializer = inline_serializer(
    "Token",
    {
        "token": serializers.CharField(help_text="Send as `Authorization: Token <token>`."),
        "expiry": serializers.DateTimeField(help_text="After this the token is refused."),
    },
)
ERRORS = {
    400: OpenApiResponse(ErrorSerializer, description="Missing fields or wrong credentials."),
    401: OpenApiResponse(ErrorSerializer, description="No valid token."),
    429: OpenApiResponse(ErrorSerializer, description="Too many attempts: locked out."),
}


class TokenView(APIView):
    """POST a user name and password for a token; DELETE the token you send to revoke it."""

    authentication_classes = [TokenAuthentication]

    def get_permissions(self):
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return [LoginThrottle()] if self.request.method == "POST" else super().get_throttles()

    @extend_schema(
        request=AuthTokenSerializer,
        responses={200: TokenSerializer, 400: ERRORS[400], 429: ERRORS[429]},
        description="A token for the user, valid for a limited time (`expiry`). After "
        "repeated wrong passwords the account and the address are locked out for a while "
        "(429), even for the right password.",
    )
    def post(self, request):
        form = AuthTokenSerializer(data=request.data, context={"request": request})
        valid = form.is_valid()
        if getattr(request, "axes_locked_out", False):
            raise LockedOut(detail=security.lockout_message())
        if not valid:
            raise exceptions.ValidationError(form.errors)
        user = form.validated_data["user"]
        token, key = AuthToken.objects.create(user=user, expiry=knox_settings.TOKEN_TTL)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        security.record(security.Kind.TOKEN_CREATED, user=user, request=request)
        return Response({"token": key, "expiry": token.expiry})

    @extend_schema(
        request=None,
        responses={204: None, 401: ERRORS[401]},
        description="Revoke the token this request is authenticated with.",
    )
    def delete(self, request):
        request.auth.delete()
        security.record(security.Kind.TOKEN_REVOKED, user=request.user, request=request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokensView(APIView):
    """DELETE revokes every token of the user (a lost laptop, a leaked script)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: ERRORS[401]},
        description="Revoke every token of the authenticated user.",
    )
    def delete(self, request):
        revoked, _by_kind = request.user.auth_token_set.all().delete()
        security.record(
            security.Kind.TOKEN_REVOKED, user=request.user, request=request, tokens=revoked
        )
        return Response(status=status.HTTP_204_NO_CONTENT)


token = TokenView.as_view()
tokens = TokensView.as_view()
