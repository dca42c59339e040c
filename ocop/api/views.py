"""The OCOP API: producers, products and their evaluations.

Reading follows ocop.selectors (visible_*): a product certified on ``as_of`` (default today) is
public, with the evaluation behind its certificate and its producer; everything else is read
by the staff of its province and national users only, and is a 404 to others. Writing follows
accounts.access: officers and approvers of the province of the producer, product or commune,
and national users (Access.can_edit); an anonymous write is 401, another province's 403.
Views are thin: check, validate, call ocop.services (which compute stars and validity and
have the communes concerned rescored), render.
"""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiExample,
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import SAFE_METHODS, IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from accounts.access import Access, access_for
from communes.models import Commune, newest_structure
from core.api import (
    Conflict,
    ConflictSerializer,
    CountedRows,
    ErrorSerializer,
    kept_page,
    require,
)
from ocop import selectors, services
from ocop.api import serializers as s
from ocop.filters import (
    AS_OF_HELP,
    EvaluationFilterSet,
    ProducerFilterSet,
    ProductFilterSet,
    as_of_from,
)

READ_ERRORS = {400: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}
# A creation of what exists already (a registered tax code, a product's name, a recorded
# decision): 409 with the existing one's id.
CREATE_ERRORS = {**WRITE_ERRORS, 409: ConflictSerializer}
AS_OF = OpenApiParameter("as_of", OpenApiTypes.DATE, description=str(AS_OF_HELP))
VISIBILITY = (
    "A product certified on `as_of` (3 stars or more, in force) is public; other products "
    "(never certified, expired, revoked) are read by the staff of their province and national "
    "users only, and are a 404 to others. "
)
WHO_WRITES = (
    "Officers and approvers of the province, and national users; anonymous: 401, another "
    "province or a viewer: 403. Bad input is a 400 naming each field, and nothing is written. "
)


def _response(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, response_only=True)


def _request(name: str, value: dict) -> OpenApiExample:
    return OpenApiExample(name, value=value, request_only=True)


BACH_DANG = {
    "commune": {"code": "25930", "name": "Xã Bạch Đằng"},
    "district": {"code": "723", "name": "Thành phố Tân Uyên"},
    "province": {"code": "74", "name": "Tỉnh Bình Dương"},
    "structure": "2021",
}
PRODUCER = {
    "id": 12,
    "name": "Hợp tác xã Nông nghiệp Bạch Đằng",
    "kind": "cooperative",
    "tax_code": "3702123456",
    **BACH_DANG,
}
PRODUCT = {
    "id": 31,
    "name": "Bưởi da xanh Bạch Đằng",
    "group": "food",
    "sub_group": "Trái cây tươi",
    "description": "",
    "active": True,
    "producer": {"id": 12, "name": "Hợp tác xã Nông nghiệp Bạch Đằng", "kind": "cooperative"},
    **BACH_DANG,
    "rating": {
        "evaluation": 57,
        "stars": 4,
        "certified": True,
        "score": 78.5,
        "level": "province",
        "decision_number": "1234/QĐ-UBND",
        "decision_date": "2024-05-10",
        "valid_until": "2027-05-09",
        "revoked_date": None,
        "status": "in_force",
    },
}
EVALUATION = {
    "id": 57,
    "product": {"id": 31, "name": "Bưởi da xanh Bạch Đằng"},
    "province": {"code": "74", "name": "Tỉnh Bình Dương"},
    "score": 78.5,
    "part_a": 30.0,
    "part_b": 18.5,
    "part_c": 30.0,
    "level": "province",
    "stars": 4,
    "decision_number": "1234/QĐ-UBND",
    "decision_date": "2024-05-10",
    "valid_until": "2027-05-09",
    "status": "in_force",
    "revoked_date": None,
    "revoked_reason": "",
    "revoked_decision": "",
}

