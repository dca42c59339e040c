"""Shapes of the OCOP API: validate input and render output. Stars, validity and every other
rule are ocop.services' and ocop.rating's; these only check types and shapes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from communes.api.serializers import UnitSummarySerializer
from communes.models import Structure
from core.api import followed, iso_date
from core.schema import NamedChoiceField
from core.text import MAX_TEXT
from ocop import rating
from ocop.filters import MAX_ID, MOST_STARS
from ocop.models import Evaluation, Producer, Product


def _kind(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(Producer.Kind.choices, enum_name="ProducerKindEnum", **kwargs)


def _group(**kwargs) -> NamedChoiceField:
    return NamedChoiceField(Product.Group.choices, enum_name="ProductGroupEnum", **kwargs)


RATING_STATUSES = [status.value for status in rating.Status]


def _decimal(max_digits: int | None, **kwargs) -> serializers.DecimalField:
    """A score or part as a JSON number. Input (max_digits None) is not rounded here: the
    service refuses more than two decimals, and reports sums as they were given."""
    decimal_places = None if max_digits is None else 2
    return serializers.DecimalField(
        max_digits=max_digits, decimal_places=decimal_places, coerce_to_string=False, **kwargs
    )


SCORE_RANGE = {"min_value": rating.MIN_SCORE, "max_value": rating.MAX_SCORE}
# The widest range of each part over the schemes; the service checks the decision date's.
PART_RANGE = [
    {"min_value": 0, "max_value": max(scheme.maxima[index] for scheme in rating.SCORE_SCHEMES)}
    for index in range(3)
]


def _part(index: int, name: str) -> serializers.DecimalField:
    """A part of the score; its maximum depends on the scheme in force on the decision date."""
    maxima = "; ".join(
        f"{scheme.maxima[index]} under {scheme.source}" for scheme in reversed(rating.SCORE_SCHEMES)
    )
    help_text = f"{name}: from 0 to {maxima}. Give all three parts or none; they add up to score."
    return _decimal(None, required=False, allow_null=True, help_text=help_text, **PART_RANGE[index])


STRUCTURE_HELP = _("Map of the commune code (default: the newest loaded).")


# --- output -----------------------------------------------------------------------------------


class PlaceMixin(serializers.Serializer):
    """Where a producer or a product is: its commune, district (null on the 2025 map) and
    province, and the map of their codes."""

    commune = UnitSummarySerializer()
    district = UnitSummarySerializer(source="commune.district", allow_null=True)
    province = UnitSummarySerializer(source="commune.province")
    structure = serializers.ChoiceField(source="commune.structure", choices=Structure.choices)


class ProducerSummarySerializer(serializers.ModelSerializer):
    kind = _kind()

    class Meta:
        model = Producer
        fields = ["id", "name", "kind"]


class ProducerSerializer(PlaceMixin, serializers.ModelSerializer):
    """An OCOP producer (chủ thể) and where it is."""

    kind = _kind()
    tax_code = serializers.SerializerMethodField(
        help_text=_(
            "Shown to the staff of the producer's province and national users only (a household "
            "business's tax code is its owner's personal identification number); else null."
        )
    )

    class Meta:
        model = Producer
        fields = ["id", "name", "kind", "tax_code", "commune", "district", "province", "structure"]

    def get_tax_code(self, obj) -> str | None:
        access = self.context["access"]
        return obj.tax_code if access.covers(obj.commune.province_id) else None


class RatingSerializer(serializers.Serializer):
    """A selectors.Standing: the product's current evaluation on as_of and where it stands."""

    evaluation = serializers.IntegerField(source="evaluation.pk", help_text=_("Evaluation id."))
    stars = serializers.IntegerField(
        source="evaluation.stars", min_value=rating.LOWEST_STARS, max_value=MOST_STARS
    )
    certified = serializers.BooleanField(
        help_text=_("In force on as_of with 3 stars or more: the product is OCOP-certified.")
    )
    score = _decimal(5, source="evaluation.score", **SCORE_RANGE)
    level = serializers.ChoiceField(source="evaluation.level", choices=Evaluation.Level.choices)
    decision_number = serializers.CharField(source="evaluation.decision_number")
    decision_date = serializers.DateField(source="evaluation.decision_date")
    valid_until = serializers.DateField(
        source="evaluation.valid_until", help_text=_("Last day of validity (36 months).")
    )
    revoked_date = serializers.DateField(source="evaluation.revoked_date", allow_null=True)
    status = NamedChoiceField(
        RATING_STATUSES,
        enum_name="RatingStatusEnum",
        help_text=_("in_force, expired or revoked on as_of."),
    )


