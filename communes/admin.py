from django.contrib import admin
from django.db.models import Count

from communes.models import Commune, District, Province, Region
from communes.text import fold


class FoldedSearchMixin:
    """Search by code, or by name with or without diacritics ("bach dang" finds "Bạch Đằng")."""

    search_fields = ["code", "search_key"]
    search_help_text = "Mã hoặc tên, có hoặc không dấu / code or name, with or without diacritics"

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order", "province_count"]
    ordering = ["order"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(province_count=Count("provinces"))

    @admin.display(description="Số tỉnh / provinces", ordering="province_count")
    def province_count(self, obj):
        return obj.province_count


@admin.register(Province)
class ProvinceAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "region", "structure", "valid_from", "valid_to"]
    list_filter = ["structure", "region", "kind"]
    list_select_related = ["region"]
    readonly_fields = ["search_key"]


@admin.register(District)
class DistrictAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    readonly_fields = ["search_key"]


@admin.register(Commune)
class CommuneAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "name", "kind", "district", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province", "district"]
    autocomplete_fields = ["province", "district"]
    readonly_fields = ["search_key"]
