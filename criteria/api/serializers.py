"""Shapes of the criteria API: validate input and render output; services do the writing."""

from decimal import Decimal

import orjson
from django.db.models import TextField, Value
from django.db.models.functions import Cast, Replace
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.access import ANONYMOUS
from communes.api.serializers import UnitSummarySerializer
from communes.models import Structure
from core.api import followed
from core.text import MAX_TEXT
from criteria.models import (
    Assessment,
    CriteriaSet,
    Criterion,
    Edition,
    Indicator,
    Level,
    Measure,
    Recognition,
    Target,
    Threshold,
    WorkflowStep,
)


def as_number(value):
    """A stored Decimal as a JSON number (4 decimals at most, so a float keeps it exactly
    enough for display); booleans and None pass through."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class MeasureValueField(serializers.JSONField):
    """A measure's value: a JSON number, true/false, or null."""

    def to_representation(self, value):
        return as_number(value)


# --- criteria sets --------------------------------------------------------------------------


class ThresholdSerializer(serializers.ModelSerializer):
    province = serializers.CharField(source="province.code", allow_null=True, default=None)
    value = serializers.SerializerMethodField()
    relative_to = serializers.SerializerMethodField()

    class Meta:
        model = Threshold
        fields = [
            "scope",
            "class_value",
            "province",
            "value",
            "relative_to",
            "factor",
            "first_year",
            "last_year",
            "source",
            "verified",
            "demo",
        ]

    def get_value(self, obj) -> float | None:
        return as_number(obj.value)

    def get_relative_to(self, obj) -> dict | None:
        if obj.relative_to is None:
            return None
        return {"level": obj.relative_to.criterion.level.code, "indicator": obj.relative_to.code}


class IndicatorSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code")
    thresholds = ThresholdSerializer(many=True)

    class Meta:
        model = Indicator
        fields = ["code", "name_vi", "name_en", "measure", "comparison", "source", "verified"]
        fields += ["thresholds"]


class CriterionSerializer(serializers.ModelSerializer):
    requires_level = serializers.CharField(
        source="requires_level.code", allow_null=True, default=None
    )
    indicators = IndicatorSerializer(many=True)

    class Meta:
        model = Criterion
        fields = ["number", "name_vi", "name_en", "group", "source", "requires_level"]
        fields += ["indicators"]


class LevelSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Level
        fields = ["code", "rank", "name_vi", "name_en", "pilot"]


class LevelSerializer(LevelSummarySerializer):
    criteria = CriterionSerializer(many=True)

    class Meta(LevelSummarySerializer.Meta):
        fields = [*LevelSummarySerializer.Meta.fields, "legal_basis", "criteria"]


class MeasureSerializer(serializers.ModelSerializer):
    class Meta:
        model = Measure
        fields = [
            "code",
            "name_vi",
            "name_en",
            "unit",
            "value_type",
            "allows_not_applicable",
            "source",
            "derived_from",
            "description_vi",
            "description_en",
        ]


class EditionSummarySerializer(serializers.ModelSerializer):
    """The edition a set's rules stand at: when it changed, by which decision."""

    class Meta:
        model = Edition
        fields = ["number", "title", "decision_number", "decision_date", "published_at"]


class CriteriaSetSerializer(serializers.ModelSerializer):
    levels = LevelSummarySerializer(many=True)
    edition = serializers.SerializerMethodField(
        help_text="The newest published edition (null before the first): a client that "
        "kept results computed under an older number knows they may have changed."
    )

    class Meta:
        model = CriteriaSet
        fields = [
            "code",
            "name_vi",
            "name_en",
            "legal_basis",
            "first_year",
            "last_year",
            "classification",
            "levels",
            "edition",
        ]

    @extend_schema_field(EditionSummarySerializer(allow_null=True))
    def get_edition(self, obj) -> dict | None:
        # The view hands the newest first: a list prefetched newest first, at most one long.
        newest = obj.newest_editions[0] if obj.newest_editions else None
        return EditionSummarySerializer(newest).data if newest else None


class CriteriaSetDetailSerializer(CriteriaSetSerializer):
    levels = LevelSerializer(many=True, source="levels_with_rules")
    measures = MeasureSerializer(many=True)
    editions_in_force = serializers.DictField(
        child=serializers.IntegerField(),
        help_text="Per year of the set's period, the number of the edition its results are "
        "scored under (a year no published edition covers is absent).",
    )

    class Meta(CriteriaSetSerializer.Meta):
        fields = [*CriteriaSetSerializer.Meta.fields, "editions_in_force", "notes", "measures"]


