"""The statistics endpoints' query parameters and response bodies (shape only: the figures
come from stats.selectors)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communes.api.serializers import UnitSummarySerializer
from communes.models import Structure
from programme.api.serializers import ProvinceReportSerializer
from stats.annual import SOURCES


def _level_counts(help_text, **kwargs) -> serializers.DictField:
    return serializers.DictField(child=serializers.IntegerField(), help_text=help_text, **kwargs)


class StatsQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text=_("The year counted (2000 to 2100); a criteria set must be in force in it."),
    )
    structure = serializers.ChoiceField(
        choices=Structure.choices,
        required=False,
        help_text=_(
            "Administrative map to count on. Default: the one valid on 1 January of the year "
            "(2021 for 2021-2025, 2025 from 2026), on which that year's assessments were made."
        ),
    )


class StatsAtLeastSerializer(serializers.Serializer):
    computed = _level_counts(_("Assessed communes whose computed level is this one or higher."))
    recognized = _level_counts(_("Communes recognised at this level or higher."))


def _percentages(help_text) -> serializers.DictField:
    return serializers.DictField(child=serializers.FloatField(allow_null=True), help_text=help_text)


class StatsSharesSerializer(serializers.Serializer):
    computed = _percentages(
        _(
            "`at_least.computed` as a percentage of `communes_total` (the unit's rural "
            "communes, assessed or not), to one decimal; null when the unit has no commune."
        )
    )
    recognized = _percentages(
        _("`at_least.recognized` as a percentage of `communes_total`, to one decimal.")
    )


class StatsTargetSerializer(serializers.Serializer):
    year = serializers.IntegerField(help_text=_("The year the target is to be reached by."))
    level = serializers.CharField(help_text=_("Code of a level of the criteria set in force."))
    target = serializers.IntegerField(
        help_text=_(
            "Number of communes; a target given as a percentage is turned into a number of "
            "`communes_total`, rounded up."
        )
    )
    target_percent = serializers.DecimalField(
        max_digits=5,
        decimal_places=2,
        coerce_to_string=False,
        allow_null=True,
        help_text=_("The percentage as given; null when the target was given as a number."),
    )
    actual = serializers.IntegerField(
        help_text=_(
            "Communes recognised at the target's level or higher on 31 December of the "
            "requested year (not of the target's year)."
        )
    )


class OcopStatsSerializer(serializers.Serializer):
    """OCOP products of the unit's communes (of any kind) on the report's day: 31 December of
    the year, or today while that is to come."""

    products = serializers.IntegerField(
        help_text=_("Products holding a certified rating (3 stars or more) in force that day.")
    )
    by_stars = _level_counts(_("Those products by stars: keys 3, 4 and 5."))
    by_group = _level_counts(
        _("Those products by OCOP group (food, drinks, herbs, crafts, plants, tourism).")
    )
    producers = serializers.IntegerField(help_text=_("Distinct producers of those products."))
    expiring_90_days = serializers.IntegerField(
        help_text=_(
            "Those of them whose rating expires within 90 days of that day (to re-evaluate)."
        )
    )


class StatsBlockSerializer(serializers.Serializer):
    """The figures of one unit: the country, a province or a district."""

    unit = UnitSummarySerializer(help_text=_("The unit counted; the country is `VN`."))
    communes_total = serializers.IntegerField(
        help_text=_("Rural communes (xã) of the unit that exist in the year.")
    )
    assessed = serializers.IntegerField(
        help_text=_("Communes with an approved assessment of the year (drafts never count).")
    )
    computed = _level_counts(
        _(
            "Assessed communes by the level their approved assessment computed; `none`: "
            "assessed but no level met. Keys: `none` and the levels of the set in force."
        )
    )
    recognized = _level_counts(
        _(
            "Communes by their highest recognition in force on 31 December (decided by then, "
            "title year not later, not revoked by then); `none`: the other communes."
        )
    )
    at_least = StatsAtLeastSerializer()
    shares = StatsSharesSerializer()
    avg_criteria_met = serializers.FloatField(
        allow_null=True,
        help_text=_(
            "Mean number of criteria met at the first level over approved assessments, to 2 "
            "decimals; null when none was assessed. Its denominator is "
            "`avg_criteria_met_over`."
        ),
    )
    avg_criteria_met_over = serializers.IntegerField(
        source="assessed",
        help_text=_(
            "How many communes the average is over: those with an approved assessment "
            "(`assessed`), not every rural commune."
        ),
    )
    criteria_met_histogram = _level_counts(
        _(
            "Approved assessments by the number of criteria they meet at the first level "
            "(keys: that number; only numbers that occur)."
        )
    )
    districts_total = serializers.IntegerField(
        allow_null=True,
        help_text=_("Districts of the unit that exist in the year; null for a district."),
    )
    districts_recognized = _level_counts(
        _(
            "Districts by their highest recognition in force on 31 December, by level; null "
            "for a district."
        ),
        allow_null=True,
    )
    targets = StatsTargetSerializer(
        many=True,
        help_text=_(
            "The unit's targets on the ladder in force (a province's own, not its districts'; "
            "empty for the country), by year and level."
        ),
    )
    ocop = OcopStatsSerializer(help_text=_("Certified OCOP products of the unit."))


class _StatsHeaderSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    criteria_set = serializers.CharField(help_text=_("Code of the criteria set in force."))
    structure = serializers.ChoiceField(
        choices=Structure.choices, help_text=_("The administrative map counted on.")
    )
    basis = serializers.ChoiceField(
        choices=[("units", "units"), ("predecessors", "predecessors")],
        help_text=_(
            "units: the units of the map, as assessed that year. predecessors: the year was "
            "assessed on an earlier map; each unit's figures are those of the old communes "
            "that went into it (lineage of 1 July 2025), each old commune counted once."
        ),
    )


class CriterionDifficultySerializer(serializers.Serializer):
    level = serializers.CharField(help_text=_("Code of the criterion's level."))
    number = serializers.CharField(help_text=_("The criterion's number in its level."))
    name_vi = serializers.CharField()
    name_en = serializers.CharField()
    met = serializers.IntegerField(help_text=_("Approved assessments meeting it."))
    not_met = serializers.IntegerField(help_text=_("Approved assessments failing it."))
    incomplete = serializers.IntegerField(
        help_text=_("Approved assessments that cannot say (a value missing).")
    )
    not_met_share = serializers.FloatField(
        allow_null=True,
        help_text=_("`not_met` as a percentage of the three, to one decimal."),
    )


class StatsSerializer(_StatsHeaderSerializer, StatsBlockSerializer):
    """A province's or a district's statistics for a year."""

    criteria_difficulty = CriterionDifficultySerializer(
        many=True,
        help_text=_(
            "Every criterion of the set in force with how the unit's approved assessments "
            "fared on it, the most failed first: which criteria hold communes back."
        ),
    )


class ProvinceStatsSerializer(StatsSerializer):
    """A province's statistics for a year, with one row per district."""

    districts = StatsBlockSerializer(
        many=True,
        help_text=_(
            "One row per district of the province, ordered by code, with the district's own "
            "targets; empty on the map without districts (since 1 July 2025)."
        ),
    )