class ProductSerializer(PlaceMixin, serializers.ModelSerializer):
    """An OCOP product, its producer, where it is counted, and its rating on as_of. The shape
    is declared by these fields (and the schema read from them); the data is written by
    product_data, the same shape in plain code: the generic nested serialisation of a page of
    500 products cost ten times the page's read."""

    group = _group()
    producer = ProducerSummarySerializer()
    rating = RatingSerializer(
        allow_null=True,
        help_text=_(
            "The current evaluation on as_of (the latest decided by then), in force or not; "
            "null if none was decided by then."
        ),
    )

    class Meta:
        model = Product
        fields = ["id", "name", "group", "sub_group", "description", "active", "producer"]
        fields += ["commune", "district", "province", "structure", "rating"]

    def to_representation(self, instance):
        return product_data(instance)


# What a page of the list reads: plain rows, no model instances (500 products built with their
# producer, commune, district, province and evaluation were 3,000 instances a page).
PRODUCT_ROW_FIELDS = (
    "id",
    "name",
    "group",
    "sub_group",
    "description",
    "active",
    "producer_id",
    "producer__name",
    "producer__kind",
    "commune__code",
    "commune__name",
    "commune__district_id",
    "commune__district__code",
    "commune__district__name",
    "commune__province__code",
    "commune__province__name",
    "commune__structure",
    "current_id",
)


def product_rows(rows, ratings: dict) -> list[dict]:
    """ProductSerializer's data for rows read with PRODUCT_ROW_FIELDS, with their current
    evaluations' standings by id (ocop.selectors.ratings_on), written in plain code."""
    return [_product_data(row, ratings.get(row["current_id"])) for row in rows]


def product_data(product: Product) -> dict:
    """ProductSerializer's data for a product loaded by ocop.selectors.visible_products with
    its rating attached (attach_ratings), by the rows' writer (a test compares the two with
    the declared fields' serialisation)."""
    row = {name: followed(product, name) for name in PRODUCT_ROW_FIELDS}
    return _product_data(row, product.rating)


def _product_data(row: dict, standing) -> dict:
    def unit(prefix: str) -> dict:
        return {"code": str(row[f"{prefix}code"]), "name": str(row[f"{prefix}name"])}

    return {
        "id": row["id"],
        "name": str(row["name"]),
        "group": str(row["group"]),
        "sub_group": str(row["sub_group"]),
        "description": str(row["description"]),
        "active": bool(row["active"]),
        "producer": {
            "id": row["producer_id"],
            "name": str(row["producer__name"]),
            "kind": str(row["producer__kind"]),
        },
        "commune": unit("commune__"),
        "district": None if row["commune__district_id"] is None else unit("commune__district__"),
        "province": unit("commune__province__"),
        "structure": str(row["commune__structure"]),
        "rating": None if standing is None else _rating_data(standing),
    }


def _rating_data(standing) -> dict:
    """RatingSerializer's data for an ocop.selectors.Standing."""
    evaluation = standing.evaluation
    return {
        "evaluation": evaluation.pk,
        "stars": int(evaluation.stars),
        "certified": bool(standing.certified),
        # Stored with two decimals (numeric(5, 2)): the number RatingSerializer writes, without
        # its rounding context per value (a tenth of a 500-product page).
        "score": float(evaluation.score),
        "level": str(evaluation.level),
        "decision_number": str(evaluation.decision_number),
        "decision_date": iso_date(evaluation.decision_date),
        "valid_until": iso_date(evaluation.valid_until),
        "revoked_date": iso_date(evaluation.revoked_date),
        "status": str(standing.status.value),
    }


class ProductSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "name"]


class EvaluationSerializer(serializers.ModelSerializer):
    product = ProductSummarySerializer()
    province = UnitSummarySerializer(source="product.commune.province")
    score = _decimal(5, **SCORE_RANGE)
    part_a = _decimal(4, allow_null=True, **PART_RANGE[0])
    part_b = _decimal(4, allow_null=True, **PART_RANGE[1])
    part_c = _decimal(4, allow_null=True, **PART_RANGE[2])
    stars = serializers.IntegerField(min_value=rating.LOWEST_STARS, max_value=MOST_STARS)
    status = serializers.SerializerMethodField(
        help_text=_(
            "Where this evaluation stands on as_of by its own dates: not_yet, in_force, "
            "expired or revoked. The product's rating is its latest evaluation (see products)."
        )
    )

    class Meta:
        model = Evaluation
        fields = ["id", "product", "province", "score", "part_a", "part_b", "part_c", "level"]
        fields += ["stars", "decision_number", "decision_date", "valid_until", "status"]
        fields += ["revoked_date", "revoked_reason", "revoked_decision"]

    def get_status(self, obj) -> NamedChoiceField(RATING_STATUSES, enum_name="RatingStatusEnum"):
        return rating.status_on(obj.as_rule_data(), self.context["as_of"]).value


# --- input ------------------------------------------------------------------------------------


class ProducerCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=255)
    kind = _kind()
    commune = serializers.RegexField(r"^[0-9]{5}$", help_text=_("Commune code (5 digits)."))
    structure = serializers.ChoiceField(
        choices=Structure.choices, required=False, help_text=STRUCTURE_HELP
    )
    tax_code = serializers.CharField(
        max_length=14,
        required=False,
        allow_blank=True,
        default="",
        help_text=_("10 digits, 10 digits then -NNN for a branch, or 12 digits."),
    )


class ProductInputSerializer(serializers.Serializer):
    """A product's editable fields: all required to create one except the optional ones; any
    of them to change one."""

    name = serializers.CharField(max_length=255)
    group = _group()
    commune = serializers.RegexField(
        r"^[0-9]{5}$",
        required=False,
        help_text=_("Where the product is counted, if not its producer's commune."),
    )
    structure = serializers.ChoiceField(
        choices=Structure.choices, required=False, help_text=STRUCTURE_HELP
    )
    sub_group = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(required=False, allow_blank=True, max_length=MAX_TEXT)
    active = serializers.BooleanField(required=False)

    def validate(self, attrs):
        if "structure" in attrs and "commune" not in attrs:
            raise serializers.ValidationError(
                {"structure": [_("Give the structure with a commune code.")]}
            )
        return attrs


class ProductCreateSerializer(ProductInputSerializer):
    producer = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The producer's id.")
    )


class EvaluationCreateSerializer(serializers.Serializer):
    product = serializers.IntegerField(
        min_value=1, max_value=MAX_ID, help_text=_("The product's id.")
    )
    score = _decimal(None, help_text=_("Out of 100, at most two decimals."), **SCORE_RANGE)
    part_a = _part(0, "Part A")
    part_b = _part(1, "Part B")
    part_c = _part(2, "Part C")
    level = serializers.ChoiceField(
        choices=Evaluation.Level.choices,
        help_text=Evaluation._meta.get_field("level").help_text,
    )
    decision_number = serializers.CharField(max_length=50)
    decision_date = serializers.DateField(help_text=_("Not in the future."))


class RatingRevocationSerializer(serializers.Serializer):
    revoked_date = serializers.DateField(
        help_text=_("From this day the rating is no longer in force; not in the future.")
    )
    reason = serializers.CharField(max_length=MAX_TEXT)
    decision = serializers.CharField(max_length=50, help_text=_("The revoking decision."))
