"""Shapes of the programme API: input serializers check types and shapes (codes, choices,
dates); numbers and texts are read by programme.services (core.numbers, core.text), which also
hold every rule. Output serializers render the records and the province report."""

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from communes.api.serializers import UnitSummarySerializer
from communes.models import Structure
from core.filters import YEARS
from core.schema import NamedChoiceField
from criteria.models import WorkflowStep
from programme.models import (
    FIRST_YEAR,
    LAST_YEAR,
    Figure,
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Status,
    Work,
    WorkKind,
    YearPlan,
)

NUMBER_HELP = _("A number: JSON number, or text with a point or a comma for decimals.")


@extend_schema_field({"oneOf": [{"type": "number"}, {"type": "string"}]})
class NumberField(serializers.Field):
    """A number as given: programme.services reads it with core.numbers.parse_decimal."""

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", NUMBER_HELP)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        return data

    def to_representation(self, value):
        return value


def _code(digits: int, **kwargs) -> serializers.RegexField:
    return serializers.RegexField(rf"^[0-9]{{{digits}}}$", **kwargs)


# --- input --------------------------------------------------------------------------------------


class RecordInputSerializer(serializers.Serializer):
    province = _code(2, required=False, help_text=_("Province code (default: the commune's)."))
    structure = serializers.ChoiceField(
        Structure.choices,
        required=False,
        help_text=_("Map of the codes (default: the map the year's data is kept on)."),
    )
    year = serializers.IntegerField(min_value=YEARS[0], max_value=YEARS[1])
    note = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class FundingInputSerializer(RecordInputSerializer):
    district = _code(3, required=False, allow_null=True)
    commune = _code(5, required=False, allow_null=True)
    source = serializers.SlugField(help_text=_("Funding source code (funding-sources/)."))
    kind = NamedChoiceField(Funding.Kind.choices, enum_name="FundingKindEnum")
    amount = NumberField(help_text=_("Million VND."))


class WorkInputSerializer(RecordInputSerializer):
    commune = _code(5)
    kind = serializers.SlugField(help_text=_("Kind of work code (work-kinds/)."))
    mode = NamedChoiceField(Work.Mode.choices, enum_name="WorkModeEnum")
    quantity = NumberField(help_text=_("In the kind's unit (km, works...)."))
    cost = NumberField(required=False, allow_null=True, help_text=_("Million VND."))


class ProductionModelInputSerializer(RecordInputSerializer):
    name = serializers.CharField(trim_whitespace=False)
    communes = serializers.ListField(child=_code(5), required=False, max_length=500)
    area_ha = NumberField(required=False, allow_null=True)
    funding = NumberField(required=False, allow_null=True, help_text=_("Million VND."))
    stage = NamedChoiceField(
        ProductionModel.Stage.choices, enum_name="ProductionModelStageEnum", required=False
    )


class HamletTitleInputSerializer(RecordInputSerializer):
    kind = NamedChoiceField(HamletTitle.Kind.choices, enum_name="HamletTitleKindEnum")
    commune = _code(5)
    holder = serializers.CharField(trim_whitespace=False)
    decision_number = serializers.CharField(trim_whitespace=False)
    decision_date = serializers.DateField()


class YearPlanInputSerializer(RecordInputSerializer):
    district = _code(3, required=False, allow_null=True)
    per_district = serializers.BooleanField(required=False)
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")
    level = serializers.CharField(required=False, allow_blank=True)
    value = NumberField()
    value_max = NumberField(required=False, allow_null=True)


class HistoricalFigureInputSerializer(RecordInputSerializer):
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")
    level = serializers.CharField(required=False, allow_blank=True)
    value = NumberField()


class ProgrammeStepInputSerializer(serializers.Serializer):
    action = serializers.ChoiceField(
        [(a, a) for a in ("submit", "approve", "return", "reopen")],
        help_text=str(WorkflowStep._meta.get_field("action").verbose_name),
    )
    comment = serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)
    version = serializers.IntegerField(
        required=False, min_value=1, help_text=_("The version read (a stale one is a 409).")
    )


# --- output -------------------------------------------------------------------------------------


class FundingSourceSerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = FundingSource
        fields = ["code", "name_vi", "name_en", "parent", "group", "community", "order"]


class WorkKindSerializer(serializers.ModelSerializer):
    class Meta:
        model = WorkKind
        fields = ["code", "name_vi", "name_en", "unit", "order"]


COMMON = ["id", "province", "year", "status", "version", "note"]


class RecordSerializer(serializers.ModelSerializer):
    province = UnitSummarySerializer()
    status = serializers.ChoiceField(Status.choices)


class FundingSerializer(RecordSerializer):
    district = UnitSummarySerializer(allow_null=True)
    commune = UnitSummarySerializer(allow_null=True)
    source = serializers.SlugRelatedField(slug_field="code", read_only=True)
    kind = NamedChoiceField(Funding.Kind.choices, enum_name="FundingKindEnum")

    class Meta:
        model = Funding
        fields = [*COMMON, "district", "commune", "source", "kind", "amount"]


class WorkSerializer(RecordSerializer):
    commune = UnitSummarySerializer()
    kind = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = Work
        fields = [*COMMON, "commune", "kind", "mode", "quantity", "cost"]


class ProductionModelSerializer(RecordSerializer):
    communes = UnitSummarySerializer(many=True)

    class Meta:
        model = ProductionModel
        fields = [*COMMON, "name", "communes", "area_ha", "funding", "stage"]


