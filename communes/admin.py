from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, KindChange, Lineage, Province, Region
from communes.text import fold
from core.admin import HistoryAdmin, ReadOnlyMixin


class FoldedSearchMixin:
    """Search by code, or by name with or without diacritics ("bach dang" finds "Bạch Đằng")."""

    search_fields = ["code", "search_key"]
    search_help_text = "Mã hoặc tên, có hoặc không dấu / code or name, with or without diacritics"

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))

    # Sorting by name sorts without "Tỉnh", "Thành phố", "Huyện"... (communes.text.sort_key),
    # as the pages do; the list is by code until a column is chosen, as the API is.
    @admin.display(description=_("name"), ordering="sort_key")
    def unit_name(self, obj):
        return obj.name


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
    list_display = ["code", "unit_name", "kind", "region", "structure", "valid_from", "valid_to"]
    list_filter = ["structure", "region", "kind"]
    list_select_related = ["region"]
    readonly_fields = ["search_key"]


@admin.register(District)
class DistrictAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    readonly_fields = ["search_key"]


@admin.register(Commune)
class CommuneAdmin(FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "district", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province", "district"]
    autocomplete_fields = ["province", "district"]
    readonly_fields = ["search_key", "kind_as_of"]


class CommuneSearchMixin:
    """Search by the commune's code, or its name with or without diacritics."""

    search_help_text = FoldedSearchMixin.search_help_text

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, fold(search_term))


@admin.register(KindChange)
class KindChangeAdmin(ReadOnlyMixin, CommuneSearchMixin, HistoryAdmin):
    """Recorded by communes.services.kind_changes (the national office's API and files)."""

    list_display = ["commune", "code", "structure", "province", "date", "old_kind", "new_kind"]
    list_filter = ["commune__structure", "new_kind", "old_kind"]
    list_select_related = ["commune__province"]
    search_fields = ["commune__code", "commune__search_key", "legal_source"]
    date_hierarchy = "date"

    @admin.display(description=_("code"), ordering="commune__code")
    def code(self, obj):
        return obj.commune.code

    @admin.display(description=_("structure"), ordering="commune__structure")
    def structure(self, obj):
        return obj.commune.structure

    @admin.display(description=_("province"))
    def province(self, obj):
        return obj.commune.province


@admin.register(Lineage)
class LineageAdmin(ReadOnlyMixin, CommuneSearchMixin, admin.ModelAdmin):
    """Loaded from the conversion table by load_lineage."""

    list_display = ["old_code", "old", "how", "new_code", "new", "new_province", "source_row"]
    list_filter = ["how", "new__province"]
    list_select_related = ["old", "new__province"]
    search_fields = ["old__code", "old__search_key", "new__code", "new__search_key"]

    @admin.display(description=_("old code"), ordering="old__code")
    def old_code(self, obj):
        return obj.old.code

    @admin.display(description=_("new code"), ordering="new__code")
    def new_code(self, obj):
        return obj.new.code

    @admin.display(description=_("province"))
    def new_province(self, obj):
        return obj.new.province
