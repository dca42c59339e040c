"""A long import through the API as a background job (background=true): 202 with the job at
once, the job's progress and the same report at /api/v1/jobs/<id>/; a refused file is a job
that ends with every error and nothing written; who may import is checked before any job."""

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage

from criteria.jobs import keep_for_import
from criteria.models import Assessment
from criteria.services.imports import import_access
from jobs.models import Job
from jobs.runner import run
from tests.criteria.test_imports import GOOD, URL, _snapshot, _upload

pytestmark = pytest.mark.django_db


def _background(api, user, body, **fields):
    data = {"file": _upload(body), "background": "true", **fields}
    return api(user).post(URL, data, format="multipart")


def test_a_background_import_answers_its_job_and_the_job_the_report(
    small_set, bach_dang, api, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    response = _background(api, cast.officer_74, GOOD)
    assert response.status_code == 202
    answer = response.json()
    assert response["Location"] == answer["url"] == f"/api/v1/jobs/{answer['job']}/"
    job = api(cast.officer_74).get(answer["url"]).json()  # no broker here: already run
    assert (job["kind"], job["status"], job["started_by"]) == (
        "import_values",
        "done",
        "officer_74",
    )
    assert (job["done"], job["total"]) == (3, 3)  # the rows read, counted at the end
    result = job["result"]
    assert (result["refused"], result["assessments_created"], result["values_created"]) == (
        False,
        1,
        3,
    )
    assert Assessment.objects.get().commune == bach_dang
    assert not default_storage.listdir("imports/jobs")[1]  # the kept file is removed
    # The job is its starter's (and the national office's), nobody else's.
    assert api(cast.officer_20).get(answer["url"]).status_code == 404
    assert api(cast.national).get(answer["url"]).status_code == 200


def test_a_refused_file_ends_its_job_with_every_error_and_writes_nothing(
    small_set, bach_dang, api, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    before = _snapshot()
    response = _background(api, cast.officer_74, "99999,2023,income,50,\n25930,2023,plan,abc,\n")
    assert response.status_code == 202
    job = Job.objects.get(pk=response.json()["job"])
    assert job.status == Job.Status.DONE
    assert (job.result["refused"], job.result["error_count"]) == (True, 2)
    assert job.result["errors"][0]["column"] == "commune_code"
    assert _snapshot() == before


def test_who_may_import_is_checked_before_any_job(
    small_set, bach_dang, api, cast, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    refused = _background(api, cast.officer_74, GOOD, status="approved")
    assert refused.status_code == 403
    assert _background(api, None, GOOD).status_code == 401
    assert not Job.objects.exists()


@pytest.mark.parametrize("gone", ["deleted", "deactivated"])
def test_a_job_whose_starter_is_gone_imports_nothing(
    small_set, bach_dang, cast, settings, tmp_path, gone
):
    """A job queued for a worker runs later: its starter may be deleted or deactivated by
    then. Before, a deleted starter read as no user, and no user is the operator at the
    server: the file was imported with the national scope, approved if it asked."""
    settings.MEDIA_ROOT = tmp_path
    officer = cast.officer_74
    params = {"file": keep_for_import(_upload(GOOD)), "status": "draft", "user": officer.pk}
    job = Job.objects.create(kind="import_values", started_by=officer, params=params)  # queued
    if gone == "deleted":
        officer.delete()
    else:
        officer.is_active = False
        officer.save()
    before = _snapshot()
    run(job.pk)  # as the worker runs it (jobs.tasks.run_job)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "The account that started this import is gone or deactivated." in job.error
    assert _snapshot() == before
    assert not default_storage.listdir("imports/jobs")[1]  # the kept file is removed


def test_a_deactivated_account_may_not_import(small_set, cast):
    cast.approver_74.is_active = False
    with pytest.raises(PermissionDenied, match="This account is deactivated."):
        import_access(cast.approver_74)


def test_an_import_the_queue_never_took_or_that_was_stuck_leaves_no_file(
    small_set,
    bach_dang,
    api,
    cast,
    settings,
    tmp_path,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    """Its upload, kept for the worker, was removed only by the job's own run: a job that
    could not be queued, or was failed as stuck, left it in imports/jobs/ for ever."""
    import datetime

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from jobs.services import fail_stuck
    from jobs.tasks import run_job

    settings.MEDIA_ROOT = tmp_path
    settings.CELERY_BROKER_URL = "memory://"

    def unreachable(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6399. Connection refused.")

    monkeypatch.setattr(run_job, "delay", unreachable)
    with django_capture_on_commit_callbacks(execute=True):
        response = _background(api, cast.officer_74, GOOD)
    assert response.status_code == 202
    assert Job.objects.get().status == "failed"
    assert default_storage.listdir("imports/jobs")[1] == []

    kept = keep_for_import(_upload(GOOD))
    params = {"file": kept, "status": "draft", "dry_run": False, "user": cast.officer_74.pk}
    an_hour_ago = timezone.now() - datetime.timedelta(hours=1)
    stuck = Job.objects.create(
        kind="import_values", status="running", started_at=an_hour_ago, params=params
    )
    assert fail_stuck(timezone.now()) == [stuck.pk]
    assert default_storage.listdir("imports/jobs")[1] == []