producers_schema = extend_schema_view(
    list=extend_schema(
        summary="List OCOP producers",
        description="Producers owning a product this user may read (for the public: a product "
        "certified on `as_of`); for the staff of a province, also every producer located in "
        "it. Ordered by name.",
        responses={200: s.ProducerSerializer(many=True), **READ_ERRORS},
        examples=[_response("A cooperative", PRODUCER)],
    ),
    retrieve=extend_schema(
        summary="One OCOP producer",
        description="Read as in the list, on `as_of`.",
        parameters=[AS_OF],
        responses={200: s.ProducerSerializer, **READ_ERRORS},
        examples=[_response("A cooperative", PRODUCER)],
    ),
    create=extend_schema(
        summary="Register an OCOP producer",
        description=WHO_WRITES + "The province is the commune's. A tax code is unique.",
        request=s.ProducerCreateSerializer,
        responses={201: s.ProducerSerializer, **CREATE_ERRORS},
        examples=[
            _request(
                "A cooperative of Xã Bạch Đằng",
                {
                    "name": "Hợp tác xã Nông nghiệp Bạch Đằng",
                    "kind": "cooperative",
                    "commune": "25930",
                    "structure": "2021",
                    "tax_code": "3702123456",
                },
            ),
            _response("Registered", PRODUCER),
        ],
    ),
)

products_schema = extend_schema_view(
    list=extend_schema(
        summary="List OCOP products with their rating on as_of",
        description=VISIBILITY + "Each product comes with its producer, its place and its "
        "`rating` on `as_of`: the latest evaluation decided by then, in force or not, with "
        "its `status`; null if none. Ordered by name.",
        responses={200: s.ProductSerializer(many=True), **READ_ERRORS},
        examples=[
            _request(
                "Bình Dương's 4-star products whose rating ends within 90 days of 2025-12-31",
                "?province=74&stars=4&as_of=2025-12-31&expiring_within=90",
            ),
            _response("A 4-star product", PRODUCT),
        ],
    ),
    retrieve=extend_schema(
        summary="One OCOP product with its rating on as_of",
        description=VISIBILITY,
        parameters=[AS_OF],
        responses={200: s.ProductSerializer, **READ_ERRORS},
        examples=[_response("A 4-star product", PRODUCT)],
    ),
    create=extend_schema(
        summary="Register an OCOP product",
        description=WHO_WRITES + "The province is the producer's: `commune`, if given (where "
        "the product comes from), must be in it, else it is the producer's commune. A new "
        "product has no rating: record an evaluation.",
        request=s.ProductCreateSerializer,
        responses={201: s.ProductSerializer, **CREATE_ERRORS},
        examples=[
            _request(
                "Pomelos of a cooperative",
                {"producer": 12, "name": "Bưởi da xanh Bạch Đằng", "group": "food"},
            ),
            _response("Registered", {**PRODUCT, "rating": None}),
        ],
    ),
    partial_update=extend_schema(
        summary="Change some of a product's fields",
        description=WHO_WRITES + "A product moves only within its producer's province. Its "
        "evaluations are recorded and revoked through evaluations/.",
        request=s.ProductInputSerializer,
        responses={200: s.ProductSerializer, **WRITE_ERRORS, 404: ErrorSerializer},
        examples=[
            _request("No longer produced", {"active": False}),
            _response("Changed", {**PRODUCT, "active": False}),
        ],
    ),
)

