"""The job runner: enqueue, dedupe, claim, retry with backoff, dead, stale locks, two workers."""

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from clinic.accounts.roles import Role
from clinic.audit.models import AuditEvent
from clinic.reminders import jobs
from clinic.reminders.jobs import (
    ARGS_NOT_IDS,
    JOB_NOT_RETRYABLE,
    STALE_DEAD,
    STALE_REQUEUED,
    UNKNOWN_TASK,
    PermanentJobError,
    backoff_seconds,
    current_job,
    job_candidates,
    job_claim,
    job_claim_by_id,
    job_enqueue,
    job_retry_now,
    job_run,
    jobs_recover_stale,
    jobs_run,
    safe_error_text,
    task,
)
from clinic.reminders.models import Job, JobStatus

calls: list[dict] = []
behaviour = {"fail": 0}


@task("tests.record")
def record(**kwargs):
    """Records its calls; fails the first behaviour['fail'] times."""
    calls.append({**kwargs, "job": current_job().pk if current_job() else None})
    if behaviour["fail"] > 0:
        behaviour["fail"] -= 1
        raise RuntimeError("provider down for patient@example.com at +16175550100")


@task("tests.permanent")
def permanent():
    raise PermanentJobError("cannot ever work")


@pytest.fixture(autouse=True)
def _reset():
    calls.clear()
    behaviour["fail"] = 0
    yield


def past(seconds=1):
    return timezone.now() - dt.timedelta(seconds=seconds)


def test_enqueue_refuses_unknown_tasks_and_patient_data(db):
    with pytest.raises(ValueError, match="No task"):
        job_enqueue(name="tests.nope", args={})
    with pytest.raises(ValueError) as exc:
        job_enqueue(name="tests.record", args={"note": "Rosa Delgado has depression " * 5})
    assert str(exc.value) == ARGS_NOT_IDS.format(key="note")
    with pytest.raises(ValueError):
        job_enqueue(name="tests.record", args={"nested": {"a": 1}})
    job = job_enqueue(
        name="tests.record", args={"appointment_id": 7, "which": "first", "flag": True}
    )
    assert job.status == JobStatus.QUEUED and job.attempts == 0 and job.max_attempts == 5
    assert UNKNOWN_TASK.format(name="x")


def test_dedupe_key_queues_once_forever(db):
    first = job_enqueue(name="tests.record", args={"n": 1}, dedupe_key="reminder:1:first:abc")
    again = job_enqueue(name="tests.record", args={"n": 2}, dedupe_key="reminder:1:first:abc")
    assert again.pk == first.pk and again.args == {"n": 1}
    jobs_run(worker_id="w1")
    assert Job.objects.get(pk=first.pk).status == JobStatus.SUCCEEDED
    # still deduplicated after it ran
    assert (
        job_enqueue(name="tests.record", args={}, dedupe_key="reminder:1:first:abc").pk == first.pk
    )
    assert Job.objects.count() == 1


def test_dedupe_inside_a_caller_transaction_keeps_the_transaction_usable(db):
    from django.db import transaction

    with transaction.atomic():
        job_enqueue(name="tests.record", args={}, dedupe_key="k")
        job_enqueue(name="tests.record", args={}, dedupe_key="k")
        assert Job.objects.count() == 1


def test_claim_takes_due_jobs_oldest_first_and_runs_them(db):
    later = job_enqueue(
        name="tests.record", args={"n": "later"}, run_after=timezone.now() + dt.timedelta(hours=1)
    )
    second = job_enqueue(name="tests.record", args={"n": 2}, run_after=past(5))
    first = job_enqueue(name="tests.record", args={"n": 1}, run_after=past(10))
    assert jobs_run(worker_id="w1") == 2
    assert [c["n"] for c in calls] == [1, 2]
    assert [c["job"] for c in calls] == [first.pk, second.pk]  # the task sees its own job
    first.refresh_from_db()
    assert first.status == JobStatus.SUCCEEDED and first.attempts == 1 and first.finished_at
    assert first.locked_by == "" and first.locked_at is None
    assert Job.objects.get(pk=later.pk).status == JobStatus.QUEUED


def test_max_jobs_limits_a_run(db):
    for n in range(3):
        job_enqueue(name="tests.record", args={"n": n})
    assert jobs_run(worker_id="w", max_jobs=2) == 2
    assert Job.objects.filter(status=JobStatus.QUEUED).count() == 1


