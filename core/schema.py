"""The OpenAPI schema's view of every operation (settings.REST_FRAMEWORK's
DEFAULT_SCHEMA_CLASS): besides what each operation documents, the answers any request can
get, so that a client generated from the schema expects them."""

from drf_spectacular import openapi
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.plumbing import ResolvedComponent, build_choice_field
from drf_spectacular.utils import OpenApiResponse
from rest_framework import serializers

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


class NamedChoiceField(serializers.ChoiceField):
    """A choice field whose OpenAPI enum is a component of its own name. Several parts of the
    API use the same field names (kind, group, status) for other choice sets, and the schema
    generator would otherwise name these by a hash."""

    def __init__(self, choices, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def map_serializer_field(self, auto_schema, direction):
        schema = build_choice_field(self.target)
        schema.pop("x-spec-enum-id", None)
        name = self.target.enum_name
        component = ResolvedComponent(name, ResolvedComponent.SCHEMA, schema=schema, object=name)
        auto_schema.registry.register_on_missing(component)
        return component.ref