evaluations_schema = extend_schema_view(
    list=extend_schema(
        summary="List OCOP evaluations",
        description="For the public, the evaluations behind the certificates in force on "
        "`as_of`; for the staff of a province and national users, every evaluation of its "
        "products, superseded, expired and revoked ones too. Newest decision first.",
        responses={200: s.EvaluationSerializer(many=True), **READ_ERRORS},
        examples=[_response("A 4-star rating", EVALUATION)],
    ),
    retrieve=extend_schema(
        summary="One OCOP evaluation",
        description="Read as in the list, on `as_of`.",
        parameters=[AS_OF],
        responses={200: s.EvaluationSerializer, **READ_ERRORS},
        examples=[_response("A 4-star rating", EVALUATION)],
    ),
    create=extend_schema(
        summary="Record an OCOP evaluation",
        description=WHO_WRITES + "The province is the product's. The stars follow from the "
        "score band, capped by the evaluating level; the rating is valid 36 months from the "
        "decision. A district council may no longer evaluate since 6 July 2025.",
        request=s.EvaluationCreateSerializer,
        responses={201: s.EvaluationSerializer, **CREATE_ERRORS},
        examples=[
            _request(
                "A province council's 4 stars",
                {
                    "product": 31,
                    "score": 78.5,
                    "part_a": 30,
                    "part_b": 18.5,
                    "part_c": 30,
                    "level": "province",
                    "decision_number": "1234/QĐ-UBND",
                    "decision_date": "2024-05-10",
                },
            ),
            _response("Recorded", EVALUATION),
        ],
    ),
    revoke=extend_schema(
        summary="Revoke a rating",
        description=WHO_WRITES + "From `revoked_date` the rating is no longer in force, and "
        "an older one does not come back. A rating already revoked is a 409.",
        request=s.RatingRevocationSerializer,
        responses={
            200: s.EvaluationSerializer,
            **WRITE_ERRORS,
            404: ErrorSerializer,
            409: ConflictSerializer,
        },
        examples=[
            _request(
                "Revoked for a food-safety violation",
                {
                    "revoked_date": "2025-03-01",
                    "reason": "Vi phạm an toàn thực phẩm",
                    "decision": "56/QĐ-UBND",
                },
            ),
            _response(
                "Revoked",
                {
                    **EVALUATION,
                    "status": "revoked",
                    "revoked_date": "2025-03-01",
                    "revoked_reason": "Vi phạm an toàn thực phẩm",
                    "revoked_decision": "56/QĐ-UBND",
                },
            ),
        ],
    ),
)


def _commune(code: str, structure: str | None) -> Commune:
    """A commune named in a request body; an unknown code is bad input (400), not a 404."""
    structure = structure or newest_structure()
    commune = Commune.objects.filter(structure=structure, code=code).first()
    if commune is None:
        message = _("No commune with code %(code)s on the %(structure)s map.")
        raise ValidationError({"commune": [message % {"code": code, "structure": structure}]})
    return commune


class OcopViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    # Writes need a login first (401), whatever they aim at, so that nothing leaks to strangers.
    permission_classes = [IsAuthenticatedOrReadOnly]
    edit_message = ""

    @cached_property
    def access(self) -> Access:
        return access_for(self.request.user)

    @cached_property
    def day(self):
        """Reads are on as_of; writes act on the registry as it stands today."""
        if self.request.method in SAFE_METHODS:
            return as_of_from(self.request.query_params)
        return timezone.localdate()

    def filter_queryset(self, queryset):
        # Filters narrow a list; a detail (or a write) is found by its id alone.
        return super().filter_queryset(queryset) if self.action == "list" else queryset

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "access": self.access, "as_of": self.day}

    def _valid(self, serializer_class, **kwargs) -> dict:
        serializer = serializer_class(data=self.request.data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _check_edit(self, province_id: int) -> None:
        require(
            self.access.can_edit(province_id),
            authenticated=self.access.authenticated,
            message=str(self.edit_message),
        )

    def _render(self, instance, code=status.HTTP_200_OK) -> Response:
        """The row as written, read back the way the list shows it."""
        return Response(self.get_serializer(self._fresh(instance.pk)).data, code)

    def _fresh(self, pk: int):
        return self.get_queryset().get(pk=pk)

    def _visible(self, queryset, pk: int, field: str):
        """A row named by id in a request body: one this user cannot read is bad input."""
        found = queryset.filter(pk=pk).first()
        if found is None:
            message = _("No %(field)s with id %(id)s.") % {"field": field, "id": pk}
            raise ValidationError({field: [message]})
        return found


@producers_schema
class ProducerViewSet(OcopViewSet):
    serializer_class = s.ProducerSerializer
    filterset_class = ProducerFilterSet
    edit_message = gettext_lazy(
        "Only officers of this province and national users register its producers."
    )

    def get_queryset(self):
        return selectors.visible_producers(self.access, self.day).order_by("name", "pk")

    def create(self, request, *args, **kwargs):
        data = self._valid(s.ProducerCreateSerializer)
        commune = _commune(data["commune"], data.get("structure"))
        self._check_edit(commune.province_id)
        producer = services.create_producer(
            name=data["name"],
            kind=data["kind"],
            commune=commune,
            tax_code=data["tax_code"],
            user=request.user,
        )
        return self._render(producer, status.HTTP_201_CREATED)


@products_schema
class ProductViewSet(mixins.UpdateModelMixin, OcopViewSet):
    serializer_class = s.ProductSerializer
    filterset_class = ProductFilterSet
    http_method_names = ["get", "post", "patch", "head", "options"]
    edit_message = gettext_lazy(
        "Only officers of this province and national users register or change its products."
    )

    def get_queryset(self, latest_is_current: bool = False):
        products = selectors.visible_products(self.access, self.day, latest_is_current)
        return products.order_by("name", "pk")

    def list(self, request, *args, **kwargs):
        # Kept by the day as well (core.answers): certificates expire.
        return kept_page("ocop-products", request, self.access.sight, self._page)

    def _page(self) -> dict:
        # Where no rating is decided after the day (from today on), the latest evaluations
        # kept on the products are read by a join alone (ProductQuerySet.with_current).
        fast = selectors.latest_is_current(self.day)
        products = self.filter_queryset(self.get_queryset(latest_is_current=fast))
        rows = self.paginate_queryset(CountedRows(products.values(*s.PRODUCT_ROW_FIELDS), products))
        current = [row["current_id"] for row in rows if row["current_id"]]
        ratings = selectors.ratings_on(current, self.day)
        return self.get_paginated_response(s.product_rows(rows, ratings)).data

    def get_object(self):
        return selectors.attach_ratings([super().get_object()], self.day)[0]

    def _fresh(self, pk: int):
        return selectors.attach_ratings([super()._fresh(pk)], self.day)[0]

    def create(self, request, *args, **kwargs):
        data = self._valid(s.ProductCreateSerializer)
        producers = selectors.visible_producers(self.access, self.day)
        producer = self._visible(producers, data.pop("producer"), "producer")
        commune = producer.commune
        if "commune" in data:
            commune = _commune(data.pop("commune"), data.pop("structure", None))
        # The producer's registry as well as the commune's: Hồ Chí Minh City's officers placed
        # products under Bình Dương's producers (its communes went into the city), products
        # that Bình Dương's own staff could then not see.
        self._check_edit(producer.commune.province_id)
        self._check_edit(commune.province_id)
        product = services.create_product(
            producer=producer, commune=commune, user=request.user, **data
        )
        return self._render(product, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        product = self.get_object()
        self._check_edit(product.commune.province_id)
        changes = self._valid(s.ProductInputSerializer, partial=True)
        if "commune" in changes:
            changes["commune"] = _commune(changes["commune"], changes.pop("structure", None))
            self._check_edit(changes["commune"].province_id)
        services.update_product(product=product, user=request.user, **changes)
        return self._render(product)


@evaluations_schema
class EvaluationViewSet(OcopViewSet):
    serializer_class = s.EvaluationSerializer
    filterset_class = EvaluationFilterSet
    edit_message = gettext_lazy(
        "Only officers of this province and national users record or revoke its products' ratings."
    )

    def get_queryset(self):
        return selectors.visible_evaluations(self.access, self.day).order_by(
            "-decision_date", "-pk"
        )

    def create(self, request, *args, **kwargs):
        data = self._valid(s.EvaluationCreateSerializer)
        products = selectors.visible_products(self.access, self.day)
        product = self._visible(products, data.pop("product"), "product")
        self._check_edit(product.commune.province_id)
        evaluation = services.record_evaluation(product=product, user=request.user, **data)
        return self._render(evaluation, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        evaluation = self.get_object()
        self._check_edit(evaluation.product.commune.province_id)
        if evaluation.revoked_date is not None:
            message = _("This rating was already revoked on %(day)s by %(decision)s.")
            values = {"day": evaluation.revoked_date, "decision": evaluation.revoked_decision}
            raise Conflict(message % values, "already_revoked")
        data = self._valid(s.RatingRevocationSerializer)
        services.revoke_evaluation(
            evaluation=evaluation,
            revoked_date=data["revoked_date"],
            reason=data["reason"],
            decision=data["decision"],
            user=request.user,
        )
        return self._render(evaluation)
