"""Starting, running and sweeping jobs. Views, the API and the tasks all go through here."""

import logging
import time
from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import OperationalError, transaction
from django.db.models import F, Q
from django.utils import timezone

from accounts.scoping import may_write
from config.celery import enqueue_on_commit, sweep_each, task_named

from . import registry
from .excel import check_upload
from .models import Job

logger = logging.getLogger(__name__)

# A running job whose heartbeat (`updated`) is older than this lost its worker: it may be
# claimed again. Longer than the slowest progress interval of any handler.
STALE_AFTER = timedelta(minutes=30)
# A queued job older than this probably never reached the broker: the sweeper sends it again.
QUEUED_GRACE = timedelta(minutes=2)
# A job claimed this many times without finishing (its worker died each time: out of memory
# on a huge file, say) is failed instead of being run again.
MAX_ATTEMPTS = 3


class Progress:
    """`progress(done, total=None)` from a handler: written on the job row at most every
    `interval` seconds (and always when done == total, or for a handler's few long steps
    with `step=True`), outside any transaction of the handler's, so the page sees it while
    the work goes on."""

    def __init__(self, job, interval=1.0):
        self.job, self.interval, self._last = job, interval, 0.0

    def __call__(self, done, total=None, *, step=False):
        if total is not None:
            self.job.progress_total = total
        self.job.progress_done = done
        now = time.monotonic()
        if not step and now - self._last < self.interval and done != self.job.progress_total:
            return
        self._last = now
        Job.objects.filter(pk=self.job.pk).update(
            progress_done=done, progress_total=self.job.progress_total, updated=timezone.now())


def _check_may_start(kind, by):
    jt = registry.job_type(kind)
    if jt is None:
        raise PermissionDenied("不支持的任务类型。")
    if by.unit_id is None or by.scope_path is None:
        raise PermissionDenied("您的账号尚未分配单位，无法发起任务。")
    if jt.roles is not None and not may_write(by, jt.roles):
        raise PermissionDenied(jt.denied)
    if jt.allowed is not None and not jt.allowed(by):
        raise PermissionDenied(jt.denied)


@transaction.atomic
def job_start(*, kind, by, params=None, upload=None, unit=None):
    """Create a queued job of `by` (scoped to their unit, or to `unit` when given) and
    enqueue it after commit. `by=None` with a `unit` is a job the beat starts, for kinds
    registered with `own_start`; a superuser (who has no unit) starts one only for a given
    `unit`. An upload is stored under a random name outside any public
    URL. Raises PermissionDenied when the role may not start this kind, ValidationError for
    bad parameters."""
    if by is not None and not (by.is_superuser and unit is not None):
        _check_may_start(kind, by)
    elif unit is None or not getattr(registry.job_type(kind), "own_start", False):
        raise PermissionDenied("不支持的任务类型。")
    clean = registry.job_type(kind).clean
    if clean is not None:
        params = clean(params or {})
    job = Job(kind=kind, created_by=by, unit_id=unit.pk if unit else by.unit_id,
              params=params or {})
    if upload is not None:
        job.upload_name = (getattr(upload, "name", "") or "")[:255]
        content = upload if isinstance(upload, File) else File(upload)
        job.upload.save(job.upload_name or "upload.xlsx", content, save=False)
    job.save()
    enqueue_on_commit("jobs.tasks.run_job_task", job.pk)
    return job


def import_start(*, kind, file, by):
    """The upload step of an Excel import: role check, then the cheap checks (a workbook with
    the right headers and some rows; ImportFileError with a Chinese message otherwise, and
    nothing is stored), then a queued job holding the file."""
    _check_may_start(kind, by)
    check_upload(file, registry.importer(kind).headers)
    return job_start(kind=kind, by=by, upload=file)


def save_result(job, fh, name, *, field="result"):
    """Store a handler's output file (an open binary file) on the job, named `name` for
    the download; `field="pdf"` for its printable version."""
    fh.seek(0)
    getattr(job, field).save(name, File(fh), save=False)
    setattr(job, f"{field}_name", name)


def _finish(job, status, message, errors=None):
    job.status, job.message, job.errors = status, message, errors or []
    job.finished = timezone.now()
    if status == Job.Status.DONE and job.progress_total:
        job.progress_done = job.progress_total
    job.save(update_fields=["status", "message", "errors", "finished", "progress_done",
                            "progress_total", "result", "result_name", "result_count", "pdf",
                            "pdf_name", "updated"])


