from rest_framework import serializers

from communes.models import Commune, District, Province, Region


class RegionSummarySerializer(serializers.ModelSerializer):
    class Meta:
        model = Region
        fields = ["code", "name_vi", "name_en"]


class UnitSummarySerializer(serializers.Serializer):
    """A parent unit as nested in its children: code and name."""

    code = serializers.CharField()
    name = serializers.CharField()


class ProvinceSerializer(serializers.ModelSerializer):
    region = RegionSummarySerializer(allow_null=True)

    class Meta:
        model = Province
        fields = ["code", "name", "kind", "structure", "region", "valid_from", "valid_to"]


class DistrictSerializer(serializers.ModelSerializer):
    province = UnitSummarySerializer()

    class Meta:
        model = District
        fields = ["code", "name", "kind", "structure", "province", "valid_from", "valid_to"]


class CommuneSerializer(serializers.ModelSerializer):
    province = UnitSummarySerializer()
    district = UnitSummarySerializer(allow_null=True)
    region = RegionSummarySerializer(source="province.region", allow_null=True)
    is_rural = serializers.BooleanField(
        source="rural_today", help_text="A rural commune (xã) today, its kind changes included."
    )

    class Meta:
        model = Commune
        fields = [
            "code",
            "name",
            "kind",
            "is_rural",
            "structure",
            "province",
            "district",
            "region",
            "valid_from",
            "valid_to",
        ]
