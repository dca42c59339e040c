"""Background jobs: recorded, run inline without a broker or on Celery with one, their
progress and end on their row, and shown to the user who started them alone (and the national
office)."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from criteria.models import Indicator, Threshold
from criteria.services import create_assessment, move, save_values
from jobs import registry, runner, services
from jobs.models import Job
from ntm_portal.celery import app as celery_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def kinds(monkeypatch):
    """Test kinds beside the registered ones: "count" reports three steps; "boom" fails
    half-way."""

    def count(params, progress):
        for step in range(1, 4):
            progress(step, 3, f"step {step}")
        return {"counted": 3, "params": params}

    def boom(params, progress):
        progress(1, 2)
        raise ValueError("the spreadsheet has no sheet 2024")

    monkeypatch.setitem(registry._kinds, "count", registry.JobKind("count", count, dict))
    monkeypatch.setitem(registry._kinds, "boom", registry.JobKind("boom", boom, dict))


@pytest.fixture
def started(django_capture_on_commit_callbacks):
    """Start a job as a view would, and run what follows its commit (sending it to a broker);
    the job's row after."""

    def start(kind, user=None, **params):
        with django_capture_on_commit_callbacks(execute=True):
            job = services.start(kind, user=user, params=params)
        job.refresh_from_db()
        return job

    return start


def test_an_inline_job_records_its_progress_and_result(kinds, started, cast):
    job = started("count", cast.officer_74, size="small")
    assert (job.status, job.done, job.total, job.message) == ("done", 3, 3, "step 3")
    assert job.result == {"counted": 3, "params": {"size": "small"}}
    assert job.started_by == cast.officer_74
    assert job.created_at <= job.started_at <= job.finished_at


def test_a_failing_job_is_recorded_failed_with_its_error(kinds, started):
    job = started("boom")
    assert Job.objects.filter(pk=job.pk).exists()
    # Its progress (1 of 2) went with the savepoint that the inline job ran in, inside the
    # test's transaction; on a worker, or in a command, it stays.
    assert job.status == "failed"
    assert job.error == "ValueError: the spreadsheet has no sheet 2024"
    assert job.result is None and job.finished_at is not None


def test_a_job_already_taken_is_not_run_again(kinds, started):
    job = started("count")
    Job.objects.filter(pk=job.pk).update(done=0, message="")
    runner.run(job.pk)  # a redelivered message
    job.refresh_from_db()
    assert (job.status, job.done) == ("done", 0)


def test_an_unknown_kind_or_bad_parameters_record_nothing(db):
    with pytest.raises(ValidationError, match="Unknown job kind nope"):
        services.start("nope")
    with pytest.raises(ValidationError, match="year to rescore as a whole number"):
        services.start("rescore_year", params={"year": "last"})
    assert not Job.objects.exists()


# --- the registered kind: rescoring a year --------------------------------------------------


@pytest.fixture
def stale_year(small_set, bach_dang, lang_son_commune):
    """Two assessments of 2023 meeting the standard level, one open and one approved, whose
    stored results a raised income threshold has made stale."""
    values = {"income": 55, "irrigation": 85, "plan": True}
    open_one = create_assessment(commune=bach_dang, year=2023)
    save_values(assessment=open_one, values=values, version=1)
    approved = create_assessment(commune=lang_son_commune, year=2023)
    save_values(assessment=approved, values=values, version=1)
    move(assessment=approved, version=approved.version, action="submit")
    move(assessment=approved, version=approved.version, action="approve")
    income = Indicator.objects.get(criterion__level__code="standard", code="1.1")
    Threshold.objects.filter(indicator=income).update(value=Decimal("60"))
    return open_one, approved


def test_rescoring_a_year_rescores_its_open_assessments(stale_year, started, cast):
    open_one, approved = stale_year
    job = started("rescore_year", cast.national, year="2023")
    assert (job.status, job.done, job.total, job.result) == ("done", 1, 1, {"rescored": 1})
    assert job.params == {"year": 2023, "province": None}
    open_one.refresh_from_db()
    approved.refresh_from_db()
    assert (open_one.level, approved.level) == ("none", "standard")


def test_the_command_starts_a_job_and_follows_it_to_its_end(stale_year, cast):
    out = StringIO()
    call_command(
        "run_job", "rescore_year", "--param", "year=2023", "--user", "national", stdout=out
    )
    job = Job.objects.get()
    assert job.started_by == cast.national and job.status == "done"
    assert out.getvalue().splitlines() == [
        f"job {job.pk} (rescore_year) started",
        f"job {job.pk}: done 1/1 ",
        f"job {job.pk} done: {{'rescored': 1}}",
    ]


def test_the_command_fails_loudly(kinds, db):
    with pytest.raises(CommandError, match="ValueError: the spreadsheet has no sheet 2024"):
        call_command("run_job", "boom", stdout=StringIO())
    with pytest.raises(CommandError, match="--param takes key=value"):
        call_command("run_job", "count", "--param", "year")
    with pytest.raises(CommandError, match="no user 'ghost'"):
        call_command("run_job", "count", "--user", "ghost")


