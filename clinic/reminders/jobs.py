"""A small database-backed job runner that needs no broker (docs/decisions/0004-job-runner.md).

    from clinic.reminders.jobs import job_enqueue, task

    @task("reminders.send_appointment_reminder")
    def send_appointment_reminder(*, appointment_id: int, reminder: str, slot: str) -> None: ...

    job_enqueue(name="reminders.send_appointment_reminder", args={"appointment_id": 7, ...},
                dedupe_key="reminder:7:first:ab12")

Workers (`manage.py run_jobs`) claim a due job with one conditional UPDATE by id that only succeeds
while the job is still claimable. On PostgreSQL the losing UPDATE waits for the winner's row lock,
re-reads the row and matches nothing; on SQLite writers are serialized. So one code path is safe on
both, and a job is never run by two workers at once (unless its lock goes stale: see
`jobs_recover_stale`). Delivery is at least once, so handlers must be idempotent.
"""

import contextvars
import datetime as dt
import logging
import os
import re
import socket
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.reminders.models import Job, JobStatus

logger = logging.getLogger(__name__)

UNKNOWN_TASK = "No task is registered under the name {name!r}."
ARGS_NOT_IDS = (
    "Job arguments must be a flat mapping of ids and short codes (int, bool, None or a string of "
    "at most 64 characters), never patient data; {key!r} is not."
)
TASK_REGISTERED_TWICE = "A task named {name!r} is already registered."
JOB_NOT_RETRYABLE = "Only a failed job or one that gave up can be retried."
STALE_REQUEUED = "The worker stopped answering while running this job; it was queued again."
STALE_DEAD = "The worker stopped answering while running this job, and no attempts were left."

CLAIMABLE = (JobStatus.QUEUED, JobStatus.FAILED)
BACKOFF_BASE_SECONDS = 30
BACKOFF_CAP_SECONDS = 60 * 60
DEFAULT_STALE_MINUTES = 30
_MAX_ARG_STRING = 64
_CANDIDATES_PER_CLAIM = 10

TaskFunction = Callable[..., Any]
TASKS: dict[str, TaskFunction] = {}
_current_job: contextvars.ContextVar[Job | None] = contextvars.ContextVar(
    "current_job", default=None
)


class PermanentJobError(Exception):
    """Raised by a task when retrying cannot help: the job is marked dead at once."""


# --- The registry ------------------------------------------------------------------------------


def task(name: str) -> Callable[[TaskFunction], TaskFunction]:
    """Register a function as the task `name`; it is called with the job's args as keywords."""

    def register(fn: TaskFunction) -> TaskFunction:
        if TASKS.get(name, fn) is not fn:
            raise ValueError(TASK_REGISTERED_TWICE.format(name=name))
        TASKS[name] = fn
        fn.task_name = name  # type: ignore[attr-defined]
        return fn

    return register


def current_job() -> Job | None:
    """The job whose task is running in this thread, so a task can link what it creates to it."""
    return _current_job.get()


# --- Enqueueing ------------------------------------------------------------------------------


def _check_args(args: dict[str, Any]) -> None:
    if not isinstance(args, dict):
        raise ValueError(ARGS_NOT_IDS.format(key="args"))
    for key, value in args.items():
        ok = (
            value is None
            or isinstance(value, bool | int)
            or (isinstance(value, str) and len(value) <= _MAX_ARG_STRING)
        )
        if not ok:
            raise ValueError(ARGS_NOT_IDS.format(key=key))


def job_enqueue_with_status(
    *,
    name: str,
    args: dict[str, Any],
    run_after: dt.datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
    clinic=None,
    queue: str = "default",
) -> tuple[Job, bool]:
    """Like `job_enqueue`, also saying whether the job is new (False: the dedupe key existed)."""
    if name not in TASKS:
        raise ValueError(UNKNOWN_TASK.format(name=name))
    _check_args(args)
    if max_attempts < 1:
        raise ValueError("max_attempts must be at least 1")
    if dedupe_key:
        existing = Job.objects.filter(dedupe_key=dedupe_key).first()
        if existing is not None:
            return existing, False
    try:
        # A savepoint: a concurrent twin's unique-key clash must not spoil the caller's transaction.
        with transaction.atomic():
            job = Job.objects.create(
                clinic=clinic,
                queue=queue,
                name=name,
                args=args,
                run_after=run_after or timezone.now(),
                max_attempts=max_attempts,
                dedupe_key=dedupe_key or None,
            )
    except IntegrityError:
        if not dedupe_key:
            raise
        return Job.objects.get(dedupe_key=dedupe_key), False
    return job, True