class NationalStatsSerializer(StatsSerializer):
    """The country's statistics for a year, with one row per province."""

    provinces = StatsBlockSerializer(
        many=True, help_text=_("One row per province of the structure, ordered by code.")
    )


class TrendQuerySerializer(serializers.Serializer):
    first_year = serializers.IntegerField(min_value=2000, max_value=2100)
    last_year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text=_("At most 15 years from first_year; each year needs a criteria set."),
    )
    province = serializers.RegexField(
        r"^[0-9]{2}$",
        required=False,
        help_text=_(
            "A province's code on the map of last_year; its earlier years are read through "
            "its predecessors. Without it: the country."
        ),
    )


class TrendYearSerializer(_StatsHeaderSerializer):
    communes_total = serializers.IntegerField()
    assessed = serializers.IntegerField()
    at_least = StatsAtLeastSerializer()
    shares = StatsSharesSerializer()
    avg_criteria_met = serializers.FloatField(allow_null=True)
    avg_criteria_met_over = serializers.IntegerField(source="assessed")


class TrendSerializer(serializers.Serializer):
    unit = UnitSummarySerializer(help_text=_("The country (`VN`) or the province."))
    years = TrendYearSerializer(many=True)


class ProgressQuerySerializer(serializers.Serializer):
    year = serializers.IntegerField(
        min_value=2000,
        max_value=2100,
        help_text=_("The year whose data entry is followed; a criteria set must be in force."),
    )


