"""The criteria API: criteria sets, assessments and their workflow, recognitions, targets.

Views are thin: check who may act (accounts.access), validate the input, call a service,
render. A province's unapproved work is invisible (404) outside its staff; a visible thing the
user may not change is 403; an anonymous write is 401.
"""

from collections.abc import Mapping
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiExample, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.permissions import IsAuthenticatedOrReadOnly
from rest_framework.response import Response

from accounts.access import access_for, visible_work
from communes.models import Commune, District, Province
from core import answers
from core.api import (
    Conflict,
    ConflictSerializer,
    CountedRows,
    ErrorSerializer,
    kept_page,
    require,
)
from core.renderers import written
from criteria import selectors, services
from criteria.api import serializers as s
from criteria.filters import AssessmentFilterSet, RecognitionFilterSet, TargetFilterSet
from criteria.models import CriteriaSet, Edition, Level, Recognition, Target
from criteria.services import workflow

ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
WRITE_ERRORS = {**ERRORS, 409: ConflictSerializer}


@contextmanager
def _conflicts_as_409():
    """A service's refusal because of the current state becomes a 409 of the one error shape."""
    try:
        yield
    except services.AlreadyExistsError as error:
        message = " ".join(error.messages)
        raise Conflict(message, "exists", existing_id=error.existing_id) from None
    except services.StaleVersionError as error:
        raise Conflict(str(error), "stale_version", current_version=error.current_version) from None
    except services.LockedError as error:
        raise Conflict(str(error), "locked") from None
    except services.WorkflowError as error:
        raise Conflict(str(error), "invalid_step") from None
    except services.YearClosedError as error:
        raise Conflict(str(error), "year_closed") from None


def _unit(model, code: str, structure: str | None, year: int, label: str):
    """The unit on the map of the title's year (communes.models.on_map_q)."""
    unit = model.objects.on_map(year, structure).filter(code=code).first()
    if unit is None:
        raise NotFound(_("No %(unit)s with code %(code)s.") % {"unit": label, "code": code})
    return unit


# --- criteria sets ----------------------------------------------------------------------------


EDITION_NOTE = (
    " `edition` is the newest published edition of the set, with its decision and date: "
    "when its number changes, results may have changed (see /api/v1/editions/)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List criteria sets, with their levels",
        description=EDITION_NOTE.strip(),
        responses={200: s.CriteriaSetSerializer(many=True)},
    ),
    retrieve=extend_schema(
        summary="One criteria set in full",
        description="Levels, criteria, indicators, measures and every threshold with its "
        "scope, years, source and `verified` flag: what a client needs to render a form or "
        "explain a result. An indicator with no threshold in force is unconfigured."
        + EDITION_NOTE
        + " `editions_in_force` gives the edition each year's results are scored under.",
        responses={200: s.CriteriaSetDetailSerializer, 404: ErrorSerializer},
    ),
)
class CriteriaSetViewSet(viewsets.ReadOnlyModelViewSet):
    lookup_field = "code"
    pagination_class = None
    serializer_class = s.CriteriaSetSerializer

    def get_queryset(self):
        if self.action != "list":
            # The detail reads its levels with their rules and its editions by year itself.
            return CriteriaSet.objects.all()
        sets = CriteriaSet.objects.prefetch_related(
            Prefetch("levels", queryset=Level.objects.order_by("rank"))
        )
        newest = Edition.objects.published().order_by("-number")[:1]
        return sets.prefetch_related(Prefetch("editions", newest, to_attr="newest_editions"))

    def retrieve(self, request, *args, **kwargs):
        criteria_set = self.get_object()
        # What the body is made of: the set's row and the rule rows, its editions among them
        # (their version, as the compiled rules are kept). 2 queries while it holds.
        made_of = (
            selectors.rules_fingerprint(),
            tuple(getattr(criteria_set, f.attname) for f in CriteriaSet._meta.concrete_fields),
        )
        kept = _set_details.get(criteria_set.pk)
        if kept is None or kept[0] != made_of:
            in_force = selectors.editions_by_year(criteria_set)
            kept = made_of, written(self._set_detail(criteria_set, in_force))
            _set_details[criteria_set.pk] = kept
        return Response(kept[1])

    @staticmethod
    def _set_detail(criteria_set: CriteriaSet, in_force: Mapping[int, Edition]) -> dict:
        criteria_set.levels_with_rules = selectors.levels_with_rules(criteria_set)
        criteria_set.editions_in_force = {year: e.number for year, e in in_force.items()}
        # The newest published edition is in force in each of its years: it is among these.
        newest = max(in_force.values(), key=lambda edition: edition.number, default=None)
        criteria_set.newest_editions = [newest] if newest else []
        return s.CriteriaSetDetailSerializer(criteria_set).data


