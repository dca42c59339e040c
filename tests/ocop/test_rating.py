"""Tests for the pure OCOP rating rules: no database."""

import datetime
from decimal import Decimal

import pytest

from ocop import rating
from ocop.rating import Evaluation, Level, Status

D = Decimal
day = datetime.date


def ev(
    decided: datetime.date,
    stars: int = 3,
    revoked: datetime.date | None = None,
    key: int = 0,
    until: datetime.date | None = None,
) -> Evaluation:
    return Evaluation(decided, stars, until or rating.valid_until(decided), revoked, key)


# ---------------------------------------------------------------------------------------------
# Stars
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("score", "stars"),
    [
        ("0", 1),
        ("29.99", 1),
        ("30", 2),
        ("49.99", 2),
        ("50", 3),
        ("69.99", 3),
        ("70", 4),
        ("89.99", 4),
        ("90", 5),
        ("100", 5),
    ],
)
def test_every_band_boundary(score: str, stars: int) -> None:
    assert rating.band_stars(D(score)) == stars
    assert rating.stars_for(D(score), Level.CENTRAL) == stars


@pytest.mark.parametrize(
    ("level", "stars"), [(Level.DISTRICT, 3), (Level.PROVINCE, 4), (Level.CENTRAL, 5)]
)
def test_each_level_caps_a_high_score(level: Level, stars: int) -> None:
    assert rating.stars_for(D("95"), level) == stars


@pytest.mark.parametrize("level", list(Level))
@pytest.mark.parametrize(("score", "stars"), [("10", 1), ("35", 2), ("55", 3)])
def test_caps_never_raise_a_low_score(level: Level, score: str, stars: int) -> None:
    assert rating.stars_for(D(score), level) == stars


@pytest.mark.parametrize(
    ("level", "score", "stars"), [("district", "75", 3), ("province", "75", 4)]
)
def test_level_may_be_given_as_its_stored_text(level: str, score: str, stars: int) -> None:
    assert rating.stars_for(D(score), level) == stars


def test_integer_score_is_accepted() -> None:
    assert rating.stars_for(70, Level.PROVINCE) == 4


@pytest.mark.parametrize("score", [D("-0.01"), D("100.01"), D("-1"), D("101")])
def test_score_out_of_range_raises(score: Decimal) -> None:
    with pytest.raises(ValueError, match="between 0 and 100"):
        rating.band_stars(score)


@pytest.mark.parametrize("score", [72.5, True, "72.5", None])
def test_score_that_is_not_a_decimal_raises(score: object) -> None:
    with pytest.raises(TypeError, match="a score is a Decimal"):
        rating.band_stars(score)  # type: ignore[arg-type]


def test_unknown_level_raises() -> None:
    with pytest.raises(ValueError, match="'commune' is not a valid Level"):
        rating.stars_for(D("60"), "commune")


def test_bands_are_data_highest_first() -> None:
    assert [stars for _, stars in rating.STAR_BANDS] == [5, 4, 3, 2]
    assert rating.LOWEST_STARS == 1
    assert "148/QĐ-TTg" in rating.STAR_BANDS_SOURCE


@pytest.mark.parametrize(("stars", "certified"), [(1, False), (2, False), (3, True), (5, True)])
def test_certified_from_three_stars(stars: int, certified: bool) -> None:
    assert rating.is_certified(stars) is certified
    assert ev(day(2024, 1, 1), stars).certified is certified


# ---------------------------------------------------------------------------------------------
# 1489/QĐ-TTg: no district level from 6 July 2025
# ---------------------------------------------------------------------------------------------


def test_district_may_evaluate_until_5_july_2025() -> None:
    assert rating.withdrawal(Level.DISTRICT, day(2025, 7, 5)) is None


@pytest.mark.parametrize("decided", [day(2025, 7, 6), day(2026, 1, 1)])
def test_district_evaluation_from_6_july_2025_is_invalid(decided: datetime.date) -> None:
    rule = rating.withdrawal("district", decided)
    assert rule is not None
    assert rule.from_date == day(2025, 7, 6)
    assert "1489/QĐ-TTg" in rule.source


@pytest.mark.parametrize("level", [Level.PROVINCE, Level.CENTRAL])
def test_province_and_central_remain(level: Level) -> None:
    assert rating.withdrawal(level, day(2025, 7, 6)) is None


# ---------------------------------------------------------------------------------------------
# Parts
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "maxima", "source"),
    [
        (day(2021, 6, 1), (35, 25, 40), "1048/QĐ-TTg"),
        (day(2023, 2, 23), (35, 25, 40), "1048/QĐ-TTg"),
        (day(2023, 2, 24), (40, 25, 35), "148/QĐ-TTg"),
        (day(2025, 8, 1), (40, 25, 35), "148/QĐ-TTg"),
    ],
)
def test_parts_follow_the_scheme_of_the_decision_date(
    decided: datetime.date, maxima: tuple, source: str
) -> None:
    scheme = rating.scheme_on(decided)
    assert scheme.maxima == tuple(D(m) for m in maxima)
    assert sum(scheme.maxima) == rating.MAX_SCORE
    assert scheme.source.startswith(source)


