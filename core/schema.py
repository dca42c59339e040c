"""The OpenAPI schema's view of every operation (settings.REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS): besides what each operation documents, the answers any request can
get, so that a client generated from the schema expects them."""

from drf_spectacular import openapi
from drf_spectacular.utils import OpenApiResponse

from core.api import ErrorSerializer

ANY_OPERATION = {
    "401": OpenApiResponse(
        ErrorSerializer,
        description="A token or session was sent and is not valid (wrong, expired, revoked).",
    ),
    "429": OpenApiResponse(
        ErrorSerializer,
        description="Too many requests from this address or user; Retry-After says when to "
        "try again.",
    ),
}


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for status, response in ANY_OPERATION.items():
            if status not in responses:
                responses[status] = self._get_response_for_code(response, status)
        return responses