# --- assessments ----------------------------------------------------------------------------


class AssessmentSerializer(serializers.ModelSerializer):
    commune = UnitSummarySerializer()
    province = UnitSummarySerializer(source="commune.province")
    district = UnitSummarySerializer(source="commune.district", allow_null=True)
    criteria_set = serializers.CharField(source="criteria_set.code")
    criteria_met_by_level = serializers.DictField(
        child=serializers.ListField(child=serializers.IntegerField()),
        help_text="Per level code: [criteria met, criteria in the level].",
    )
    edition = serializers.IntegerField(
        source="edition.number",
        allow_null=True,
        default=None,
        help_text="The number of the criteria set's edition the stored result was scored with.",
    )

    class Meta:
        model = Assessment
        fields = [
            "id",
            "commune",
            "province",
            "district",
            "year",
            "criteria_set",
            "status",
            "version",
            "level",
            "criteria_met",
            "criteria_met_by_level",
            "complete",
            "uses_unverified",
            "class_value",
            "edition",
            "scored_at",
            "updated_at",
        ]


# What a page of the list reads: plain rows, no model instances (500 rows built as instances
# and serialised field by field cost 70 ms against a 5 ms read; assessment_rows writes them).
# Each declared field is read as its own column but those of related rows.
_JOINED_READS = {
    "commune": ("commune__code", "commune__name"),
    "province": ("commune__province__code", "commune__province__name"),
    "district": ("commune__district_id", "commune__district__code", "commune__district__name"),
    "criteria_set": ("criteria_set__code",),
    "edition": ("edition__number",),
}
ASSESSMENT_ROW_FIELDS = tuple(
    read for name in AssessmentSerializer.Meta.fields for read in _JOINED_READS.get(name, (name,))
)


# The list reads the counts per level as the JSON text stored, spaces dropped (level codes are
# slugs, the counts integers), and writes that text into the page as it is (orjson.Fragment,
# core.renderers.written): decoded row by row, twice over (by the driver, then by the field),
# they were a quarter of a 500-row page's read.
_MET_TEXT = "criteria_met_by_level_text"


def assessment_list_values(queryset):
    """The rows assessment_rows writes for a page of the list (written by orjson alone)."""
    reads = [read for read in ASSESSMENT_ROW_FIELDS if read != "criteria_met_by_level"]
    stored = Cast("criteria_met_by_level", TextField())
    text = Replace(stored, Value(" "), Value(""), output_field=TextField())
    return queryset.values(*reads, **{_MET_TEXT: text})


def _met_by_level(row: dict):
    text = row.get(_MET_TEXT)
    return row["criteria_met_by_level"] if text is None else orjson.Fragment(text)


def assessment_rows(rows) -> list[dict]:
    """AssessmentSerializer's data for rows read with ASSESSMENT_ROW_FIELDS, written in plain
    code (a test compares it with the declared fields' serialisation)."""
    moment = _moment_writer()
    return [
        {
            "id": row["id"],
            "commune": {"code": row["commune__code"], "name": row["commune__name"]},
            "province": {
                "code": row["commune__province__code"],
                "name": row["commune__province__name"],
            },
            "district": None
            if row["commune__district_id"] is None
            else {"code": row["commune__district__code"], "name": row["commune__district__name"]},
            "year": row["year"],
            "criteria_set": row["criteria_set__code"],
            "status": row["status"],
            "version": row["version"],
            "level": row["level"],
            "criteria_met": row["criteria_met"],
            # Stored by the scoring as {level code: [met, total]}, integers: written as read.
            "criteria_met_by_level": _met_by_level(row),
            "complete": row["complete"],
            "uses_unverified": row["uses_unverified"],
            "class_value": row["class_value"],
            "edition": row["edition__number"],
            "scored_at": moment(row["scored_at"]),
            "updated_at": moment(row["updated_at"]),
        }
        for row in rows
    ]


def _moment_writer():
    """DateTimeField's output (in the current time zone, UTC written Z) without its per-value
    time zone lookups: the zone is asked once per page, and each moment written once (a bulk
    import or rescoring stamps thousands of rows with one moment)."""
    zone = _DATETIME.default_timezone()
    written: dict = {}

    def write(value):
        if value is None:
            return None
        text = written.get(value)
        if text is None:
            text = (value.astimezone(zone) if zone is not None else value).isoformat()
            text = written[value] = text[:-6] + "Z" if text.endswith("+00:00") else text
        return text

    return write


