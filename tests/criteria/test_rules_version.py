"""The rules' version (criteria.rules_version): a token the database draws anew whenever a rule
row is written, by any path, inside the writer's transaction; one read of one row, whatever
the number of rules. On SQLite and PostgreSQL alike (the suite runs on both)."""

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from criteria import selectors
from criteria.models import (
    Criterion,
    Edition,
    Indicator,
    Level,
    Measure,
    RulesVersion,
    Threshold,
)
from criteria.rules_version import RULE_MODELS, current_token, install_triggers
from tests.criteria.builders import first_edition


def _threshold() -> Threshold:
    return Threshold.objects.filter(scope="national").order_by("pk").first()


def test_every_rule_table_is_covered():
    assert set(RULE_MODELS) == {Level, Criterion, Indicator, Measure, Threshold, Edition}


@pytest.mark.parametrize(
    "write",
    [
        "a threshold saved",
        "thresholds updated by a queryset",
        "a threshold created",
        "a threshold deleted",
        "a measure renamed",
        "an indicator changed",
        "a criterion renamed",
        "a level changed",
        "an edition published",
        "raw SQL",
    ],
)
def test_each_kind_of_write_draws_a_new_token(small_set, write):
    before = current_token()
    assert before is not None and len(before) == 32
    threshold = _threshold()
    if write == "a threshold saved":
        threshold.value = 51
        threshold.save()
    elif write == "thresholds updated by a queryset":
        Threshold.objects.filter(pk=threshold.pk).update(value=52)
    elif write == "a threshold created":
        threshold.pk = None
        threshold.source = "a copy"
        threshold.first_year, threshold.last_year = 2030, 2030
        threshold.save()
    elif write == "a threshold deleted":
        Threshold.objects.filter(pk=threshold.pk).delete()
    elif write == "a measure renamed":
        Measure.objects.filter(pk=threshold.indicator.measure_id).update(name_vi="Thu nhập")
    elif write == "an indicator changed":
        Indicator.objects.filter(pk=threshold.indicator_id).update(code="1.9")
    elif write == "a criterion renamed":
        Criterion.objects.filter(pk=threshold.indicator.criterion_id).update(name_vi="Tiêu chí")
    elif write == "a level changed":
        Level.objects.filter(criteria_set=small_set, code="standard").update(name_vi="Đạt chuẩn")
    elif write == "an edition published":
        first_edition(small_set)
    else:
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Threshold._meta.db_table} SET source = %s WHERE id = %s",
                ["sửa tay", threshold.pk],
            )
    after = current_token()
    assert after not in (None, before)


def test_a_read_draws_nothing(small_set):
    before = current_token()
    list(Threshold.objects.all())
    selectors.compiled_rules(small_set)
    assert current_token() == before


def test_a_token_drawn_in_a_rolled_back_transaction_is_gone(small_set):
    """The writer sees its own token; after the rollback, the token before is back, and the
    rolled-back one is never drawn again (a copy compiled under it reaches nobody)."""
    before = current_token()
    seen_inside = None
    with pytest.raises(RuntimeError), transaction.atomic():
        Threshold.objects.filter(pk=_threshold().pk).update(value=99)
        seen_inside = current_token()
        raise RuntimeError("roll back")
    assert seen_inside not in (None, before)
    assert current_token() == before
    Threshold.objects.filter(pk=_threshold().pk).update(value=99)
    assert current_token() not in (before, seen_inside)


def test_the_check_is_one_small_read_whatever_the_rules(small_set):
    selectors.compiled_rules(small_set)
    with CaptureQueriesContext(connection) as queries:
        kept = selectors.compiled_rules(small_set)
    assert [q["sql"] for q in queries] == [
        f"SELECT token FROM {RulesVersion._meta.db_table} WHERE id = 1"
    ]
    assert selectors.compiled_rules(small_set) is kept


def test_without_its_row_the_rules_are_digested_and_a_write_brings_it_back(small_set):
    """A database emptied by a flush loses the row: the fingerprint falls back on a digest of
    the rule rows (still never stale), and the next rule write writes the row again."""
    RulesVersion.objects.all().delete()
    digest = selectors.rules_fingerprint()
    assert len(digest) == 40  # a digest, not a token
    Threshold.objects.filter(pk=_threshold().pk).update(value=61)
    changed = selectors.rules_fingerprint()
    assert len(changed) == 32 and RulesVersion.objects.get().token == changed


def test_a_migrate_installs_the_triggers_again_and_draws_anew(small_set):
    before = current_token()
    install_triggers()
    installed_again = current_token()
    assert installed_again != before
    Threshold.objects.filter(pk=_threshold().pk).update(value=62)
    assert current_token() != installed_again
    call_command("migrate", verbosity=0)
    assert current_token() not in (before, installed_again)


def test_a_flush_empties_the_rule_tables_and_the_version_alike(
    reloads_units_after, transactional_db, small_set
):
    """Live-server tests empty the database after each test (TRUNCATE on PostgreSQL, where the
    triggers also run on TRUNCATE; DELETE on SQLite): no copy of the rules outlives it. (The
    units every other test expects are loaded again afterwards.)"""
    selectors.compiled_rules(small_set)
    before = selectors.rules_fingerprint()
    call_command("flush", interactive=False, verbosity=0)
    assert Threshold.objects.count() == 0
    assert selectors.rules_fingerprint() != before


def test_the_editions_in_force_are_kept_with_the_rules_and_follow_a_publication(small_set):
    """Which edition is in force for a year is read with the compiled rules (1 query while
    they hold); publishing one is a rule write, read at once."""
    assert selectors.editions_by_year(small_set) == {}
    with CaptureQueriesContext(connection) as queries:
        assert selectors.editions_by_year(small_set) == {}
    assert len(queries) == 1  # the rules' version
    edition = first_edition(small_set)
    in_force = selectors.editions_by_year(small_set)
    assert set(in_force) == set(range(small_set.first_year, small_set.last_year + 1))
    assert {e.pk for e in in_force.values()} == {edition.pk}