def job_enqueue(
    *,
    name: str,
    args: dict[str, Any],
    run_after: dt.datetime | None = None,
    max_attempts: int = 5,
    dedupe_key: str | None = None,
    clinic=None,
    queue: str = "default",
) -> Job:
    """Queue a run of the registered task `name` at `run_after` (default now).

    `args` must be ids and short codes only. With `dedupe_key`, a job is queued once per key for
    ever (whatever its status): a second call returns the first job. Inside a transaction the job
    commits or rolls back with the caller's change.
    """
    job, _ = job_enqueue_with_status(
        name=name,
        args=args,
        run_after=run_after,
        max_attempts=max_attempts,
        dedupe_key=dedupe_key,
        clinic=clinic,
        queue=queue,
    )
    return job


# --- Claiming and running --------------------------------------------------------------------


def default_worker_id() -> str:
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def backoff_seconds(attempts: int) -> int:
    """Wait before the next try after `attempts` failed tries: 30 s, 60 s, 120 s… capped at 1 h."""
    return min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(0, attempts - 1))


def stale_after() -> dt.timedelta:
    minutes = getattr(settings, "KETACLINIC_JOB_STALE_MINUTES", DEFAULT_STALE_MINUTES)
    return dt.timedelta(minutes=minutes)


def job_claim_by_id(*, job_id: int, worker_id: str, now: dt.datetime | None = None) -> bool:
    """Take the job for `worker_id` if it is still claimable and due; True when this worker won.

    The single UPDATE ... WHERE id = %s AND status IN ('queued', 'failed') is the whole protocol.
    """
    now = now or timezone.now()
    claimed = Job.objects.filter(pk=job_id, status__in=CLAIMABLE, run_after__lte=now).update(
        status=JobStatus.RUNNING,
        locked_by=worker_id,
        locked_at=now,
        attempts=F("attempts") + 1,
        updated_at=now,
    )
    return claimed == 1


def job_candidates(*, now: dt.datetime, queues: Iterable[str] | None = None) -> list[int]:
    """Ids of due, claimable jobs, oldest first (reads the (status, run_after) index)."""
    due = Job.objects.filter(status__in=CLAIMABLE, run_after__lte=now)
    if queues:
        due = due.filter(queue__in=list(queues))
    return list(
        due.order_by("run_after", "id").values_list("pk", flat=True)[:_CANDIDATES_PER_CLAIM]
    )


def job_claim(
    *, worker_id: str, now: dt.datetime | None = None, queues: Iterable[str] | None = None
) -> Job | None:
    """Claim the oldest due job, or None when nothing is due. Losing a race moves to the next."""
    now = now or timezone.now()
    for job_id in job_candidates(now=now, queues=queues):
        if job_claim_by_id(job_id=job_id, worker_id=worker_id, now=now):
            return Job.objects.get(pk=job_id)
    return None


_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_NUMBER = re.compile(r"(\+|\()?\d[\d ()-]{6,}\d")


def safe_error_text(exc: BaseException) -> str:
    """The exception's class and message with addresses and phone numbers removed, for staff and
    logs (a provider's error may quote the recipient)."""
    message = _NUMBER.sub("[number]", _EMAIL.sub("[address]", str(exc)))
    text = f"{type(exc).__name__}: {message}" if message else type(exc).__name__
    return text[:500]


def _finish(job: Job, worker_id: str, **fields) -> bool:
    # Only the worker that holds the lock may record the outcome: if the lock went stale and another
    # worker took the job, the late one's result is dropped.
    updated = Job.objects.filter(pk=job.pk, status=JobStatus.RUNNING, locked_by=worker_id).update(
        locked_by="", locked_at=None, updated_at=timezone.now(), **fields
    )
    return updated == 1