# ---------------------------------------------------------------------------------------------
# Validity
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decided", "last_day"),
    [
        (day(2023, 3, 15), day(2026, 3, 14)),
        (day(2023, 1, 1), day(2025, 12, 31)),  # year boundary
        (day(2022, 3, 1), day(2025, 2, 28)),  # day before 1 March, common year
        (day(2024, 3, 1), day(2027, 2, 28)),
        (day(2025, 3, 1), day(2028, 2, 29)),  # ... leap year
        (day(2024, 2, 29), day(2027, 2, 28)),  # 29 Feb: through the end of February
        (day(2024, 2, 28), day(2027, 2, 27)),
        (day(2025, 2, 28), day(2028, 2, 27)),  # ending in a leap year: not the 28th
        (day(2023, 12, 31), day(2026, 12, 30)),
    ],
)
def test_valid_through_the_day_before_the_36th_monthly_anniversary(
    decided: datetime.date, last_day: datetime.date
) -> None:
    assert rating.valid_until(decided) == last_day


@pytest.mark.parametrize(
    ("decided", "months", "last_day"),
    [
        (day(2024, 1, 31), 1, day(2024, 2, 29)),  # no 31 February: through its last day
        (day(2023, 1, 31), 1, day(2023, 2, 28)),
        (day(2024, 3, 31), 1, day(2024, 4, 30)),
        (day(2024, 11, 15), 2, day(2025, 1, 14)),
        (day(2024, 2, 29), 48, day(2028, 2, 28)),  # 29 Feb to 29 Feb
    ],
)
def test_validity_month_arithmetic(
    decided: datetime.date, months: int, last_day: datetime.date
) -> None:
    assert rating.valid_until(decided, months) == last_day


@pytest.mark.parametrize(
    ("on", "status"),
    [
        (day(2023, 3, 14), Status.NOT_YET),
        (day(2023, 3, 15), Status.IN_FORCE),  # the decision day
        (day(2026, 3, 14), Status.IN_FORCE),  # the last valid day
        (day(2026, 3, 15), Status.EXPIRED),  # the day after
    ],
)
def test_in_force_from_the_decision_through_the_last_valid_day(
    on: datetime.date, status: Status
) -> None:
    evaluation = ev(day(2023, 3, 15))
    assert rating.status_on(evaluation, on) == status
    assert rating.in_force(evaluation, on) is (status == Status.IN_FORCE)


def test_29_february_rating_is_in_force_on_28_february_and_not_on_1_march() -> None:
    evaluation = ev(day(2024, 2, 29))
    assert rating.in_force(evaluation, day(2027, 2, 28))
    assert rating.status_on(evaluation, day(2027, 3, 1)) == Status.EXPIRED


@pytest.mark.parametrize(
    ("revoked", "status"),
    [
        (day(2024, 5, 31), Status.REVOKED),  # before the day
        (day(2024, 6, 1), Status.REVOKED),  # on the day: revoked from that day
        (day(2024, 6, 2), Status.IN_FORCE),  # after the day: still in force that day
    ],
)
def test_revocation_on_before_or_after_the_day(revoked: datetime.date, status: Status) -> None:
    evaluation = ev(day(2023, 3, 15), revoked=revoked)
    assert rating.status_on(evaluation, day(2024, 6, 1)) == status


def test_revocation_on_the_decision_day_means_never_in_force() -> None:
    evaluation = ev(day(2023, 3, 15), revoked=day(2023, 3, 15))
    assert rating.status_on(evaluation, day(2023, 3, 15)) == Status.REVOKED


def test_revocation_after_expiry_reads_expired_then_revoked() -> None:
    evaluation = ev(day(2021, 5, 1), revoked=day(2024, 9, 1))  # valid through 2024-04-30
    assert rating.status_on(evaluation, day(2024, 6, 1)) == Status.EXPIRED
    assert rating.status_on(evaluation, day(2024, 9, 1)) == Status.REVOKED


@pytest.mark.parametrize(
    ("on", "days", "expiring"),
    [
        (day(2025, 12, 15), 90, True),  # 2026-03-14 < 2026-03-15 (= day + 90)
        (day(2025, 12, 14), 90, False),  # 2026-03-14 == day + 90: still in force that day
        (day(2026, 3, 14), 1, True),  # the last valid day
        (day(2026, 3, 14), 0, False),  # no horizon
        (day(2026, 3, 15), 90, False),  # already expired
        (day(2023, 3, 1), 90, False),  # not yet decided
    ],
)
def test_expires_within(on: datetime.date, days: int, expiring: bool) -> None:
    assert rating.expires_within(ev(day(2023, 3, 15)), on, days) is expiring


