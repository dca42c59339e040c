from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from communes.models import Commune, District, KindChange, Lineage, Province, Region
from communes.text import fold
from core.admin import HistoryAdmin, ReadOnlyMixin, RelatedLists


class FoldedSearch:
    """Search with or without Vietnamese diacritics, in every list with a name: "bach dang"
    and "Bạch Đằng" both find "Xã Bạch Đằng". The term is searched as typed (codes, decision
    numbers such as "QĐ-UBND") and folded (the stored folded names, ``search_key``); names
    stored without a folded copy (``folded_name_fields``: reference tables of a few hundred
    rows, such as criteria and indicators) are folded and matched here, word by word."""

    search_help_text = _("Code or name, with or without diacritics")
    folded_name_fields: tuple[str, ...] = ()

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        folded = fold(search_term)
        if folded and folded != search_term:
            more, more_duplicates = super().get_search_results(request, queryset, folded)
            results, duplicates = results | more, duplicates or more_duplicates
        if folded and self.folded_name_fields:
            words = folded.split()
            names = queryset.values_list("pk", *self.folded_name_fields)
            matching = [
                pk
                for pk, *texts in names
                if all(word in fold(" ".join(t for t in texts if t)) for word in words)
            ]
            results = results | queryset.filter(pk__in=matching)
        return results, duplicates


class FoldedSearchMixin(FoldedSearch):
    """Units: search by code, or by name with or without diacritics."""

    search_fields = ["code", "search_key"]

    # Sorting by name sorts without "Tỉnh", "Thành phố", "Huyện"... (communes.text.sort_key),
    # as the pages do; the list is by code until a column is chosen, as the API is.
    @admin.display(description=_("name"), ordering="sort_key")
    def unit_name(self, obj):
        return obj.name


@admin.register(Region)
class RegionAdmin(FoldedSearch, admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "order", "province_count"]
    search_fields = ["code", "name_vi", "name_en"]
    folded_name_fields = ("name_vi",)
    ordering = ["order"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(province_count=Count("provinces"))

    @admin.display(description="Số tỉnh / provinces", ordering="province_count")
    def province_count(self, obj):
        return obj.province_count


@admin.register(Province)
class ProvinceAdmin(RelatedLists, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "region", "structure", "valid_from", "valid_to"]
    list_filter = ["structure", "region", "kind"]
    list_select_related = ["region"]
    readonly_fields = ["search_key"]


@admin.register(District)
class DistrictAdmin(RelatedLists, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province"]
    autocomplete_fields = ["province"]
    readonly_fields = ["search_key"]


@admin.register(Commune)
class CommuneAdmin(RelatedLists, FoldedSearchMixin, admin.ModelAdmin):
    list_display = ["code", "unit_name", "kind", "district", "province", "structure"]
    list_filter = ["structure", "province__region", "kind", "province"]
    list_select_related = ["province", "district"]
    autocomplete_fields = ["province", "district"]
    readonly_fields = ["search_key", "kind_as_of"]


@admin.register(KindChange)
class KindChangeAdmin(ReadOnlyMixin, FoldedSearch, HistoryAdmin):
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
class LineageAdmin(ReadOnlyMixin, FoldedSearch, admin.ModelAdmin):
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