def job_run(*, job_id, now=None, task_id="", redelivered=False):
    """Run job `job_id` once. Idempotent: the job is claimed with one conditional UPDATE
    (queued, or running with a stale heartbeat), so a swept or duplicate message for a job
    that is running, done or failed does nothing. The message that claimed a job (`task_id`),
    put back by the broker (`redelivered`) because the worker running it was lost
    (CELERY_TASK_REJECT_ON_WORKER_LOST), claims the running job at once: nobody holds it any
    more. Another message does not, redelivered or not. A job claimed MAX_ATTEMPTS times
    without finishing is failed rather than run again. A transient database error puts the
    job back in the queue and re-raises (the task retries); any other error fails the job
    with a message. Returns the job, or None when there was nothing to claim."""
    now = now or timezone.now()
    held_by_nobody = Q(updated__lt=now - STALE_AFTER)
    if redelivered and task_id:
        held_by_nobody |= Q(task_id=task_id)
    claimable = Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING) & held_by_nobody
    jobs = Job.objects.filter(claimable, pk=job_id)
    claimed = jobs.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=Job.Status.RUNNING, started=now, updated=now, attempts=F("attempts") + 1,
        task_id=task_id, progress_done=0, message="", errors=[])
    if not claimed:
        jobs.filter(attempts__gte=MAX_ATTEMPTS).update(
            status=Job.Status.FAILED, finished=now, updated=now,
            message=f"处理已中断 {MAX_ATTEMPTS} 次，未完成。请检查文件大小或联系管理员后重新发起。")
        return None
    job = Job.objects.select_related("created_by__unit", "unit").get(pk=job_id)
    jt = registry.job_type(job.kind)
    try:
        if jt is None:
            raise registry.JobFailed("不支持的任务类型。")
        if not jt.own_start and (job.created_by is None or not job.created_by.is_active):
            raise registry.JobFailed("发起人的账号已停用。")
        message = jt.handler(job, Progress(job))
    except registry.JobFailed as exc:
        _finish(job, Job.Status.FAILED, exc.message, exc.errors)
    except OperationalError:
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        raise
    except Exception as exc:
        logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, Job.Status.FAILED, f"处理时出错，请稍后重试或联系管理员。（{type(exc).__name__}）")
    else:
        _finish(job, Job.Status.DONE, message or "已完成。")
    return job


def job_sweep(*, now=None, limit=200):
    """Send again jobs that sat queued past the grace period (the broker was down when they
    were made) and running jobs whose worker went silent. Duplicates are harmless: the runner
    claims a job once. Returns the ids sent."""
    now = now or timezone.now()
    ids = list(Job.objects.filter(
        Q(status=Job.Status.QUEUED, created__lt=now - QUEUED_GRACE)
        | Q(status=Job.Status.RUNNING, updated__lt=now - STALE_AFTER))
        .order_by("created").values_list("pk", flat=True)[:limit])
    return sweep_each(ids, task_named("jobs.tasks.run_job_task").delay, "job")


# Uploaded import files are needed while their job can still run; afterwards they only hold
# personal data (names, phone numbers of point chiefs) nobody reads again.
UPLOAD_RETENTION = timedelta(days=7)
UPLOAD_DIR = "jobs/uploads"


def job_uploads_clean(*, now=None, storage=None):
    """Delete the uploaded files of jobs finished more than UPLOAD_RETENTION ago (the job row
    keeps the file's name for the history), and files in the uploads folder that no job refers
    to and that are older than the retention (a request that failed after saving its file).
    A file that cannot be deleted is logged and left for the next run. Returns the number of
    files deleted."""
    now = now or timezone.now()
    cutoff = now - UPLOAD_RETENTION
    deleted = 0
    finished = Job.objects.filter(status__in=[Job.Status.DONE, Job.Status.FAILED],
                                  finished__lt=cutoff).exclude(upload="")
    for job in finished.only("pk", "upload").iterator():
        try:
            job.upload.delete(save=False)
        except OSError:
            logger.warning("job %s: the uploaded file could not be deleted", job.pk, exc_info=True)
            continue
        Job.objects.filter(pk=job.pk).update(upload="")
        deleted += 1
    storage = storage or Job._meta.get_field("upload").storage
    try:
        _dirs, files = storage.listdir(UPLOAD_DIR)
    except (FileNotFoundError, NotImplementedError):
        return deleted
    referenced = set(Job.objects.exclude(upload="").values_list("upload", flat=True))
    for name in files:
        path = f"{UPLOAD_DIR}/{name}"
        if path in referenced:
            continue
        try:
            if storage.get_modified_time(path) >= cutoff:
                continue
            storage.delete(path)
        except OSError:
            logger.warning("orphan upload %s could not be deleted", path, exc_info=True)
            continue
        deleted += 1
    return deleted