@pytest.mark.parametrize(
    ("stars", "on", "revoked", "certifies"),
    [
        (3, day(2023, 3, 15), None, True),  # 3 stars, on the decision day
        (2, day(2023, 3, 15), None, False),  # in force, below 3 stars
        (5, day(2026, 3, 14), None, True),  # the last valid day
        (5, day(2026, 3, 15), None, False),  # expired
        (4, day(2023, 3, 14), None, False),  # not yet decided
        (4, day(2024, 6, 1), day(2024, 6, 1), False),  # revoked that day
        (4, day(2024, 6, 1), day(2024, 6, 2), True),  # revoked the day after
    ],
)
def test_an_evaluation_certifies_in_force_with_three_stars(
    stars: int, on: datetime.date, revoked: datetime.date | None, certifies: bool
) -> None:
    evaluation = ev(day(2023, 3, 15), stars=stars, revoked=revoked)
    assert rating.certifies(evaluation, on) is certifies
    assert rating.certified_on([evaluation], on) is certifies


def test_revoked_rating_is_not_expiring() -> None:
    evaluation = ev(day(2023, 3, 15), revoked=day(2026, 1, 1))
    assert not rating.expires_within(evaluation, day(2026, 1, 1), 90)


# ---------------------------------------------------------------------------------------------
# A product's rating on a day
# ---------------------------------------------------------------------------------------------


def test_no_evaluation_no_rating() -> None:
    assert rating.current([], day(2024, 1, 1)) is None
    assert rating.rating_on([], day(2024, 1, 1)) is None
    assert not rating.certified_on([], day(2024, 1, 1))


def test_latest_evaluation_wins_whatever_the_order_given() -> None:
    older, newer = ev(day(2022, 5, 1), stars=3), ev(day(2024, 5, 1), stars=4)
    assert rating.rating_on([newer, older], day(2024, 6, 1)) == newer
    assert rating.rating_on([older, newer], day(2024, 6, 1)) == newer


def test_evaluation_decided_later_does_not_count_yet() -> None:
    older, newer = ev(day(2022, 5, 1), stars=3), ev(day(2024, 5, 1), stars=4)
    assert rating.rating_on([older, newer], day(2024, 4, 30)) == older


def test_newer_lower_rating_replaces_a_certified_one() -> None:
    # A re-evaluation that finds only 2 stars ends the 3-star certificate from its date.
    evaluations = [ev(day(2023, 1, 10), stars=3), ev(day(2024, 6, 1), stars=2)]
    assert rating.certified_on(evaluations, day(2024, 5, 31))
    assert rating.rating_on(evaluations, day(2024, 6, 1)).stars == 2
    assert not rating.certified_on(evaluations, day(2024, 6, 1))


def test_revoked_newer_evaluation_does_not_revive_the_older() -> None:
    older = ev(day(2023, 1, 10), stars=4)  # valid through 2026-01-09
    newer = ev(day(2024, 6, 1), stars=5, revoked=day(2025, 3, 1))
    assert rating.rating_on([older, newer], day(2025, 2, 28)) == newer
    assert rating.current([older, newer], day(2025, 3, 1)) == newer
    assert rating.rating_on([older, newer], day(2025, 3, 1)) is None
    assert not rating.certified_on([older, newer], day(2025, 3, 1))


def test_expired_newer_evaluation_does_not_revive_the_older() -> None:
    # Only a stored validity that outlives the newer one's (e.g. recorded under another rule)
    # could make the older look in force: the newer one still decides.
    older = ev(day(2023, 1, 10), until=day(2030, 1, 1))
    newer = ev(day(2024, 6, 1), stars=4)  # valid through 2027-05-31
    assert rating.rating_on([older, newer], day(2027, 6, 1)) is None
    assert rating.in_force(older, day(2027, 6, 1))


def test_expired_evaluation_leaves_no_rating() -> None:
    evaluations = [ev(day(2020, 1, 1)), ev(day(2021, 1, 1))]
    assert rating.current(evaluations, day(2024, 6, 1)) == evaluations[1]
    assert rating.rating_on(evaluations, day(2024, 6, 1)) is None


def test_same_day_decisions_the_last_recorded_wins() -> None:
    first, second = ev(day(2024, 6, 1), stars=3, key=7), ev(day(2024, 6, 1), stars=4, key=9)
    assert rating.rating_on([second, first], day(2024, 6, 1)) == second


def test_reevaluation_before_expiry_extends_the_certificate() -> None:
    evaluations = [ev(day(2021, 3, 1), stars=3), ev(day(2024, 2, 1), stars=3)]
    assert rating.certified_on(evaluations, day(2026, 6, 1))