def job_run(*, job: Job, worker_id: str) -> str:
    """Run a claimed job's task and record the outcome; returns the job's new status."""
    started = time.monotonic()
    handler = TASKS.get(job.name)
    token = _current_job.set(job)
    try:
        if handler is None:
            raise PermanentJobError(UNKNOWN_TASK.format(name=job.name))
        handler(**job.args)
    except Exception as exc:  # noqa: BLE001 - any failure of a task is recorded and retried
        now = timezone.now()
        error = safe_error_text(exc)
        if isinstance(exc, PermanentJobError) or job.attempts >= job.max_attempts:
            status = JobStatus.DEAD
            _finish(job, worker_id, status=status, last_error=error, finished_at=now)
        else:
            status = JobStatus.FAILED
            retry_at = now + dt.timedelta(seconds=backoff_seconds(job.attempts))
            _finish(job, worker_id, status=status, last_error=error, run_after=retry_at)
        logger.warning("job %s %s attempt %s %s: %s", job.pk, job.name, job.attempts, status, error)
        return status
    finally:
        _current_job.reset(token)
    _finish(job, worker_id, status=JobStatus.SUCCEEDED, finished_at=timezone.now())
    logger.info("job %s %s succeeded in %.2f s", job.pk, job.name, time.monotonic() - started)
    return JobStatus.SUCCEEDED


def jobs_recover_stale(
    *, older_than: dt.timedelta | None = None, now: dt.datetime | None = None
) -> int:
    """Running jobs locked longer than `older_than` (setting KETACLINIC_JOB_STALE_MINUTES, default
    30 min) go back to the queue, or are marked dead when no attempts are left. Returns how many."""
    now = now or timezone.now()
    cutoff = now - (older_than or stale_after())
    stale = Job.objects.filter(status=JobStatus.RUNNING, locked_at__lt=cutoff)
    dead = stale.filter(attempts__gte=F("max_attempts")).update(
        status=JobStatus.DEAD,
        locked_by="",
        locked_at=None,
        last_error=STALE_DEAD,
        finished_at=now,
        updated_at=now,
    )
    requeued = stale.filter(attempts__lt=F("max_attempts")).update(
        status=JobStatus.QUEUED,
        locked_by="",
        locked_at=None,
        last_error=STALE_REQUEUED,
        run_after=now,
        updated_at=now,
    )
    if dead or requeued:
        logger.warning("recovered stale jobs: %s queued again, %s dead", requeued, dead)
    return dead + requeued


def jobs_run(
    *,
    worker_id: str | None = None,
    max_jobs: int | None = None,
    queues: Iterable[str] | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> int:
    """Recover stale locks, then run due jobs one by one until none is due (or `max_jobs` ran).

    Returns how many jobs ran. This is the worker function `manage.py run_jobs` loops over; tests
    and the e2e suite call it once to run queued jobs in-process.
    """
    worker_id = worker_id or default_worker_id()
    jobs_recover_stale()
    ran = 0
    while (max_jobs is None or ran < max_jobs) and not should_stop():
        job = job_claim(worker_id=worker_id, queues=queues)
        if job is None:
            break
        job_run(job=job, worker_id=worker_id)
        ran += 1
    return ran


# --- Staff actions ---------------------------------------------------------------------------


def job_retry_now(*, job: Job, retried_by) -> Job:
    """Queue a failed or dead job to run at once, with at least one more attempt. Audited."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job.pk)
        if job.status not in (JobStatus.FAILED, JobStatus.DEAD):
            raise ValidationError(JOB_NOT_RETRYABLE, code="not_retryable")
        before = model_snapshot(job)
        job.status = JobStatus.QUEUED
        job.run_after = timezone.now()
        job.max_attempts = max(job.max_attempts, job.attempts + 1)
        job.finished_at = None
        job.save(update_fields=["status", "run_after", "max_attempts", "finished_at", "updated_at"])
        audit_record(
            action=AuditAction.UPDATE,
            actor=retried_by,
            clinic=job.clinic,
            obj=job,
            summary=f"Job {job.pk} ({job.name}) queued to retry now",
            before=before,
            after=model_snapshot(job),
        )
    return job
