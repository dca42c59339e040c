"""Reads that several places need: ladders, a criteria set as the scoring engine's data classes,
the class a commune is judged in, an assessment's values, the units' picture for a year, and
what the officer pages read (queues, closures, the audit trail). Each costs a fixed number of
queries.
"""

import hashlib
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from django.db import connection
from django.db.models import (
    Count,
    F,
    FilteredRelation,
    Max,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.access import Access, visible_work
from communes.models import Commune, Province
from communes.selectors import predecessors
from criteria import registry, rules_version, scoring
from criteria.models import (
    DEFAULT_COMMUNE_GROUP,
    Assessment,
    AssessmentValue,
    ClosureException,
    CommuneClass,
    CriteriaSet,
    Criterion,
    CriterionResult,
    Edition,
    Evidence,
    Indicator,
    Level,
    Measure,
    Recognition,
    Threshold,
    YearClosure,
)

# --- ladders: a set's levels in rank order ----------------------------------------------------

MISMATCH_ELIGIBLE = "eligible"  # computed above what is recognised: eligible, not recognised
MISMATCH_LAPSED = "lapsed"  # recognised above what the values now reach
# Recognised above what the values reach, with values missing where the climb stopped: not
# (yet) a loss of the level (a missing value is missing, not failed).
MISMATCH_UNCONFIRMED = "unconfirmed"


@dataclass
class Ladder:
    """A criteria set's levels in rank order, each annotated with its number of criteria
    (``criteria_count``); no set (None) when none governs the year."""

    criteria_set: CriteriaSet | None
    levels: list[Level] = field(default_factory=list)

    @property
    def first(self) -> Level | None:
        return self.levels[0] if self.levels else None

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(level.code for level in self.levels)

    @property
    def by_rank(self) -> dict[int, str]:
        return {level.rank: level.code for level in self.levels}

    def rank(self, code: str | None) -> int:
        ranks = {level.code: level.rank for level in self.levels}
        return ranks.get(code or scoring.NO_LEVEL, 0)

    def level(self, code: str | None) -> Level | None:
        return next((level for level in self.levels if level.code == code), None)

    def mismatch(
        self, computed: str | None, recognised: str | None, decided: bool = True
    ) -> str | None:
        """How the computed level and the recognised title disagree, if they do. Without a
        computed level (no assessment) there is nothing to compare. ``decided``: whether the
        values decide the first level not met (else values missing stopped the climb: the
        recognised level is unconfirmed, not lapsed)."""
        if computed is None:
            return None
        if self.rank(computed) > self.rank(recognised):
            return MISMATCH_ELIGIBLE
        if self.rank(recognised) > self.rank(computed):
            return MISMATCH_LAPSED if decided else MISMATCH_UNCONFIRMED
        return None


def stopped_for_missing_values(ladder: Ladder, computed: Mapping[int, str]) -> set[int]:
    """Of incomplete assessments, {id: computed level}, those whose climb values missing
    stopped, read from their stored criterion results (AssessmentResult's
    stopped_for_missing_values, when the result is not at hand): the first level above the
    computed one has no criterion not met. 1 query; none for no assessment. A level ruled by
    a share of its indicators is judged by its criteria here too."""
    if not computed:
        return set()
    failed = set(
        CriterionResult.objects.filter(
            assessment_id__in=list(computed), status=CriterionResult.Status.NOT_MET
        ).values_list("assessment_id", "criterion__level__code")
    )
    stopped = set()
    for pk, level in computed.items():
        above = next((step for step in ladder.levels if step.rank > ladder.rank(level)), None)
        if above is not None and (pk, above.code) not in failed:
            stopped.add(pk)
    return stopped


def _ladder_levels():
    levels = Level.objects.select_related("criteria_set").annotate(criteria_count=Count("criteria"))
    return levels.order_by("rank")


def ladder_for_year(year: int) -> Ladder:
    """The ladder of the set governing ``year`` (CriteriaSet.objects.governing): 1 query."""
    levels = list(_ladder_levels().filter(criteria_set__in=CriteriaSet.objects.governing(year)))
    return Ladder(levels[0].criteria_set if levels else None, levels)


def ladders_for_sets(set_ids) -> dict[int, Ladder]:
    """Ladders of several sets at once: 1 query."""
    ladders: dict[int, Ladder] = {}
    for level in _ladder_levels().filter(criteria_set_id__in=set(set_ids)):
        ladders.setdefault(level.criteria_set_id, Ladder(level.criteria_set)).levels.append(level)
    return ladders


# --- a set's rules, as the scoring engine reads them --------------------------------------------


def levels_with_rules(criteria_set: CriteriaSet) -> list[Level]:
    """The set's levels with criteria, indicators, measures and thresholds: 4 queries."""
    thresholds = Threshold.objects.select_related("province", "relative_to__criterion__level")
    indicators = Indicator.objects.select_related("measure").prefetch_related(
        Prefetch("thresholds", queryset=thresholds)
    )
    criteria = Criterion.objects.select_related("requires_level").prefetch_related(
        Prefetch("indicators", queryset=indicators)
    )
    return list(
        criteria_set.levels.order_by("rank").prefetch_related(
            Prefetch("criteria", queryset=criteria)
        )
    )


def threshold_rule(threshold: Threshold) -> scoring.ThresholdRule:
    relative = threshold.relative_to
    return scoring.ThresholdRule(
        scope=scoring.Scope(threshold.scope),
        scope_value=threshold.province.code if threshold.province else threshold.class_value,
        value=threshold.value,
        first_year=threshold.first_year,
        last_year=threshold.last_year,
        relative_to=(relative.criterion.level.code, relative.code) if relative else None,
        factor=threshold.factor,
        verified=threshold.verified,
        source=threshold.source,
        demo=threshold.demo,
    )


def _indicator_rule(indicator: Indicator) -> scoring.IndicatorRule:
    return scoring.IndicatorRule(
        code=indicator.code,
        measure=indicator.measure.code,
        comparison=scoring.Comparison(indicator.comparison),
        thresholds=tuple(threshold_rule(t) for t in indicator.thresholds.all()),
        name=indicator.name_vi,
    )


def _criterion_rule(criterion: Criterion) -> scoring.CriterionRule:
    return scoring.CriterionRule(
        code=criterion.number,
        indicators=tuple(_indicator_rule(i) for i in criterion.indicators.all()),
        requires_level=criterion.requires_level.code if criterion.requires_level else None,
        name=criterion.name_vi,
    )


def rules_for(criteria_set: CriteriaSet, levels: list[Level] | None = None) -> scoring.RuleSet:
    """The criteria set as the scoring engine reads it; built from ``levels`` when the caller
    has loaded them with levels_with_rules (a page that also lists them, a draft edition's
    rules as they would stand), else the process's compiled copy (scorer_for)."""
    if levels is None:
        return scorer_for(criteria_set).rules
    return _build_rules(criteria_set, levels)


# --- the compiled rules, kept per process ------------------------------------------------------
# Building a set's rules costs 4 queries and a few thousand model instances; every request
# and every rescoring batch would pay it. The copy kept here is keyed by the rules' version,
# a token the database draws anew whenever a rule row is written (criteria.rules_version), read
# in 1 query: any change to them, made by this process or another, committed or still inside
# the current transaction, and undone again by a rollback, gives another token, so a stale copy
# is never served. A threshold's history, an edition publishing or a province's thresholds, a
# row created directly by a test: all write rule rows.

RULE_MODELS = rules_version.RULE_MODELS


@dataclass(frozen=True)
class Compiled:
    """A set's rules compiled for scoring, with its derived measures (code, derived from),
    every measure by id (code, value type), which a rescoring reads values by, and the
    edition in force for each year (editions are rule rows too: publishing one changes the
    version)."""

    fingerprint: str
    scorer: scoring.Scorer
    derived: list[tuple[str, str]]
    measures: dict[int, tuple[str, str]]
    in_force: Mapping[int, Edition]


_compiled: dict[int, Compiled] = {}


def compiled_rules(criteria_set: CriteriaSet) -> Compiled:
    """The set's rules compiled for scoring (thresholds resolved once per year, province and
    class), kept for as long as the rows they are built from do not change: 1 query when
    kept, 6 when built."""
    fingerprint = rules_fingerprint()
    kept = _compiled.get(criteria_set.pk)
    if kept is not None and kept.fingerprint == fingerprint:
        return kept
    rules = _build_rules(criteria_set, levels_with_rules(criteria_set))
    built = Compiled(
        fingerprint,
        scoring.Scorer(rules),
        *_measures(criteria_set.measures),
        MappingProxyType(_editions_by_year(criteria_set)),  # shared: read, never changed
    )
    _compiled[criteria_set.pk] = built
    return built


def scorer_for(criteria_set: CriteriaSet) -> scoring.Scorer:
    return compiled_rules(criteria_set).scorer


def forget_rules() -> None:
    """Drop the compiled rules this process keeps (never needed for correctness: for tests
    that count the queries of a first build)."""
    _compiled.clear()
    _kept_rules.clear()


def rules_fingerprint() -> str:
    """What the rule tables hold (all sets at once), named in 1 query: the rules' version;
    where its row is missing (a database emptied by a flush), a digest of every rule row."""
    token = rules_version.current_token()
    if token is not None:
        return token
    tables = [model._meta.db_table for model in RULE_MODELS]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT " + ", ".join(_pg_digest(t) for t in tables))
        else:
            cursor.execute("SELECT " + ", ".join(_sqlite_text(m) for m in RULE_MODELS))
        row = cursor.fetchone()
    return hashlib.sha1(repr(row).encode()).hexdigest()


def _pg_digest(table: str) -> str:
    quoted = connection.ops.quote_name(table)
    return f"(SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t.id), '')) FROM {quoted} t)"


def _sqlite_text(model) -> str:
    quote = connection.ops.quote_name
    columns = " || ',' || ".join(f"quote({quote(f.column)})" for f in model._meta.concrete_fields)
    table = quote(model._meta.db_table)
    return f"(SELECT group_concat({columns}, '|') FROM (SELECT * FROM {table} ORDER BY id))"


def _build_rules(criteria_set: CriteriaSet, levels: list[Level]) -> scoring.RuleSet:
    return scoring.RuleSet(
        code=criteria_set.code,
        levels=tuple(
            scoring.LevelRule(
                code=level.code,
                rank=level.rank,
                criteria=tuple(_criterion_rule(c) for c in level.criteria.all()),
                rule=scoring.LevelRuleKind(level.rule),
                share=level.share,
                mandatory=tuple(level.mandatory_indicators),
            )
            for level in levels
        ),
    )


def classes_for(communes: Iterable, criteria_set: CriteriaSet, year: int) -> dict[int, str]:
    """The class each commune is judged in that year: a stored assignment or override, else
    its province's region (region-keyed sets) or group 2 (commune groups: group 2 is "neither
    group 1 nor group 3"). Communes need province__region loaded."""
    communes = list(communes)
    stored = dict(
        CommuneClass.objects.filter(
            criteria_set=criteria_set, year=year, commune__in=[c.pk for c in communes]
        ).values_list("commune_id", "class_value")
    )
    by_region = criteria_set.classification == CriteriaSet.Classification.REGION
    return {c.pk: stored.get(c.pk) or _default_class(c, by_region) for c in communes}


def _default_class(commune: Commune, by_region: bool) -> str:
    """Without an assignment: the province's region (2021-2025), or group 2 (2026-2030)."""
    if by_region:
        return commune.province.region.code if commune.province.region else ""
    return DEFAULT_COMMUNE_GROUP


_BOOL = Measure.ValueType.BOOL.value  # a plain string: compared once a value


def _stored_value(value_type: str, flag: bool | None, number):
    """A value as stored: a yes/no measure keeps it in ``flag``, the others in ``number``."""
    return flag if value_type == _BOOL else number


def entered_values(
    assessment_ids: Collection[int], measures: dict[int, tuple[str, str]] | None = None
) -> dict[int, dict[str, scoring.MeasureValue]]:
    """Entered values of many assessments in one query: {assessment id: {measure code: value}}.
    Plain rows, not model instances: every rescoring reads through here (a year's half a
    million values). ``measures``: the assessments' sets' measures by id (Compiled.measures),
    else read first, apart from the values (a join would repeat them on every row). The values
    without a note that are not numbers (yes, no, none), the same for most communes, share
    one immutable MeasureValue each."""
    result: dict[int, dict[str, scoring.MeasureValue]] = {pk: {} for pk in assessment_ids}
    if measures is None:
        sets = Assessment.objects.filter(pk__in=assessment_ids).values("criteria_set_id")
        measures = _measures(Measure.objects.filter(criteria_set_id__in=sets))[1]
    values = AssessmentValue.objects.filter(assessment_id__in=assessment_ids).values_list(
        "assessment_id", "measure_id", "flag", "number", "not_applicable", "note"
    )
    shared: dict[tuple, scoring.MeasureValue] = {}
    build = scoring.measure_value
    for assessment_id, measure_id, flag, number, not_applicable, note in values:
        code, value_type = measures[measure_id]
        value = _stored_value(value_type, flag, number)
        if note or value.__class__ is Decimal:
            result[assessment_id][code] = build(value, not_applicable, note)
            continue
        key = (value, not_applicable)  # value: True, False or None (never 1 for True here)
        found = shared.get(key)
        if found is None:
            found = shared[key] = build(value, not_applicable, note)
        result[assessment_id][code] = found
    return result


def derived_values(
    criteria_set: CriteriaSet,
    commune_ids: Collection[int],
    year: int,
    derived: list[tuple[str, str]] | None = None,
) -> dict[int, dict[str, scoring.MeasureValue]]:
    """Values of the set's derived measures from their registered providers; a measure with
    no provider stays missing. ``derived``: the set's (measure code, derived from) pairs when
    the caller has them (compiled with the rules), else read here."""
    result: dict[int, dict[str, scoring.MeasureValue]] = {pk: {} for pk in commune_ids}
    if derived is None:
        derived = _derived_measures(criteria_set)
    for code, derived_from in derived:
        provider = registry.provider_for(derived_from)
        if provider is None:
            continue
        for commune_id, value in provider(commune_ids, year).items():
            value = (
                Decimal(value) if isinstance(value, int) and not isinstance(value, bool) else value
            )
            result[commune_id][code] = scoring.MeasureValue(value=value)
    return result


_DERIVED = Measure.Source.DERIVED.value


def _measures(measures: QuerySet) -> tuple[list[tuple[str, str]], dict[int, tuple[str, str]]]:
    """These measures read once: the derived ones (code, derived from), and every one by id
    (code, value type)."""
    rows = measures.order_by("pk").values_list("pk", "code", "value_type", "source", "derived_from")
    derived = [(code, origin) for _pk, code, _type, source, origin in rows if source == _DERIVED]
    return derived, {pk: (code, value_type) for pk, code, value_type, _source, _origin in rows}


def _derived_measures(criteria_set: CriteriaSet) -> list[tuple[str, str]]:
    return _measures(criteria_set.measures)[0]


def assessments_for_scoring(ids: Collection[int]):
    return Assessment.objects.filter(pk__in=ids).select_related(
        "criteria_set", "commune__province__region"
    )


def editions_by_year(criteria_set: CriteriaSet) -> Mapping[int, Edition]:
    """The edition in force for each year of the set's period (Edition.objects.in_force); a
    year no published edition covers is absent. Kept with the compiled rules: 1 query (the
    rules' version) while they hold. The editions come without their kept rules (deferred),
    and are shared: read them, never change them."""
    return compiled_rules(criteria_set).in_force


def _editions_by_year(criteria_set: CriteriaSet) -> dict[int, Edition]:
    """editions_by_year read: all years in 1 query."""
    published = list(criteria_set.editions.published().defer("rules").order_by("number"))
    by_year = {}
    for year in range(criteria_set.first_year, criteria_set.last_year + 1):
        covering = [e for e in published if e.first_year <= year <= e.last_year]
        if covering:
            by_year[year] = covering[-1]
    return by_year


def frozen(assessment: Assessment, in_force: Mapping[int, Edition]) -> bool:
    """Whether an assessment keeps the rules it was judged under rather than today's: an
    approved one scored under an edition that is no longer the one in force for its year
    (until a national user re-judges it, services.editions.rejudge)."""
    current = in_force.get(assessment.year)
    return (
        assessment.status == Assessment.Status.APPROVED
        and assessment.edition_id is not None
        and (current is None or assessment.edition_id != current.pk)
    )


# A published edition's rules never change once published; keyed with the publication time
# as well, so that a key reused by another database (a test's, rolled back) is never mistaken.
_kept_rules: dict[tuple[int, object], scoring.Scorer] = {}


def _edition_scorers(edition_ids) -> dict[int, scoring.Scorer]:
    """The rules kept on these editions, compiled: 1 query, 2 when one is not kept yet."""
    ids = set(edition_ids)
    if not ids:
        return {}
    editions = Edition.objects.filter(pk__in=ids, rules__isnull=False)
    keys = dict(editions.values_list("pk", "published_at"))
    missing = [pk for pk, at in keys.items() if (pk, at) not in _kept_rules]
    for pk, data in editions.filter(pk__in=missing).values_list("pk", "rules"):
        _kept_rules[(pk, keys[pk])] = scoring.Scorer(scoring.ruleset_from_data(data))
    return {pk: _kept_rules[(pk, at)] for pk, at in keys.items()}


def results_for(
    criteria_set: CriteriaSet,
    assessments: list[Assessment],
    levels: list[Level] | None = None,
    *,
    today: bool = False,
    rules: scoring.RuleSet | None = None,
    in_force: Mapping[int, Edition] | None = None,
    entered: dict[int, dict[str, scoring.MeasureValue]] | None = None,
    compiled: Compiled | None = None,
) -> dict[int, tuple[str, scoring.AssessmentResult]]:
    """Score assessments of one set from their values, in a fixed number of queries:
    {assessment id: (class scored with, result)}. Communes need province__region loaded.

    Open assessments are scored with today's rules and classes. An approved one keeps the
    class it was judged in and, where a later edition is now in force for its year (see
    frozen), the rules of the edition it was approved under: what it was approved with is
    what it keeps, and what verify_results checks it against. ``today`` scores every one
    with today's rules and classes (re-judging); ``rules`` stand for today's (a draft edition's
    preview); ``entered``: the values already read (entered_values), not read again;
    ``compiled``: the set's compiled rules when the caller has just read them (compiled_rules,
    with the editions in force), not checked again."""
    measures = None  # read with the values when the rules are not the compiled ones
    if rules is not None or levels is not None:  # rules as they would stand, or as loaded
        scorer, derived_measures = scoring.Scorer(rules or rules_for(criteria_set, levels)), None
        in_force = editions_by_year(criteria_set) if in_force is None else in_force
    else:
        compiled = compiled_rules(criteria_set) if compiled is None else compiled
        scorer, derived_measures, measures = compiled.scorer, compiled.derived, compiled.measures
        in_force = compiled.in_force if in_force is None else in_force
    keeps = (lambda a: False) if today else (lambda a: frozen(a, in_force))
    kept = _edition_scorers(a.edition_id for a in assessments if keeps(a))
    if entered is None:
        entered = entered_values([a.pk for a in assessments], measures)
    results = {}
    for year in {a.year for a in assessments}:
        of_year = [a for a in assessments if a.year == year]
        # An approved assessment keeps the class it was judged in (_class_judged_in): the
        # stored classes are read for the others alone (none at all: no query).
        judged_today = [a for a in of_year if today or not _judged(a)]
        classes = (
            classes_for([a.commune for a in judged_today], criteria_set, year)
            if judged_today
            else {}
        )
        derived = derived_values(
            criteria_set, [a.commune_id for a in of_year], year, derived_measures
        )
        for a in of_year:
            class_value = classes[a.commune_id] if today else _class_judged_in(a, classes)
            subject = scoring.Subject(year, a.commune.province.code, class_value)
            values = entered[a.pk] | derived[a.commune_id]
            used = kept.get(a.edition_id, scorer) if keeps(a) else scorer
            results[a.pk] = (class_value, used.score(subject, values))
    return results


def _judged(assessment: Assessment) -> bool:
    """Whether the assessment was approved with a result: it keeps the class it had then."""
    return assessment.status == Assessment.Status.APPROVED and assessment.scored_at is not None


def _class_judged_in(assessment: Assessment, classes: dict[int, str]) -> str:
    return assessment.class_value if _judged(assessment) else classes[assessment.commune_id]


def result_for(
    assessment: Assessment, levels: list[Level] | None = None
) -> scoring.AssessmentResult:
    """The full scoring breakdown of one assessment from its current values (what the
    assessment page, the admin and the API detail show)."""
    return results_for(assessment.criteria_set, [assessment], levels)[assessment.pk][1]


def assessment_ids(
    *, year: int | None = None, province_code: str | None = None, open_only: bool = False
) -> list[int]:
    """The ids of the assessments a bulk operation covers, in a fixed order; ``open_only``
    leaves out approved ones (their result is the one they were approved with)."""
    queryset = Assessment.objects.order_by("pk")
    if open_only:
        queryset = queryset.exclude(status=Assessment.Status.APPROVED)
    if year is not None:
        queryset = queryset.filter(year=year)
    if province_code is not None:
        queryset = queryset.filter(commune__province__code=province_code)
    return list(queryset.values_list("pk", flat=True))


def assessments_for_list():
    return Assessment.objects.select_related(
        "commune__province__region", "commune__district", "criteria_set"
    )


# What an assessment's detail reads of the rows assessments_for_list joins (and its edition):
# the assessment and its set whole, the names shown and what the scoring needs of the rest.
# Read alone on the national data set: 3.2 ms, against 4.3 ms for every column of the seven
# tables (the edition's kept rules deferred).
_DETAIL_COLUMNS = (
    *(field.name for field in Assessment._meta.concrete_fields),
    *(f"criteria_set__{field.name}" for field in CriteriaSet._meta.concrete_fields),
    "commune__code",
    "commune__name",
    "commune__province__code",
    "commune__province__name",
    "commune__province__region__code",
    "commune__district__code",
    "commune__district__name",
    "edition__number",
)


def assessments_for_detail():
    """Assessments loaded with what their detail shows and their scoring needs."""
    return assessments_for_list().select_related("edition").only(*_DETAIL_COLUMNS)


def with_details(
    assessment: Assessment,
    levels: list[Level] | None = None,
    result: scoring.AssessmentResult | None = None,
    shown: dict[str, dict] | None = None,
) -> Assessment:
    """Attach what the detail view shows: entered values by measure code (``shown`` when the
    caller has read them with values_of), the live scoring breakdown (``result`` when the
    caller has just scored), and the workflow steps (a fixed number of queries)."""
    assessment.values_by_measure = values_by_measure(assessment) if shown is None else shown
    assessment.result = result if result is not None else result_for(assessment, levels)
    # In the order of time, not the model's (which sorts by assessment: two more joins).
    assessment.step_list = list(assessment.steps.select_related("user").order_by("at", "pk"))
    return assessment


def values_by_measure(assessment: Assessment) -> dict[str, dict]:
    """The assessment's entered values by measure code, as pages and the API show them."""
    return values_of(assessment)[0]


def values_of(assessment: Assessment) -> tuple[dict[str, dict], dict[str, scoring.MeasureValue]]:
    """The assessment's entered values read once (1 query), both as pages and the API show
    them (values_by_measure) and as the scoring engine reads them (entered_values)."""
    rows = assessment.values.order_by("measure__code").values_list(
        "measure__code",
        "measure__value_type",
        "flag",
        "number",
        "not_applicable",
        "note",
        "evidence_url",
        "updated_at",
    )
    shown, entered = {}, {}
    for code, value_type, flag, number, not_applicable, note, evidence_url, updated_at in rows:
        value = _stored_value(value_type, flag, number)
        shown[code] = {
            "value": value,
            "not_applicable": not_applicable,
            "note": note,
            "evidence_url": evidence_url,
            "updated_at": updated_at,
        }
        entered[code] = scoring.measure_value(value, not_applicable, note)
    return shown, entered


# --- units with their picture for a year (the officer overview and the unit API) --------------
# Each commune's assessment of the year that the user may see and its recognised level; each
# district's and province's communes counted by computed level. Fixed number of queries.


def _seen_in_year(access: Access, year: int, prefix: str = "", province: str = "") -> Q:
    """The year's assessments under the set governing it that this user may see, as a
    condition on an assessment's fields named with ``prefix`` (a commune's joined ones:
    ``assessments__``), its province named ``province`` (default: its commune's)."""
    governing = Subquery(CriteriaSet.objects.governing(year).values("pk"))
    seen = Q(**{f"{prefix}year": year, f"{prefix}criteria_set_id": governing})
    province_field = province or f"{prefix}commune__province"
    return seen & visible_work(access, province_field, status_field=f"{prefix}status")


def _visible_assessments(access: Access, year: int) -> QuerySet:
    """The year's assessments (under the set governing it) that this user may see."""
    return Assessment.objects.filter(_seen_in_year(access, year))


def _highest_recognition(year: int, **unit) -> Subquery:
    return Subquery(Recognition.objects.held(year).filter(**unit).values("level__code")[:1])


def communes_for_year(queryset: QuerySet, access: Access, year: int) -> QuerySet:
    """Annotate each commune with its assessment of the year that this user may see (id,
    status, level, criteria met) and its highest recognised level on 31 December.

    The assessment is joined once (one per commune, year and set: a constraint): four
    subqueries, one a column, cost a 500-commune page 7 of its 18 ms in PostgreSQL. The join's
    condition names the commune's province where an assessment's commune's is named elsewhere:
    they are the same row's."""
    seen = _seen_in_year(access, year, prefix="assessments__", province="province")
    joined = queryset.annotate(year_assessment=FilteredRelation("assessments", condition=seen))
    return joined.annotate(
        assessment_id=F("year_assessment__id"),
        assessment_status=F("year_assessment__status"),
        computed_level=F("year_assessment__level"),
        criteria_met=F("year_assessment__criteria_met"),
        assessment_complete=F("year_assessment__complete"),
        recognized_level=_highest_recognition(year, commune=OuterRef("pk")),
    )


def districts_for_year(queryset: QuerySet, year: int) -> QuerySet:
    return queryset.annotate(recognized_level=_highest_recognition(year, district=OuterRef("pk")))


def levels_by_unit(access: Access, year: int, unit_field: str, unit_ids) -> dict[int, dict]:
    """{unit id: {level: communes}} over the assessments of the year this user may see, for
    units given by ``unit_field`` (``commune__district`` or ``commune__province``)."""
    rows = (
        _visible_assessments(access, year)
        .filter(**{f"{unit_field}__in": list(unit_ids)})
        .values(unit_field, "level")
        .annotate(communes=Count("pk"))
    )
    counts: dict[int, dict] = defaultdict(dict)
    for row in rows:
        counts[row[unit_field]][row["level"]] = row["communes"]
    return counts


# --- what the officer pages read --------------------------------------------------------------


def years_covered() -> list[int]:
    """Every year some criteria set covers, newest first, up to the current year."""
    spans = CriteriaSet.objects.values_list("first_year", "last_year")
    this_year = timezone.localdate().year
    years = {y for first, last in spans for y in range(first, min(last, this_year) + 1)}
    return sorted(years, reverse=True)


def latest_year_of_work(access: Access, province: Province | None) -> int | None:
    """The latest year with an assessment of the province that this user can see."""
    assessments = Assessment.objects.filter(visible_work(access))
    if province is not None:
        assessments = assessments.filter(commune__province=province)
    return assessments.aggregate(year=Max("year"))["year"]


def assessment_for(commune: Commune, year: int) -> Assessment | None:
    """The commune's assessment of the year under the set governing it."""
    assessments = assessments_for_list().select_related("updated_by")
    assessments = assessments.filter(
        commune=commune, year=year, criteria_set__in=CriteriaSet.objects.governing(year)
    )
    return assessments.first()


def commune_assessments(commune: Commune) -> list[Assessment]:
    """Every assessment of the commune, newest first: 1 query."""
    assessments = commune.assessments.select_related("criteria_set")
    return list(assessments.order_by("-year", "-criteria_set__first_year"))


def commune_recognitions(commune: Commune) -> list[Recognition]:
    return list(commune.recognitions.select_related("level__criteria_set"))


@dataclass
class Predecessor:
    """An old unit that went (wholly or in part: ``link.how``) into a unit of the new map,
    with its results under the sets of their time and its titles, kept as history: they do
    not carry over to the new unit."""

    link: object  # communes.models.Lineage, with old__province and old__district
    assessments: list[Assessment] = field(default_factory=list)
    recognitions: list[Recognition] = field(default_factory=list)


def predecessors_with_results(commune: Commune, access: Access) -> list[Predecessor]:
    """For a unit of the new map, each predecessor with the assessments of it this user may see
    (approved ones, or all for its province's staff), newest first, and its recognitions:
    3 queries whatever the number of predecessors."""
    found = [Predecessor(link) for link in predecessors(commune)]
    by_id = {p.link.old_id: p for p in found}
    if not by_id:
        return found
    assessments = Assessment.objects.filter(commune__in=list(by_id)).filter(visible_work(access))
    for assessment in assessments.select_related("criteria_set").order_by("-year"):
        by_id[assessment.commune_id].assessments.append(assessment)
    recognitions = Recognition.objects.filter(commune__in=list(by_id))
    for recognition in recognitions.select_related("level__criteria_set"):
        by_id[recognition.commune_id].recognitions.append(recognition)
    return found


def recognised_level(commune: Commune, year: int, criteria_set: CriteriaSet) -> Level | None:
    """The highest level of the set the commune holds for ``year``: 1 query."""
    held = Recognition.objects.held(year, criteria_set).filter(commune=commune)
    recognition = held.select_related("level").first()
    return recognition.level if recognition else None


def open_work(province: Province) -> list[Assessment]:
    """The province's assessments waiting for someone: returned or submitted, any year."""
    waiting = (Assessment.Status.RETURNED, Assessment.Status.SUBMITTED)
    assessments = Assessment.objects.filter(commune__province=province, status__in=waiting)
    assessments = assessments.select_related("commune__district")
    return list(assessments.order_by("-year", "commune__sort_key"))


def approval_queue(access: Access) -> list[Assessment]:
    """Submitted assessments of the approver's province (every province for national users),
    oldest submission first, each with when it was submitted (``submitted_at``) and how many
    of its values are still last year's, carried forward and never confirmed (``carried``):
    1 query."""
    queue = Assessment.objects.filter(status=Assessment.Status.SUBMITTED)
    if not access.country_wide:
        queue = queue.filter(commune__province_id__in=access.province_ids)
    queue = queue.select_related("commune__province", "commune__district", "criteria_set")
    carried = (
        AssessmentValue.objects.filter(assessment=OuterRef("pk"), carried_forward=True)
        .order_by()
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    queue = queue.annotate(
        submitted_at=Max("steps__at", filter=Q(steps__action="submit")),
        carried=Coalesce(Subquery(carried), 0),
    )
    return list(queue.order_by("submitted_at", "commune__sort_key"))


def queue_leavers(access: Access, ids: Collection[int]) -> list[Assessment]:
    """Of the assessments ``ids``, those of the approver's province (every province for
    national users) that are no longer submitted: approved or returned since the queue was
    read. 1 query."""
    left = Assessment.objects.filter(pk__in=ids).exclude(status=Assessment.Status.SUBMITTED)
    if not access.country_wide:
        left = left.filter(commune__province_id__in=access.province_ids)
    return list(left.select_related("commune").order_by("commune__sort_key", "year"))


def closure_state(assessment: Assessment) -> dict:
    """The closure of the assessment's year for its province, if any, and this commune's
    exception to it: 1 query, 2 when the year is closed."""
    exceptions = ClosureException.objects.filter(commune_id=assessment.commune_id)
    closure = (
        YearClosure.objects.filter(province_id=assessment.commune.province_id, year=assessment.year)
        .select_related("closed_by")
        .prefetch_related(
            Prefetch("exceptions", exceptions.select_related("opened_by"), to_attr="here")
        )
        .first()
    )
    return {"closure": closure, "exception": closure.here[0] if closure and closure.here else None}


def year_closures(province: Province, years: list[int]) -> dict[int, YearClosure]:
    """The province's closed years among ``years``, each with its exceptions: 2 queries."""
    exceptions = ClosureException.objects.select_related("commune", "opened_by")
    closures = (
        YearClosure.objects.filter(province=province, year__in=years)
        .select_related("closed_by")
        .prefetch_related(Prefetch("exceptions", exceptions.order_by("commune__sort_key")))
    )
    return {closure.year: closure for closure in closures}


def last_reopenings(province: Province) -> dict[int, object]:
    """The last reopening of each of the province's years on record (a history row): 1 query."""
    reopened = YearClosure.history.filter(province=province, history_type="-")
    return {r.year: r for r in reopened.select_related("history_user").order_by("history_date")}


def evidence_by_measure(assessment: Assessment) -> dict[str, list[Evidence]]:
    """The assessment's files by measure code, oldest first: 1 query."""
    files = assessment.evidence_files.select_related("measure", "uploaded_by")
    by_measure: dict[str, list[Evidence]] = defaultdict(list)
    for evidence in files.order_by("uploaded_at", "pk"):
        by_measure[evidence.measure.code].append(evidence)
    return dict(by_measure)


@dataclass
class ValueChange:
    at: object
    user: object
    measure: Measure
    kind: str  # "+" created, "~" changed, "-" cleared
    old: dict | None
    new: dict | None


def _snapshot(record) -> dict:
    return {
        "value": record.flag if record.flag is not None else record.number,
        "not_applicable": record.not_applicable,
        "note": record.note,
        "evidence_url": record.evidence_url,
    }


def value_changes(assessment: Assessment) -> list[ValueChange]:
    """Every change to the assessment's values, newest first, each with the value before and
    after: 1 query over the recorded history."""
    records = (
        AssessmentValue.history.filter(assessment_id=assessment.pk)
        .select_related("history_user", "measure")
        .order_by("measure_id", "history_date", "history_id")
    )
    previous: dict[int, dict | None] = defaultdict(lambda: None)
    changes = []
    for record in records:
        new = None if record.history_type == "-" else _snapshot(record)
        old = previous[record.measure_id]
        if new != old:
            kind = record.history_type
            changes.append(
                ValueChange(
                    record.history_date, record.history_user, record.measure, kind, old, new
                )
            )
        previous[record.measure_id] = new
    changes.sort(key=lambda change: change.at, reverse=True)
    return changes