class HamletTitleSerializer(RecordSerializer):
    kind = NamedChoiceField(HamletTitle.Kind.choices, enum_name="HamletTitleKindEnum")
    commune = UnitSummarySerializer()
    district = UnitSummarySerializer(source="commune.district", allow_null=True)

    class Meta:
        model = HamletTitle
        fields = [
            *COMMON,
            "kind",
            "district",
            "commune",
            "holder",
            "decision_number",
            "decision_date",
        ]


class YearPlanSerializer(RecordSerializer):
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")
    district = UnitSummarySerializer(allow_null=True)

    class Meta:
        model = YearPlan
        fields = [*COMMON, "district", "per_district", "kind", "level", "value", "value_max"]


class HistoricalFigureSerializer(RecordSerializer):
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")

    class Meta:
        model = HistoricalFigure
        fields = [*COMMON, "kind", "level", "value"]


# --- the province report ------------------------------------------------------------------------


def _decimal(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(
        max_digits=None, decimal_places=None, coerce_to_string=False, **kwargs
    )


class ReportAmountShareSerializer(serializers.Serializer):
    amount = _decimal()
    share = _decimal(allow_null=True, help_text=_("Percent of the total."))


class ReportSourcePartSerializer(ReportAmountShareSerializer):
    code = serializers.CharField()
    name = serializers.CharField()
    group = serializers.CharField()


class ReportSourceSerializer(ReportSourcePartSerializer):
    parts = ReportSourcePartSerializer(many=True)


class ReportGroupsSerializer(serializers.Serializer):
    budget = ReportAmountShareSerializer()
    other = ReportAmountShareSerializer()


class ReportResourcesSerializer(serializers.Serializer):
    total = _decimal()
    previous_total = _decimal(allow_null=True)
    change = _decimal(allow_null=True)
    change_percent = _decimal(allow_null=True)
    by_group = ReportGroupsSerializer()
    community = _decimal(help_text=_("The people's contribution (community sources)."))
    community_share = _decimal(allow_null=True)
    by_source = ReportSourceSerializer(many=True)


class PlannedActualSerializer(serializers.Serializer):
    planned = _decimal()
    actual = _decimal()


class DistrictResourcesSerializer(PlannedActualSerializer):
    code = serializers.CharField()
    name = serializers.CharField()


class ReportResourcesByKindSerializer(serializers.Serializer):
    unit = serializers.CharField()
    planned = ReportResourcesSerializer()
    actual = ReportResourcesSerializer()
    province_level = PlannedActualSerializer(
        help_text="Entered for the province as a whole (no district or commune)."
    )
    by_district = DistrictResourcesSerializer(
        many=True,
        help_text="Each district's own entries with its communes'; with province_level, they "
        "add up to the totals.",
    )


class PeriodYearSerializer(PlannedActualSerializer):
    year = serializers.IntegerField()


class PeriodResourcesSerializer(serializers.Serializer):
    unit = serializers.CharField()
    first_year = serializers.IntegerField()
    last_year = serializers.IntegerField()
    planned = ReportResourcesSerializer()
    actual = ReportResourcesSerializer()
    by_year = PeriodYearSerializer(many=True)


class ReportWorkTotalsSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    unit = serializers.CharField()
    quantity = _decimal()
    new = _decimal()
    upgraded = _decimal()
    cost = _decimal()
    entries = serializers.IntegerField()


class ReportModelTotalsSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    area_ha = _decimal()
    funding = _decimal()
    by_stage = serializers.DictField(child=serializers.IntegerField())


class ReportDistrictCountSerializer(UnitSummarySerializer):
    count = serializers.IntegerField()


class ReportTitleTotalsSerializer(serializers.Serializer):
    total = serializers.IntegerField()
    by_district = ReportDistrictCountSerializer(many=True)


class ReportTitlesSerializer(serializers.Serializer):
    model_area = ReportTitleTotalsSerializer()
    model_garden = ReportTitleTotalsSerializer()


class ReportFigureSerializer(serializers.Serializer):
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")
    level = serializers.CharField()
    value = _decimal()
    previous = _decimal(allow_null=True)
    change = _decimal(allow_null=True)


class PlanTargetSerializer(serializers.Serializer):
    kind = NamedChoiceField(Figure.choices, enum_name="ProgrammeFigureEnum")
    level = serializers.CharField()
    district = UnitSummarySerializer(allow_null=True)
    per_district = serializers.BooleanField()
    value = _decimal()
    value_max = _decimal(allow_null=True)


class PlanProgressSerializer(PlanTargetSerializer):
    actual = _decimal(allow_null=True)
    districts_met = serializers.IntegerField(required=False)
    met = serializers.BooleanField(allow_null=True)


class ProvinceReportSerializer(serializers.Serializer):
    province = UnitSummarySerializer()
    structure = serializers.CharField()
    year = serializers.IntegerField(min_value=FIRST_YEAR, max_value=LAST_YEAR)
    resources = ReportResourcesByKindSerializer()
    works = ReportWorkTotalsSerializer(many=True)
    production_models = ReportModelTotalsSerializer()
    hamlet_titles = ReportTitlesSerializer()
    figures = ReportFigureSerializer(many=True)
    plan = PlanProgressSerializer(many=True)
    next_plan = PlanTargetSerializer(many=True)