class ValueSerializer(serializers.Serializer):
    """One entered value (selectors.values_by_measure's dict), its data written in plain code
    as ResultSerializer's is (tests compare it with the declared fields')."""

    value = MeasureValueField(allow_null=True, help_text="A number, true/false, or null.")
    not_applicable = serializers.BooleanField()
    note = serializers.CharField(allow_blank=True)
    evidence_url = serializers.CharField(allow_blank=True)
    updated_at = serializers.DateTimeField()

    def to_representation(self, instance):
        return value_data(instance)


_DATETIME = serializers.DateTimeField()  # its output format and time zone, for value_data


def value_data(row: dict) -> dict:
    def text(value):
        return None if value is None else str(value)

    updated_at = row["updated_at"]
    return {
        "value": None if row["value"] is None else as_number(row["value"]),
        "not_applicable": None if row["not_applicable"] is None else bool(row["not_applicable"]),
        "note": text(row["note"]),
        "evidence_url": text(row["evidence_url"]),
        "updated_at": None if updated_at is None else _DATETIME.to_representation(updated_at),
    }


class ResolvedThresholdSerializer(serializers.Serializer):
    value = serializers.FloatField()
    scope = serializers.CharField()
    scope_value = serializers.CharField()
    verified = serializers.BooleanField()
    source = serializers.CharField()
    relative_to = serializers.ListField(child=serializers.CharField(), allow_null=True)
    factor = serializers.FloatField(allow_null=True)


class IndicatorResultSerializer(serializers.Serializer):
    level = serializers.CharField()
    criterion = serializers.CharField()
    code = serializers.CharField()
    measure = serializers.CharField()
    comparison = serializers.CharField()
    outcome = serializers.ChoiceField(
        choices=["pass", "fail", "missing", "not_applicable", "not_configured"]
    )
    value = MeasureValueField(allow_null=True)
    threshold = ResolvedThresholdSerializer(allow_null=True)
    note = serializers.CharField(allow_blank=True)
    problem = serializers.CharField(
        allow_blank=True,
        help_text="Why the threshold could not be applied (e.g. relative thresholds in a "
        "cycle); the indicator is then not configured. Empty when the rules are sound.",
    )


class CriterionResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    status = serializers.ChoiceField(choices=["met", "not_met", "incomplete"])
    indicators = IndicatorResultSerializer(many=True)


class LevelResultSerializer(serializers.Serializer):
    code = serializers.CharField()
    rank = serializers.IntegerField()
    met = serializers.BooleanField()
    complete = serializers.BooleanField()
    criteria_met = serializers.IntegerField()
    criteria_total = serializers.IntegerField()
    uses_unverified = serializers.BooleanField()
    criteria = CriterionResultSerializer(many=True)


class ResultSerializer(serializers.Serializer):
    """The breakdown's shape is declared by these fields (and the schema read from them);
    the data is written by result_data, the same shape in plain code: the generic nested
    serialisation of a hundred indicators cost more than scoring them."""

    level = serializers.CharField()
    next_level = serializers.CharField(allow_null=True)
    uses_unverified = serializers.BooleanField()
    levels = LevelResultSerializer(many=True)
    gap = IndicatorResultSerializer(
        many=True, help_text="Indicators of the next level that did not pass, with why."
    )

    def to_representation(self, instance):
        return result_data(instance)


def result_data(result) -> dict:
    """A scoring.AssessmentResult as ResultSerializer's fields give it (tests compare the
    two)."""
    return {
        "level": str(result.level),
        "next_level": None if result.next_level is None else str(result.next_level),
        "uses_unverified": bool(result.uses_unverified),
        "levels": [_level_data(level) for level in result.levels],
        "gap": [_indicator_data(indicator) for indicator in result.gap],
    }


def _level_data(level) -> dict:
    return {
        "code": str(level.code),
        "rank": int(level.rank),
        "met": bool(level.met),
        "complete": bool(level.complete),
        "criteria_met": int(level.criteria_met),
        "criteria_total": int(level.criteria_total),
        "uses_unverified": bool(level.uses_unverified),
        "criteria": [
            {
                "code": str(criterion.code),
                "status": str(criterion.status),
                "indicators": [_indicator_data(i) for i in criterion.indicators],
            }
            for criterion in level.criteria
        ],
    }