def test_backoff_doubles_and_is_capped():
    assert [backoff_seconds(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]
    assert backoff_seconds(20) == 3600


def test_failure_is_retried_with_backoff_then_succeeds(db):
    # given a task that fails twice
    behaviour["fail"] = 2
    job = job_enqueue(name="tests.record", args={"n": 1})
    # when it runs the first time
    before = timezone.now()
    jobs_run(worker_id="w1")
    # then it waits 30 s, with a redacted error
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 1
    assert job.run_after >= before + dt.timedelta(seconds=30)
    assert job.run_after <= timezone.now() + dt.timedelta(seconds=31)
    assert "patient@example.com" not in job.last_error and "+16175550100" not in job.last_error
    assert job.last_error.startswith("RuntimeError: provider down")
    # and is not run again before that
    assert jobs_run(worker_id="w1") == 0
    # when the wait is over (twice), it runs again: 60 s after the second failure, then succeeds
    Job.objects.filter(pk=job.pk).update(run_after=past())
    jobs_run(worker_id="w1")
    job.refresh_from_db()
    assert job.status == JobStatus.FAILED and job.attempts == 2
    assert job.run_after >= timezone.now() + dt.timedelta(seconds=55)
    Job.objects.filter(pk=job.pk).update(run_after=past())
    jobs_run(worker_id="w1")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 3 and len(calls) == 3


def test_dead_after_max_attempts(db):
    behaviour["fail"] = 10
    job = job_enqueue(name="tests.record", args={}, max_attempts=2)
    jobs_run(worker_id="w")
    Job.objects.filter(pk=job.pk).update(run_after=past())
    jobs_run(worker_id="w")
    job.refresh_from_db()
    assert job.status == JobStatus.DEAD and job.attempts == 2 and job.finished_at
    Job.objects.filter(pk=job.pk).update(run_after=past())
    assert jobs_run(worker_id="w") == 0  # a dead job is never claimed


def test_permanent_error_and_unknown_task_are_dead_at_once(db):
    job = job_enqueue(name="tests.permanent", args={})
    ghost = job_enqueue(name="tests.record", args={})
    Job.objects.filter(pk=ghost.pk).update(name="tests.removed")
    jobs_run(worker_id="w")
    job.refresh_from_db()
    ghost.refresh_from_db()
    assert job.status == JobStatus.DEAD and job.attempts == 1
    assert ghost.status == JobStatus.DEAD and "tests.removed" in ghost.last_error


def test_two_workers_never_claim_the_same_job(db):
    # given two workers that both saw the same due job
    job = job_enqueue(name="tests.record", args={}, run_after=past())
    seen_by_a = job_candidates(now=timezone.now())
    seen_by_b = job_candidates(now=timezone.now())
    assert seen_by_a == seen_by_b == [job.pk]
    # when both try to claim it
    a_won = job_claim_by_id(job_id=job.pk, worker_id="a", now=timezone.now())
    b_won = job_claim_by_id(job_id=job.pk, worker_id="b", now=timezone.now())
    # then only the first gets it, and the second finds nothing else to do
    assert (a_won, b_won) == (True, False)
    assert job_claim(worker_id="b") is None
    job.refresh_from_db()
    assert job.locked_by == "a" and job.status == JobStatus.RUNNING and job.attempts == 1


def test_interleaved_workers_run_every_job_exactly_once(db):
    for n in range(6):
        job_enqueue(name="tests.record", args={"n": n}, run_after=past())
    # two workers alternate claims; each claimed job is run by its claimer only
    claimed = []
    for _ in range(6):
        for worker in ("a", "b"):
            job = job_claim(worker_id=worker)
            if job is not None:
                claimed.append(job.pk)
                job_run(job=job, worker_id=worker)
    assert sorted(claimed) == sorted(set(claimed)) and len(claimed) == 6
    assert sorted(c["n"] for c in calls) == list(range(6))
    assert Job.objects.filter(status=JobStatus.SUCCEEDED).count() == 6


def test_a_worker_that_lost_its_lock_cannot_overwrite_the_result(db):
    job = job_enqueue(name="tests.record", args={}, run_after=past())
    claimed = job_claim(worker_id="slow")
    # the lock goes stale and another worker takes and finishes the job
    Job.objects.filter(pk=job.pk).update(locked_at=timezone.now() - dt.timedelta(hours=2))
    assert jobs_recover_stale() == 1
    fast = job_claim(worker_id="fast")
    job_run(job=fast, worker_id="fast")
    # when the slow worker finally reports a failure, nothing changes
    behaviour["fail"] = 1
    job_run(job=claimed, worker_id="slow")
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED and job.attempts == 2


def test_stale_locks_go_back_to_the_queue_or_die_when_out_of_attempts(db):
    now = timezone.now()
    running = job_enqueue(name="tests.record", args={}, run_after=past())
    exhausted = job_enqueue(name="tests.record", args={}, run_after=past(), max_attempts=1)
    fresh = job_enqueue(name="tests.record", args={}, run_after=past())
    for job in (running, exhausted, fresh):
        assert job_claim_by_id(job_id=job.pk, worker_id="gone", now=now)
    Job.objects.filter(pk__in=[running.pk, exhausted.pk]).update(
        locked_at=now - dt.timedelta(minutes=45)
    )
    # when
    assert jobs_recover_stale(older_than=dt.timedelta(minutes=30), now=now) == 2
    # then
    running.refresh_from_db()
    exhausted.refresh_from_db()
    fresh.refresh_from_db()
    assert running.status == JobStatus.QUEUED and running.last_error == STALE_REQUEUED
    assert running.locked_by == "" and running.run_after == now
    assert exhausted.status == JobStatus.DEAD and exhausted.last_error == STALE_DEAD
    assert fresh.status == JobStatus.RUNNING and fresh.locked_by == "gone"


def test_stale_minutes_setting(settings, db):
    settings.KETACLINIC_JOB_STALE_MINUTES = 5
    job = job_enqueue(name="tests.record", args={}, run_after=past())
    job_claim(worker_id="gone")
    Job.objects.filter(pk=job.pk).update(locked_at=timezone.now() - dt.timedelta(minutes=6))
    assert jobs_recover_stale() == 1


def test_retry_now_requeues_a_dead_job_with_one_more_attempt_and_is_audited(clinic, staff):
    behaviour["fail"] = 1
    job = job_enqueue(name="tests.record", args={}, max_attempts=1, clinic=clinic)
    jobs_run(worker_id="w")
    job.refresh_from_db()
    assert job.status == JobStatus.DEAD
    # when
    job_retry_now(job=job, retried_by=staff[Role.FRONT_DESK])
    # then
    job.refresh_from_db()
    assert (
        job.status == JobStatus.QUEUED and job.max_attempts == 2 and job.run_after <= timezone.now()
    )
    event = AuditEvent.objects.filter(object_type="reminders.Job", object_id=str(job.pk)).get()
    assert event.actor == staff[Role.FRONT_DESK] and "retry" in event.summary
    assert jobs_run(worker_id="w") == 1
    assert Job.objects.get(pk=job.pk).status == JobStatus.SUCCEEDED


def test_retry_now_refuses_jobs_that_did_not_fail(clinic, staff):
    job = job_enqueue(name="tests.record", args={}, clinic=clinic)
    with pytest.raises(ValidationError) as exc:
        job_retry_now(job=job, retried_by=staff[Role.ADMIN])
    assert exc.value.messages == [JOB_NOT_RETRYABLE]


def test_safe_error_text_removes_addresses_and_numbers():
    text = safe_error_text(ValueError("550 rejected <ana.b+x@mail.example.org> (617) 555-0100"))
    assert text == "ValueError: 550 rejected <[address]> [number]"
    assert len(safe_error_text(ValueError("x" * 900))) == 500


def test_task_names_are_unique():
    with pytest.raises(ValueError):
        task("tests.record")(lambda: None)


def test_run_jobs_command_once(db):
    job_enqueue(name="tests.record", args={"n": 1})
    job_enqueue(name="tests.record", args={"n": 2})
    out = StringIO()
    call_command("run_jobs", "--once", "--sweep-minutes", "0", stdout=out)
    assert out.getvalue().strip() == "Ran 2 jobs."
    assert len(calls) == 2


def test_run_jobs_command_max_jobs(db):
    for n in range(3):
        job_enqueue(name="tests.record", args={"n": n})
    out = StringIO()
    call_command("run_jobs", "--max-jobs", "1", "--sleep", "0", stdout=out)
    assert out.getvalue().strip() == "Ran 1 job."


def test_jobs_module_has_a_single_claim_path():
    # The same conditional UPDATE serves SQLite and PostgreSQL (docs/decisions/0004-job-runner.md).
    assert jobs.CLAIMABLE == (JobStatus.QUEUED, JobStatus.FAILED)