# --- with a broker: Celery ------------------------------------------------------------------


@pytest.fixture
def broker(settings):
    """A broker in this process's memory: what is sent stays queued unless eager."""
    settings.CELERY_BROKER_URL = "memory://"
    celery_app.conf.broker_url = "memory://"
    yield celery_app.conf
    celery_app.conf.task_always_eager = False


def test_with_a_broker_the_job_is_queued_for_a_worker(kinds, started, broker):
    job = started("count")
    assert (job.status, job.done) == ("queued", 0)


def test_with_a_broker_nothing_is_sent_before_the_starters_transaction_commits(kinds, broker):
    broker.task_always_eager = True
    job = services.start("count")  # the test's transaction never commits
    job.refresh_from_db()
    assert (job.status, job.done) == ("queued", 0)


def test_with_a_broker_the_celery_task_runs_the_job(kinds, started, broker):
    broker.task_always_eager = True  # the worker's side, in this process
    job = started("count")
    assert (job.status, job.done, job.result["counted"]) == ("done", 3, 3)


# --- the API --------------------------------------------------------------------------------


def test_the_job_is_shown_to_its_starter_and_the_national_office(kinds, started, cast, api):
    job = started("count", cast.officer_74)
    url = f"/api/v1/jobs/{job.pk}/"
    body = api(cast.officer_74).get(url).json()
    assert body["status"] == "done" and (body["done"], body["total"]) == (3, 3)
    assert body["started_by"] == "officer_74" and body["result"]["counted"] == 3
    assert api(cast.national).get(url).status_code == 200


def test_the_job_is_hidden_from_everyone_else(kinds, started, cast, api):
    url = f"/api/v1/jobs/{started('count', cast.officer_74).pk}/"
    assert api(cast.officer_20).get(url).status_code == 404
    assert api(cast.approver_74).get(url).status_code == 404
    assert api(None).get(url).status_code == 401
    assert api(cast.officer_74).get("/api/v1/jobs/999999/").status_code == 404


def test_reading_a_job_costs_a_fixed_number_of_queries(
    kinds, started, cast, api, django_assert_max_num_queries
):
    url = f"/api/v1/jobs/{started('count', cast.officer_74).pk}/"
    client = api(cast.officer_74)
    # the portal role (is the user national?), the job with its starter
    with django_assert_max_num_queries(2):
        assert client.get(url).status_code == 200


def test_a_broker_out_of_reach_fails_the_job_not_the_request(kinds, started, broker, monkeypatch):
    """Before, the starter got a 500 (kombu's OperationalError, raised as the transaction
    committed) and the job's row stayed queued for ever, its file kept."""
    from kombu.exceptions import OperationalError

    from jobs.tasks import run_job

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(run_job, "delay", unreachable)
    job = started("count")
    assert job.status == "failed" and job.finished_at is not None
    assert job.error.startswith("The job queue could not be reached")
    assert "Connection refused" in job.error


def test_a_job_whose_worker_stopped_is_failed_by_the_operator(kinds, started, broker, cast):
    """A worker killed half-way left its job running for ever: nothing sends a job a worker
    took again. list_jobs --fail-running-since fails those running longer, said in their row;
    one running for less time, and a queued one, are left."""
    import datetime

    from django.utils import timezone

    now = timezone.now()
    lost = Job.objects.create(
        kind="count",
        status="running",
        started_at=now - datetime.timedelta(hours=2),
        started_by=cast.officer_74,
    )
    working = Job.objects.create(kind="count", status="running", started_at=now)
    queued = started("count")
    out = StringIO()
    call_command("list_jobs", "--fail-running-since", "60", stdout=out)
    assert f"1 job(s) failed: {lost.pk}" in out.getvalue()
    assert f"{working.pk}\tcount\trunning" in out.getvalue()
    lost.refresh_from_db()
    assert (lost.status, lost.error) == (
        "failed",
        "The worker stopped before the job ended; start it again.",
    )
    assert lost.finished_at is not None
    assert Job.objects.get(pk=working.pk).status == "running"
    assert Job.objects.get(pk=queued.pk).status == "queued"


def test_a_job_failed_as_stuck_stays_failed_when_its_worker_ends_after_all(kinds, cast):
    """The operator failed a slow job as stuck and its starter was told: the worker's end,
    coming later, flipped it back to done."""
    import datetime

    from django.utils import timezone

    job = Job.objects.create(kind="count", status="queued")
    Job.objects.filter(pk=job.pk).update(status="running", started_at=timezone.now())
    services.fail_stuck(timezone.now() + datetime.timedelta(minutes=1))
    runner._finish(job.pk, Job.Status.DONE, result={"counted": 3})
    job.refresh_from_db()
    assert (job.status, job.result) == ("failed", None)