def _indicator_data(indicator) -> dict:
    return {
        "level": str(indicator.level),
        "criterion": str(indicator.criterion),
        "code": str(indicator.code),
        "measure": str(indicator.measure),
        "comparison": str(indicator.comparison),
        "outcome": str(indicator.outcome),
        "value": None if indicator.value is None else as_number(indicator.value),
        "threshold": _threshold_data(indicator.threshold),
        "note": str(indicator.note),
        "problem": str(indicator.problem),
    }


def _threshold_data(threshold) -> dict | None:
    if threshold is None:
        return None
    relative_to = threshold.relative_to
    return {
        "value": float(threshold.value),
        "scope": str(threshold.scope),
        "scope_value": str(threshold.scope_value),
        "verified": bool(threshold.verified),
        "source": str(threshold.source),
        "relative_to": None if relative_to is None else [str(part) for part in relative_to],
        "factor": None if threshold.factor is None else float(threshold.factor),
    }


STAFF_ONLY = (
    " Shown to the staff of the assessment's province and national users only; null for "
    "everyone else (anonymous visitors, users of other provinces)."
)


class StepSerializer(serializers.ModelSerializer):
    """One workflow step. Who took it and the comment are internal to the province's staff
    (accounts.access.Access.sees_staff_details, read from the ``access`` in the context;
    without one, the public view)."""

    user = serializers.CharField(
        source="user.username",
        allow_null=True,
        default=None,
        help_text="Username of who took the step (null for a step no one took, e.g. a "
        "re-judgement)." + STAFF_ONLY,
    )
    comment = serializers.CharField(
        allow_null=True, help_text="The comment given with the step." + STAFF_ONLY
    )

    class Meta:
        model = WorkflowStep
        fields = ["action", "from_status", "to_status", "comment", "user", "at"]

    def to_representation(self, step):
        data = super().to_representation(step)
        access = self.context.get("access", ANONYMOUS)
        # step.assessment is the instance the steps were read from: no query.
        if not access.sees_staff_details(step.assessment.commune.province_id):
            data["user"] = data["comment"] = None
        return data


class ResultBasisSerializer(serializers.Serializer):
    stored_edition = serializers.IntegerField(
        allow_null=True, help_text="The edition the stored level and counts were scored with."
    )
    edition_in_force = serializers.IntegerField(
        allow_null=True, help_text="The edition in force for the assessment's year now."
    )
    breakdown = serializers.CharField(
        help_text='"live": `result` is scored from the current values under the rules in '
        'force; "edition N (approved under it)": an approved assessment keeps the rules of '
        "the edition it was approved under, and `result` is scored under those."
    )
    rejudge_pending = serializers.BooleanField(
        help_text="Approved under an older edition than the one in force: its result stands "
        "until the national office re-judges the year (POST /api/v1/editions/rejudge/)."
    )


class AssessmentDetailSerializer(AssessmentSerializer):
    values = serializers.DictField(
        source="values_by_measure", child=ValueSerializer(), help_text="Entered values by measure."
    )
    result = ResultSerializer(
        help_text="The scoring breakdown from the current values (live; under the edition it "
        "was approved under for an approved assessment a later edition has overtaken: see "
        "result_basis). The top-level level and counts are the stored result."
    )
    result_basis = ResultBasisSerializer(help_text="Which result is which.")
    steps = StepSerializer(
        source="step_list",
        many=True,
        help_text="The workflow so far, oldest first: action, from and to status and date for "
        "everyone; `user` and `comment` for the staff of the province and national users only "
        "(null for the public).",
    )

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "values", "result", "result_basis", "steps"]

    def to_representation(self, instance):
        return assessment_detail_data(instance, self.context)


def assessment_detail_data(assessment, context: dict) -> dict:
    """AssessmentDetailSerializer's data for an assessment loaded as the list loads it, with
    what selectors.with_details attaches and its result_basis, written in plain code (a test
    compares it with the declared fields' serialisation): building a model serializer's
    fields on every read cost more than the assessment's read."""
    row = {read: followed(assessment, read) for read in ASSESSMENT_ROW_FIELDS}
    return assessment_rows([row])[0] | {
        "values": {
            str(code): value_data(shown) for code, shown in assessment.values_by_measure.items()
        },
        "result": result_data(assessment.result),
        "result_basis": dict(assessment.result_basis),  # plain values (views._result_basis)
        "steps": step_rows(assessment, context.get("access", ANONYMOUS)),
    }


