"""OCOP star ratings as pure functions over plain data: no Django, no database.

The rules are those of 148/QĐ-TTg (24/02/2023) as amended by 1489/QĐ-TTg (06/07/2025), with the
parts of the older 1048/QĐ-TTg (2019) kept for evaluations decided before 148. Every number a
later decision could change is data below, with its source; ocop.services, ocop.selectors and
the database constraints in ocop.models all read it from here.

Validity. A rating decided on day D is valid for 36 months: from D through the day before the
same date 36 months later (decided 2023-03-15: valid through 2026-03-14). When that date does not
exist (a 29 February in a common year) the rating is valid through the last day of that month
(decided 2024-02-29: valid through 2027-02-28), so that no rating gets less than 36 whole months.
A revoked rating stops being in force on its revocation date.

The rating of a product on a day is its current evaluation (the latest decided on or before that
day; on the same day, the one recorded last), if that evaluation is in force. A newer evaluation
supersedes the older ones from its decision date: when it later expires or is revoked, the older
ones do not come back. A re-evaluation replaces the certificate, and revoking the new one (for a
violation, or after a failed re-evaluation) ends the product's OCOP status; it does not revive a
certificate the product no longer holds.
"""

import calendar
import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

D = Decimal


class Level(StrEnum):
    """The level (cấp) whose council evaluated the product."""

    DISTRICT = "district"
    PROVINCE = "province"
    CENTRAL = "central"


class Status(StrEnum):
    NOT_YET = "not_yet"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    REVOKED = "revoked"


# ---------------------------------------------------------------------------------------------
# The rules as data
# ---------------------------------------------------------------------------------------------

MIN_SCORE, MAX_SCORE = D(0), D(100)

# (lowest score of the band, stars), highest band first. Confirmed for 1048/QĐ-TTg; for 148 the
# same cut-offs are likely but not seen verbatim (domain notes §7.2), hence data, not code.
STAR_BANDS: tuple[tuple[Decimal, int], ...] = ((D(90), 5), (D(70), 4), (D(50), 3), (D(30), 2))
LOWEST_STARS = 1
STAR_BANDS_SOURCE = "1048/QĐ-TTg (confirmed); 148/QĐ-TTg (likely the same, notes §7.2)"

# The most stars each level may award (148/QĐ-TTg Annex II; notes §7.2).
MAX_STARS: dict[Level, int] = {Level.DISTRICT: 3, Level.PROVINCE: 4, Level.CENTRAL: 5}

CERTIFIED_MIN_STARS = 3  # 3 to 5 stars are "OCOP-standard" and certified (notes §7.2, §8)
VALIDITY_MONTHS = 36  # certificate validity, from the decision (notes §7.2)


@dataclass(frozen=True)
class LevelWithdrawn:
    """A level that may no longer evaluate: its evaluations decided on or after
    ``from_date`` are invalid."""

    level: Level
    from_date: datetime.date
    source: str


WITHDRAWN_LEVELS: tuple[LevelWithdrawn, ...] = (
    LevelWithdrawn(
        Level.DISTRICT,
        datetime.date(2025, 7, 6),
        "1489/QĐ-TTg of 06/07/2025 (amends Annex II of 148/QĐ-TTg): province and central "
        "levels only; 3 stars move from the district to the province",
    ),
)


@dataclass(frozen=True)
class ScoreScheme:
    """The maxima of parts A, B and C for evaluations decided from ``from_date`` (None: from
    the start) until the next scheme's."""

    from_date: datetime.date | None
    maxima: tuple[Decimal, Decimal, Decimal]
    source: str


SCORE_SCHEMES: tuple[ScoreScheme, ...] = (
    ScoreScheme(None, (D(35), D(25), D(40)), "1048/QĐ-TTg (2019, amended by 781/QĐ-TTg)"),
    ScoreScheme(datetime.date(2023, 2, 24), (D(40), D(25), D(35)), "148/QĐ-TTg of 24/02/2023"),
)


# ---------------------------------------------------------------------------------------------
# Scores and stars
# ---------------------------------------------------------------------------------------------


def _as_score(score: Decimal | int) -> Decimal:
    # Floats and bools would compare, but a float score is already rounded wrongly.
    if isinstance(score, bool) or not isinstance(score, Decimal | int):
        raise TypeError(f"a score is a Decimal, got {type(score).__name__} {score!r}")
    score = D(score)
    if not MIN_SCORE <= score <= MAX_SCORE:
        raise ValueError(f"a score is between {MIN_SCORE} and {MAX_SCORE}, got {score}")
    return score