# A criteria set's detail (levels, criteria, indicators, thresholds, measures: 120 KB, 35 ms
# to build) kept per process beside what it was made of (CriteriaSetViewSet.retrieve): a
# publication, a threshold changed directly or a rollback gives another key, never a stale body.
_set_details: dict[int, tuple[tuple, dict]] = {}


# --- assessments ------------------------------------------------------------------------------

VALUES_EXAMPLE = OpenApiExample(
    "Save two values",
    request_only=True,
    value={
        "version": 3,
        "values": {
            "farmland_irrigated_drained_rate": 85,
            "income_per_capita": {"value": 62.5, "note": "Theo điều tra 2023"},
        },
    },
)
STEP_EXAMPLE = OpenApiExample(
    "Return with a comment", request_only=True, value={"version": 4, "comment": "Thiếu minh chứng"}
)


def _step_schema(verb: str, who: str):
    return extend_schema(
        summary=f"{verb} the assessment",
        description=f"{who}. Send the `version` you read (required, as for saving values): "
        "a missing one gets 400 naming `version`; a stale one gets 409 with `current_version` "
        "and nothing moves. A step that does not fit the status gets 409 `invalid_step`.",
        request=s.StepInputSerializer,
        responses={200: s.AssessmentDetailSerializer, **WRITE_ERRORS},
        examples=[STEP_EXAMPLE],
    )