def step_rows(assessment, access) -> list[dict]:
    """StepSerializer's data for the assessment's step_list (its steps, oldest first), in plain
    code: who took a step and its comment for the province's staff alone."""
    moment = _moment_writer()
    staff = access.sees_staff_details(assessment.commune.province_id)
    return [
        {
            "action": step.action,
            "from_status": step.from_status,
            "to_status": step.to_status,
            "comment": step.comment if staff else None,
            "user": (step.user.username if step.user_id else None) if staff else None,
            "at": moment(step.at),
        }
        for step in assessment.step_list
    ]


class AssessmentCreateSerializer(serializers.Serializer):
    commune = serializers.RegexField(r"^[0-9]{5}$", help_text="Commune code (5 digits).")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    structure = serializers.ChoiceField(
        choices=Structure.choices,
        required=False,
        help_text="Map of the commune code (default: the one in force on 1 January of the year).",
    )


class AssessmentValuesSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1, help_text="The version you read; a stale one gets 409."
    )
    values = serializers.DictField(
        child=serializers.JSONField(allow_null=True),
        allow_empty=False,
        help_text=(
            'By measure code: a number, true/false, null to clear, {"value": ..., "note": ...} '
            'or {"not_applicable": true, "note": "..."}.'
        ),
    )


class StepInputSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        help_text="The version you read: the step is taken on what you saw; a stale one gets "
        "409 with `current_version`.",
    )
    comment = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )


# --- recognitions and targets ---------------------------------------------------------------


class RecognitionSerializer(serializers.ModelSerializer):
    commune = UnitSummarySerializer(allow_null=True)
    district = UnitSummarySerializer(allow_null=True)
    province = serializers.SerializerMethodField()
    level = serializers.CharField(source="level.code")
    criteria_set = serializers.CharField(source="level.criteria_set.code")

    class Meta:
        model = Recognition
        fields = [
            "id",
            "commune",
            "district",
            "province",
            "level",
            "criteria_set",
            "title_year",
            "decision_number",
            "decision_date",
            "issuer",
            "revoked_date",
            "revoked_reason",
            "revoked_decision",
        ]

    def get_province(self, obj) -> dict:
        unit = obj.commune or obj.district
        return {"code": unit.province.code, "name": unit.province.name}


class RecognitionCreateSerializer(serializers.Serializer):
    commune = serializers.RegexField(r"^[0-9]{5}$", required=False, help_text="Commune code.")
    district = serializers.RegexField(r"^[0-9]{3}$", required=False, help_text="District code.")
    structure = serializers.ChoiceField(choices=Structure.choices, required=False)
    level = serializers.SlugField(help_text="Level code of the set in force in the title year.")
    title_year = serializers.IntegerField(min_value=2000, max_value=2100)
    decision_number = serializers.CharField(max_length=50)
    decision_date = serializers.DateField()
    issuer = serializers.CharField(max_length=200)


class RevocationSerializer(serializers.Serializer):
    revoked_date = serializers.DateField()
    reason = serializers.CharField(max_length=MAX_TEXT)
    decision = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")


class TargetSerializer(serializers.ModelSerializer):
    province = UnitSummarySerializer()
    district = UnitSummarySerializer(allow_null=True)
    level = serializers.CharField(source="level.code")

    class Meta:
        model = Target
        fields = ["id", "province", "district", "year", "level", "count", "percent", "source"]


class TargetInputSerializer(serializers.Serializer):
    province = serializers.RegexField(r"^[0-9]{2}$")
    district = serializers.RegexField(r"^[0-9]{3}$", required=False, allow_null=True)
    structure = serializers.ChoiceField(choices=Structure.choices, required=False)
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    level = serializers.SlugField()
    count = serializers.IntegerField(min_value=0, required=False, allow_null=True)
    percent = serializers.DecimalField(
        max_digits=5, decimal_places=2, min_value=0, max_value=100, required=False, allow_null=True
    )
    source = serializers.CharField(
        required=False, allow_blank=True, default="", max_length=MAX_TEXT
    )

    def validate(self, attrs):
        if (attrs.get("count") is None) == (attrs.get("percent") is None):
            raise serializers.ValidationError(
                {"count": [_("Give either a count of communes or a percentage, not both.")]}
            )
        return attrs