class EntryProgressSerializer(serializers.Serializer):
    unit = UnitSummarySerializer()
    communes_total = serializers.IntegerField(
        help_text=_("Rural communes of the province on the map the year is entered on.")
    )
    entered = serializers.IntegerField(help_text=_("Communes with an assessment of the year."))
    not_started = serializers.IntegerField(help_text=_("Communes without one yet."))
    by_status = _level_counts(
        _("Assessments by status: draft, submitted, returned, approved (drafts included).")
    )
    closed_at = serializers.DateTimeField(
        allow_null=True,
        help_text=_("When the province closed the year (its reporting deadline); null: open."),
    )


class ProgressSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    criteria_set = serializers.CharField()
    structure = serializers.ChoiceField(choices=Structure.choices)
    provinces = EntryProgressSerializer(many=True)


# --- the annual report's figures (stats.annual), GET .../annual-report.json --------------------


def _number(**options):
    return serializers.DecimalField(
        max_digits=20, decimal_places=3, coerce_to_string=False, **options
    )


class AnnualFigureSerializer(serializers.Serializer):
    value = _number(allow_null=True)
    source = serializers.ChoiceField(
        SOURCES,
        allow_null=True,
        help_text="portal: counted from the communes' records; reported: the province's figure.",
    )
    previous = _number(allow_null=True, help_text="The previous year's value.")
    previous_source = serializers.ChoiceField(SOURCES, allow_null=True)
    change = _number(allow_null=True)


class AnnualLevelSerializer(serializers.Serializer):
    code = serializers.CharField()
    phrase = serializers.CharField(help_text="The level's name as it follows “xã”.")
    held = AnnualFigureSerializer(help_text="Communes at this level or higher on 31 December.")
    recognised = AnnualFigureSerializer(help_text="Communes recognised at it in the year.")
    share = serializers.FloatField(allow_null=True, help_text="Of the rural communes, percent.")


class AnnualDecisionSerializer(serializers.Serializer):
    commune = serializers.CharField(source="commune.code")
    commune_name = serializers.CharField(source="commune.name")
    level = serializers.CharField(source="level.code")
    decision_number = serializers.CharField()
    decision_date = serializers.DateField()
    issuer = serializers.CharField()


class AnnualReportedFigureSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    year = serializers.IntegerField()
    kind = serializers.CharField()
    level = serializers.CharField()
    value = _number()


class AnnualReportSerializer(serializers.Serializer):
    province = UnitSummarySerializer()
    year = serializers.IntegerField()
    criteria_set = serializers.CharField(source="ladder.criteria_set.code")
    counted = serializers.BooleanField(
        help_text="Whether the portal holds the province's communes for the year (else the "
        "communes' figures are the province's reported ones)."
    )
    communes_total = serializers.IntegerField(source="stats.communes_total")
    assessed = serializers.IntegerField(source="stats.assessed")
    levels = AnnualLevelSerializer(many=True)
    average = AnnualFigureSerializer(help_text="Average criteria met per commune.")
    ocop_products = serializers.IntegerField(source="stats.ocop.products")
    ocop_by_stars = serializers.DictField(
        child=serializers.IntegerField(), source="stats.ocop.by_stars"
    )
    decisions = AnnualDecisionSerializer(many=True, help_text="Recognitions decided in the year.")
    figures_used = AnnualReportedFigureSerializer(
        many=True, help_text="The province's reported figures the report uses."
    )
    programme = ProvinceReportSerializer(
        help_text="Resources, works, models, hamlet titles, figures and plans, as "
        "/api/v1/programme/stats/provinces/{code}/ gives them."
    )