def band_stars(score: Decimal | int) -> int:
    """The stars of the score band, before any cap."""
    score = _as_score(score)
    for lowest, stars in STAR_BANDS:
        if score >= lowest:
            return stars
    return LOWEST_STARS


def stars_for(score: Decimal | int, level: Level | str) -> int:
    """The stars awarded: the score band, capped by what the evaluating level may award."""
    return min(band_stars(score), MAX_STARS[Level(level)])


def is_certified(stars: int) -> bool:
    return stars >= CERTIFIED_MIN_STARS


def scheme_on(decided: datetime.date) -> ScoreScheme:
    """The scheme of parts in force on the decision date."""
    current = SCORE_SCHEMES[0]
    for scheme in SCORE_SCHEMES:
        if scheme.from_date is None or scheme.from_date <= decided:
            current = scheme
    return current


def withdrawal(level: Level | str, decided: datetime.date) -> LevelWithdrawn | None:
    """The rule that forbids this level to evaluate on that date, if any."""
    for rule in WITHDRAWN_LEVELS:
        if rule.level == Level(level) and decided >= rule.from_date:
            return rule
    return None


# ---------------------------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------------------------


def valid_until(decided: datetime.date, months: int = VALIDITY_MONTHS) -> datetime.date:
    """The last day a rating decided on ``decided`` is valid (see the module docstring)."""
    index = decided.month - 1 + months
    year, month = decided.year + index // 12, index % 12 + 1
    last_day = calendar.monthrange(year, month)[1]
    if decided.day > last_day:
        return datetime.date(year, month, last_day)
    return datetime.date(year, month, decided.day) - datetime.timedelta(days=1)


@dataclass(frozen=True)
class Evaluation:
    """What the rules need to know of a recorded evaluation. ``key`` orders evaluations
    decided on the same day: the larger was recorded later."""

    decision_date: datetime.date
    stars: int
    valid_until: datetime.date
    revoked_date: datetime.date | None = None
    key: int = 0

    @property
    def certified(self) -> bool:
        return is_certified(self.stars)


def status_on(evaluation: Evaluation, day: datetime.date) -> Status:
    """Where an evaluation stands on a day. A revocation is reported even after the date the
    rating would have expired, since it is the more specific fact."""
    if day < evaluation.decision_date:
        return Status.NOT_YET
    if evaluation.revoked_date is not None and evaluation.revoked_date <= day:
        return Status.REVOKED
    if day > evaluation.valid_until:
        return Status.EXPIRED
    return Status.IN_FORCE


def in_force(evaluation: Evaluation, day: datetime.date) -> bool:
    return status_on(evaluation, day) == Status.IN_FORCE


def certifies(evaluation: Evaluation, day: datetime.date) -> bool:
    """Whether the evaluation makes its product certified on ``day``: in force, 3 stars or
    more."""
    return in_force(evaluation, day) and evaluation.certified


def expires_within(evaluation: Evaluation, day: datetime.date, days: int) -> bool:
    """In force on ``day`` and no longer in force ``days`` days later because it expired:
    with days=90, whether the product needs re-evaluating within the next 90 days."""
    horizon = day + datetime.timedelta(days=days)
    return in_force(evaluation, day) and evaluation.valid_until < horizon


# ---------------------------------------------------------------------------------------------
# A product's rating
# ---------------------------------------------------------------------------------------------


def current(evaluations: Iterable[Evaluation], day: datetime.date) -> Evaluation | None:
    """The evaluation that stands for the product on ``day``, in force or not: the latest
    decided on or before it."""
    decided = [e for e in evaluations if e.decision_date <= day]
    return max(decided, key=lambda e: (e.decision_date, e.key), default=None)


def rating_on(evaluations: Iterable[Evaluation], day: datetime.date) -> Evaluation | None:
    """The product's rating on ``day``: its current evaluation if in force, else none."""
    latest = current(evaluations, day)
    return latest if latest is not None and in_force(latest, day) else None


def certified_on(evaluations: Iterable[Evaluation], day: datetime.date) -> bool:
    """Whether the product holds a certified rating (3 stars or more) in force on ``day``."""
    latest = current(evaluations, day)
    return latest is not None and certifies(latest, day)
