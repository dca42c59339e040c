"""The programme records in Django admin, for review: lists, filters, search and each record's
history (who changed what, when). Records are written through the API (programme.services,
which check the province, the numbers and double counting, and move the workflow), so here
they are read-only; the categories are data and are edited here or loaded by
load_programme_kinds."""

from django.contrib import admin

from accounts.admin import PortalScopedAdmin
from communes.admin import FoldedSearch
from core.admin import HistoryAdmin, ReadOnlyMixin
from programme.models import (
    Funding,
    FundingSource,
    HamletTitle,
    HistoricalFigure,
    ProductionModel,
    Step,
    Work,
    WorkKind,
    YearPlan,
)


@admin.register(FundingSource)
class FundingSourceAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "parent", "group", "community", "order"]
    list_filter = ["group", "community"]
    search_fields = ["code", "name_vi", "name_en"]


@admin.register(WorkKind)
class WorkKindAdmin(admin.ModelAdmin):
    list_display = ["code", "name_vi", "name_en", "unit", "order"]
    search_fields = ["code", "name_vi", "name_en"]


class RecordAdmin(PortalScopedAdmin, FoldedSearch, ReadOnlyMixin, HistoryAdmin):
    """Read-only: the services are the one way in. Who reads which province's records is the
    portal's policy (accounts.permissions, PortalScopedAdmin), as for assessments."""

    province_field = "province"
    list_filter = ["status", "year", ("province", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["province"]


@admin.register(Funding)
class FundingAdmin(RecordAdmin):
    list_display = ["province", "year", "source", "kind", "amount", "district", "commune", "status"]
    list_select_related = ["province", "source", "district", "commune"]


@admin.register(Work)
class WorkAdmin(RecordAdmin):
    list_display = ["province", "year", "kind", "mode", "quantity", "cost", "commune", "status"]
    list_select_related = ["province", "kind", "commune"]


@admin.register(ProductionModel)
class ProductionModelAdmin(RecordAdmin):
    list_display = ["name", "province", "year", "area_ha", "funding", "stage", "status"]
    search_fields = ["name"]


@admin.register(HamletTitle)
class HamletTitleAdmin(RecordAdmin):
    list_display = ["holder", "kind", "commune", "year", "decision_number", "status"]
    list_select_related = ["province", "commune"]
    search_fields = ["holder", "decision_number"]


@admin.register(YearPlan)
class YearPlanAdmin(RecordAdmin):
    list_display = ["province", "year", "kind", "level", "district", "per_district", "value"]
    list_select_related = ["province", "district"]


@admin.register(HistoricalFigure)
class HistoricalFigureAdmin(RecordAdmin):
    list_display = ["province", "year", "kind", "level", "value", "status"]


@admin.register(Step)
class StepAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Steps name who took them and why, across provinces: read by the national office only
    (accounts.permissions)."""

    list_display = ["record_type", "record_id", "action", "from_status", "to_status", "user", "at"]
    list_filter = ["record_type", "action"]
    list_select_related = ["user"]