@extend_schema_view(
    list=extend_schema(
        summary="List assessments",
        description="Approved assessments for everyone; drafts, submitted and returned ones "
        "only for the staff of their province and the national office.",
        responses={200: s.AssessmentSerializer(many=True), **ERRORS},
    ),
    retrieve=extend_schema(
        summary="One assessment: values, results per criterion, the gap to the next level",
        description="The top-level `level`, counts and `edition` are the stored result, as "
        "lists and statistics show it. `result` is the breakdown scored now from the values "
        "(selectors.results_for): under the rules in force, except for an approved assessment "
        "approved under an edition a later one has since replaced for its year, which keeps "
        "that edition's rules until re-judged. `result_basis` says which applies.",
        responses={200: s.AssessmentDetailSerializer, **ERRORS},
    ),
    create=extend_schema(
        summary="Create a commune's assessment for a year",
        description="Officers and approvers of the commune's province, national users. "
        "A year closed for the province gets 409 `year_closed`.",
        request=s.AssessmentCreateSerializer,
        responses={201: s.AssessmentDetailSerializer, **WRITE_ERRORS},
        examples=[OpenApiExample("Xã Bạch Đằng, 2023", value={"commune": "25930", "year": 2023})],
    ),
    partial_update=extend_schema(
        summary="Save values and get the new result",
        description="Send the `version` you read. A stale version gets 409 with "
        "`current_version` and changes nothing; submitted and approved assessments are "
        "locked (409); a year closed for the province gets 409 `year_closed`. Bad values "
        "get 400 naming each measure, and nothing is saved.",
        request=s.AssessmentValuesSerializer,
        responses={200: s.AssessmentDetailSerializer, **WRITE_ERRORS},
        examples=[VALUES_EXAMPLE],
    ),
    submit=_step_schema(
        "Submit",
        "Officers of the province: a draft or returned one, in a year not closed "
        "(else 409 `year_closed`)",
    ),
    approve=_step_schema("Approve", "Approvers of the province: a submitted one; it locks"),
    return_=_step_schema("Return", "Approvers: a submitted one, with a comment"),
    reopen=_step_schema(
        "Reopen",
        "Approvers: an approved one, with a reason, in a year not closed (else 409 `year_closed`)",
    ),
)
class AssessmentViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    filterset_class = AssessmentFilterSet
    serializer_class = s.AssessmentSerializer
    # Writes need a login first (401), whatever they aim at, so that nothing leaks to strangers.
    permission_classes = [IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        visible = visible_work(access_for(self.request.user))
        if self.action == "retrieve":
            return selectors.assessments_for_detail().filter(visible)
        listed = selectors.assessments_for_list().filter(visible)
        # The edition's number is shown, never its rules: a whole rule set of JSON that would
        # be decoded once per row (two thirds of a 500-row page's time).
        return listed.select_related("edition").defer("edition__rules").order_by("pk")

    def filter_queryset(self, queryset):
        # A detail named by its id alone has nothing to filter: building the filter set for
        # it cost a millisecond of every read.
        if self.action == "retrieve" and not self.request.query_params:
            return queryset
        return super().filter_queryset(queryset)

    def list(self, request, *args, **kwargs):
        return kept_page("assessments", request, access_for(request.user).sight, self._page)

    def _page(self) -> dict:
        assessments = self.filter_queryset(self.get_queryset())
        rows = CountedRows(s.assessment_list_values(assessments), assessments)
        return self.get_paginated_response(s.assessment_rows(self.paginate_queryset(rows))).data

    def _detail(self, assessment, code=status.HTTP_200_OK, result=None, fresh=None):
        """The detail of ``assessment`` read again after a write; ``fresh`` when it has just
        been read through get_queryset (which loads what the detail shows)."""
        return Response(self._detail_data(assessment, result, fresh), code)

    def _detail_data(self, assessment, result=None, fresh=None) -> dict:
        if fresh is None:
            fresh = selectors.assessments_for_detail().get(pk=assessment.pk)
        compiled = selectors.compiled_rules(fresh.criteria_set)  # with the editions in force
        in_force = compiled.in_force
        shown, entered = selectors.values_of(fresh)  # one read for the values and the scoring
        if result is None:
            scored = selectors.results_for(
                fresh.criteria_set, [fresh], entered={fresh.pk: entered}, compiled=compiled
            )
            result = scored[fresh.pk][1]
        detail = selectors.with_details(fresh, result=result, shown=shown)
        detail.result_basis = _result_basis(fresh, in_force)
        context = {"access": access_for(self.request.user)}  # who sees staff names
        return s.AssessmentDetailSerializer(detail, context=context).data

    def retrieve(self, request, *args, **kwargs):
        """From the cache while nothing it reads has changed (core.answers, under the count of
        writes stats.freshness keeps), kept written (core.renderers.Written): users who see the
        same rows and staff details share an entry. A lookup narrowed by filters in the query
        string is read each time."""

        def build():
            assessment = self.get_object()  # 404 for a row this user may not see: not kept
            return self._detail_data(assessment, fresh=assessment)

        if request.query_params:
            return Response(build())
        parts = ("assessment", self.kwargs["pk"], access_for(request.user).sight)
        seconds = settings.NTM_DETAIL_CACHE_SECONDS
        kept = answers.cached(parts, lambda: written(build()), seconds, alias="details")
        return Response(kept)

    def create(self, request, *args, **kwargs):
        data = self._valid(s.AssessmentCreateSerializer)
        commune = _unit(Commune, data["commune"], data.get("structure"), data["year"], "commune")
        self._check_edit(commune.province_id)
        with _conflicts_as_409():
            assessment = services.create_assessment(
                commune=commune, year=data["year"], user=request.user
            )
        return self._detail(assessment, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        assessment = self.get_object()
        self._check_edit(assessment.commune.province_id)
        data = self._valid(s.AssessmentValuesSerializer)
        with _conflicts_as_409():
            result = services.save_values(
                assessment=assessment,
                values=data["values"],
                version=data["version"],
                user=request.user,
            )
        # The service scored the new values: show that result rather than scoring again.
        return self._detail(assessment, result=result)

    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        return self._step("submit")

    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        return self._step("approve")

    @action(detail=True, methods=["post"], url_path="return", url_name="return")
    def return_(self, request, pk=None):
        return self._step("return")

    @action(detail=True, methods=["post"])
    def reopen(self, request, pk=None):
        return self._step("reopen")

    def _step(self, name: str):
        assessment = self.get_object()
        access = access_for(self.request.user)
        allowed = workflow.may_take(access, name, assessment.commune.province_id)
        message = (
            _("Only approvers of this province can take this step.")
            if workflow.TRANSITIONS[name].approvers_only
            else _("Only officers of this province can change its assessments.")
        )
        require(allowed, authenticated=access.authenticated, message=message)
        data = self._valid(s.StepInputSerializer)
        with _conflicts_as_409():
            services.move(
                assessment=assessment,
                action=name,
                user=self.request.user,
                comment=data["comment"],
                version=data["version"],
            )
        return self._detail(assessment)

    def _valid(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def _check_edit(self, province_id: int) -> None:
        access = access_for(self.request.user)
        message = _("Only officers of this province can change its assessments.")
        require(access.can_edit(province_id), authenticated=access.authenticated, message=message)


def _result_basis(assessment, in_force: Mapping) -> dict:
    """Which rules the live breakdown was scored under (selectors.frozen decides)."""
    current = in_force.get(assessment.year)
    kept = selectors.frozen(assessment, in_force)
    stored = assessment.edition.number if assessment.edition else None
    return {
        "stored_edition": stored,
        "edition_in_force": current.number if current else None,
        # A value for programs, not a message: it stays in English.
        "breakdown": f"edition {stored} (approved under it)" if kept else "live",
        "rejudge_pending": kept,
    }


# --- recognitions and targets -----------------------------------------------------------------


@extend_schema_view(
    list=extend_schema(
        summary="Official recognitions of communes and districts",
        responses={200: s.RecognitionSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(responses={200: s.RecognitionSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        summary="Record a recognition decision",
        description="Approvers of the unit's province, national users. The level is a code of "
        "the criteria set in force in the title year.",
        request=s.RecognitionCreateSerializer,
        responses={201: s.RecognitionSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Xã Bạch Đằng recognised at standard for 2023",
                request_only=True,
                value={
                    "commune": "25930",
                    "level": "standard",
                    "title_year": 2023,
                    "decision_number": "1234/QĐ-UBND",
                    "decision_date": "2024-03-15",
                    "issuer": "UBND tỉnh Bình Dương",
                },
            )
        ],
    ),
    revoke=extend_schema(
        summary="Revoke a recognition",
        description="A recognition is revoked once; a second revocation is a 409.",
        request=s.RevocationSerializer,
        responses={200: s.RecognitionSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "No longer meets criterion 17",
                request_only=True,
                value={
                    "revoked_date": "2025-02-01",
                    "reason": "Không còn đạt tiêu chí 17 (môi trường)",
                    "decision": "88/QĐ-UBND",
                },
            )
        ],
    ),
)
class RecognitionViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """Recognitions are public official facts: everyone reads them."""

    filterset_class = RecognitionFilterSet
    serializer_class = s.RecognitionSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]

    def get_queryset(self):
        return Recognition.objects.select_related(
            "commune__province", "commune__district", "district__province", "level__criteria_set"
        ).order_by("-decision_date", "pk")

    def create(self, request, *args, **kwargs):
        serializer = s.RecognitionCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        unit = self._unit(data)
        self._check(unit.province_id)
        recognition = services.record_recognition(
            level_code=data["level"],
            title_year=data["title_year"],
            decision_number=data["decision_number"],
            decision_date=data["decision_date"],
            issuer=data["issuer"],
            **{"commune" if isinstance(unit, Commune) else "district": unit},
        )
        return Response(self.get_serializer(self._fresh(recognition)).data, status.HTTP_201_CREATED)

    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        recognition = self.get_object()
        self._check((recognition.commune or recognition.district).province_id)
        serializer = s.RevocationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with _conflicts_as_409():
            services.revoke_recognition(
                recognition=recognition,
                revoked_date=data["revoked_date"],
                reason=data["reason"],
                decision=data["decision"],
            )
        return Response(self.get_serializer(self._fresh(recognition)).data)

    def _unit(self, data: dict):
        if ("commune" in data) == ("district" in data):
            raise ValidationError(
                {"commune": [_("Give a commune code or a district code (one of them).")]}
            )
        year, structure = data["title_year"], data.get("structure")
        if "commune" in data:
            return _unit(Commune, data["commune"], structure, year, "commune")
        return _unit(District, data["district"], structure, year, "district")

    def _check(self, province_id: int) -> None:
        access = access_for(self.request.user)
        message = _("Only approvers of this province can record or revoke its recognitions.")
        require(
            access.can_approve(province_id), authenticated=access.authenticated, message=message
        )

    def _fresh(self, recognition):
        return self.get_queryset().get(pk=recognition.pk)


@extend_schema_view(
    list=extend_schema(
        summary="Provinces' (and districts') targets",
        responses={200: s.TargetSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(responses={200: s.TargetSerializer, 404: ErrorSerializer}),
    create=extend_schema(
        summary="Set a target",
        description="Approvers of the province, national users. Give `count` or `percent`.",
        request=s.TargetInputSerializer,
        responses={201: s.TargetSerializer, **WRITE_ERRORS},
        examples=[
            OpenApiExample(
                "Bình Dương: 40% advanced by 2025",
                value={"province": "74", "year": 2025, "level": "advanced", "percent": "40"},
            )
        ],
    ),
    partial_update=extend_schema(
        request=s.TargetInputSerializer, responses={200: s.TargetSerializer, **WRITE_ERRORS}
    ),
    destroy=extend_schema(responses={204: None, **ERRORS}),
)
class TargetViewSet(viewsets.ModelViewSet):
    filterset_class = TargetFilterSet
    serializer_class = s.TargetSerializer
    permission_classes = [IsAuthenticatedOrReadOnly]
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def get_queryset(self):
        return Target.objects.select_related("province", "district", "level").order_by("pk")

    def create(self, request, *args, **kwargs):
        return self._save(None, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        return self._save(self.get_object(), status.HTTP_200_OK)

    def destroy(self, request, *args, **kwargs):
        target = self.get_object()
        self._check(target.province_id)
        target.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)

    def _save(self, target, code):
        if target is not None:
            self._check(target.province_id)
        serializer = s.TargetInputSerializer(data=self._merged(target))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        province = _unit(
            Province, data["province"], data.get("structure"), data["year"], "province"
        )
        self._check(province.pk)
        district = None
        if data.get("district"):
            district = _unit(
                District, data["district"], province.structure, data["year"], "district"
            )
        saved = services.set_target(
            target=target,
            level_code=data["level"],
            year=data["year"],
            province=province,
            district=district,
            count=data.get("count"),
            percent=data.get("percent"),
            source=data.get("source", ""),
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=saved.pk)).data, code)

    def _merged(self, target) -> dict:
        """A PATCH changes only what it sends: start from the stored target."""
        if target is None or not isinstance(self.request.data, dict):
            return self.request.data  # the serializer refuses what is not an object
        current = {
            "province": target.province.code,
            "district": target.district.code if target.district else None,
            "structure": target.province.structure,
            "year": target.year,
            "level": target.level.code,
            "count": target.count,
            "percent": target.percent,
            "source": target.source,
        }
        sent = dict(self.request.data.items())
        if "count" in sent and "percent" not in sent:
            current["percent"] = None
        if "percent" in sent and "count" not in sent:
            current["count"] = None
        return {**current, **sent}

    def _check(self, province_id: int) -> None:
        access = access_for(self.request.user)
        message = _("Only approvers of this province and the national office set its targets.")
        require(
            access.can_approve(province_id), authenticated=access.authenticated, message=message
        )
