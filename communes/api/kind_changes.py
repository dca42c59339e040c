"""Kind changes in the API: everyone reads when a unit's kind changed (the rural communes of a
year follow from them); writes go through communes.services.kind_changes, one change as JSON
or many from a .csv/.xlsx file. Who may write is the access policy's (accounts, above this
app): this viewset refuses every write, and the one the router serves
(stats.api.kind_changes) allows the national office.
"""

import django_filters
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from communes import selectors
from communes.api.serializers import UnitSummarySerializer
from communes.filters import code_filter
from communes.models import Commune, KindChange, Structure
from communes.services.kind_changes import import_kind_changes, record_kind_change
from core.api import ErrorSerializer

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer}


class KindChangeFilterSet(django_filters.FilterSet):
    structure = django_filters.ChoiceFilter(
        field_name="commune__structure", choices=Structure.choices
    )
    province = code_filter("commune__province__code", 2, gettext_lazy("Province code"))
    commune = code_filter("commune__code", 5, gettext_lazy("Commune code"))
    new_kind = django_filters.ChoiceFilter(choices=Commune.Kind.choices)


class KindChangeSerializer(serializers.ModelSerializer):
    commune = UnitSummarySerializer()
    structure = serializers.CharField(source="commune.structure")
    province = UnitSummarySerializer(source="commune.province")

    class Meta:
        model = KindChange
        fields = [
            "id",
            "commune",
            "structure",
            "province",
            "date",
            "old_kind",
            "new_kind",
            "legal_source",
            "note",
        ]


class KindChangeInputSerializer(serializers.Serializer):
    """One change; the service checks it against the unit's other changes and its list."""

    structure = serializers.ChoiceField(choices=Structure.choices)
    code = serializers.RegexField(r"^[0-9]{5}$", help_text="The unit's code (5 digits).")
    date = serializers.DateField(help_text="The first day of the new kind.")
    new_kind = serializers.ChoiceField(choices=Commune.Kind.choices)
    old_kind = serializers.ChoiceField(
        choices=Commune.Kind.choices,
        required=False,
        help_text="The kind the day before; needed only for a change dated on or before the "
        "list's date (kind_as_of), whose earlier kind the list cannot tell.",
    )
    legal_source = serializers.CharField(max_length=300)
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ImportKindChangesSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text=".csv (UTF-8) or .xlsx with the columns structure, code, date, new_kind, "
        "legal_source, and optionally note and old_kind."
    )


class ImportReportSerializer(serializers.Serializer):
    created = serializers.IntegerField()


EXAMPLE = OpenApiExample(
    "A commune becomes a ward",
    request_only=True,
    value={
        "structure": "2025",
        "code": "26041",
        "date": "2026-04-30",
        "new_kind": "phuong",
        "legal_source": "Nghị quyết số …/NQ-UBTVQH16 ngày …",
    },
)
WRITES = (
    "Only the national office. Every problem is a 400 naming its field or row, and nothing is "
    "written: a unit unknown in the structure, a date outside its validity, a second change on "
    "one day, an old kind that is not its kind the day before, a new kind that contradicts its "
    "list or its next change."
)


@extend_schema_view(
    list=extend_schema(
        summary="Changes of kind of commune-level units (a xã made a ward...)",
        responses={200: KindChangeSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(responses={200: KindChangeSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        summary="Record a change of kind",
        description=WRITES,
        request=KindChangeInputSerializer,
        responses={201: KindChangeSerializer, **ERRORS},
        examples=[EXAMPLE],
    ),
    import_=extend_schema(
        summary="Record changes of kind from a .csv or .xlsx file",
        description=WRITES + ' Errors are keyed by "row N", the header being row 1.',
        request={"multipart/form-data": ImportKindChangesSerializer},
        responses={201: ImportReportSerializer, **ERRORS},
    ),
)
class KindChangeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    filterset_class = KindChangeFilterSet
    serializer_class = KindChangeSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]  # then check_can_write: 403
    parser_classes = [JSONParser]

    def get_queryset(self):
        return selectors.kind_changes_for_list().order_by("date", "commune__code", "pk")

    def check_can_write(self) -> None:
        """Overridden where the access policy is known (stats.api.kind_changes)."""
        raise PermissionDenied(_("Only the national office records changes of kind."))

    def create(self, request, *args, **kwargs):
        self.check_can_write()
        data = self._valid(KindChangeInputSerializer)
        commune = Commune.objects.filter(structure=data["structure"], code=data["code"]).first()
        if commune is None:
            message = _("No commune-level unit has the code %(code)s in structure %(structure)s.")
            raise ValidationError({"code": [message % data]})
        change = record_kind_change(
            commune=commune,
            date=data["date"],
            new_kind=data["new_kind"],
            old_kind=data.get("old_kind", ""),
            legal_source=data["legal_source"],
            note=data["note"],
            user=request.user,
        )
        change = self.get_queryset().get(pk=change.pk)
        return Response(KindChangeSerializer(change).data, status=status.HTTP_201_CREATED)

    @action(
        detail=False,
        methods=["post"],
        url_path="import",
        url_name="import",
        parser_classes=[MultiPartParser, FormParser],
    )
    def import_(self, request):
        self.check_can_write()
        data = self._valid(ImportKindChangesSerializer)
        created = import_kind_changes(upload=data["file"], user=request.user)
        return Response({"created": len(created)}, status=status.HTTP_201_CREATED)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data
