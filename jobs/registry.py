"""What each kind of job does. An app registers its handlers in its AppConfig.ready():

    register(Job.Kind.ISSUES_EXPORT, issues_export_job, roles=ALL)       # any job
    register_importer(Importer(kind=Job.Kind.POINTS_IMPORT, ...))       # an Excel import

A handler is `handler(job, progress) -> str`: it does the work (reading `job.params` or
`job.upload`, saving `job.result`, and `job.pdf` where there is a printable version, with
`save_result`), returns the Chinese message shown when done, and raises
`JobFailed(message, errors)` for a failure the user can fix. An importer's
`run(file=, by=, progress=)` returns an `ImportResult`; the generic import handler turns row
errors into a failed job that writes nothing.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied

from .excel import ImportFileError


class JobFailed(Exception):
    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []


@dataclass(frozen=True)
class JobType:
    kind: str
    handler: Callable
    roles: frozenset | None = None  # None: every role with a scope
    denied: str = "您的角色无权执行此操作。"
    clean: Callable | None = None  # clean(params) -> params; raises ValidationError
    allowed: Callable | None = None  # allowed(user) -> bool, beyond the roles
    # Started by its own app's service only (not by POST /api/v1/jobs/), and run even
    # without an active creator: the beat starts it with none (the accountability report).
    own_start: bool = False
    # A handler that goes in a few long steps names them: its page says 第 n 步（共 N 步）
    # and the step's name instead of rows done.
    steps: tuple = ()
    # describe(job) -> (what the job makes, in words; the URL of the page it belongs to):
    # the job's page names them under its heading and links back.
    describe: Callable | None = None

    def step_text(self, done):
        """What the page says of a running job at step `done` (0-based) of `steps`."""
        n = min(done, len(self.steps) - 1)
        return f"第 {n + 1} 步（共 {len(self.steps)} 步）：{self.steps[n]}"


@dataclass(frozen=True)
class Importer:
    """An Excel import shown by `BaseImportView` and run by the worker."""

    kind: str
    title: str  # page heading, e.g. "批量导入点位"
    noun: str  # what a row becomes, with its measure word: "个点位"
    headers: list
    run: Callable  # run(*, file, by, progress) -> ImportResult
    template: Callable  # () -> bytes of the template workbook
    template_url: str  # URL name of the template download
    back_url: str  # URL name of the list the import feeds
    import_url: str  # URL name of the import page itself
    roles: frozenset = frozenset()
    denied: str = "您的角色无权导入。"
    allowed: Callable | None = None  # allowed(user) -> bool, beyond the roles
    help: list = field(default_factory=list)  # lines of explanation on the page
    done_url: str = ""  # URL (with query) to see the imported rows


# A file with every row wrong would otherwise store (and show) tens of thousands of errors.
MAX_REPORTED_ERRORS = 1000

_types = {}
_importers = {}


def register(kind, handler, *, roles=None, denied=None, clean=None, allowed=None,
             own_start=False, steps=(), describe=None):
    _types[kind] = JobType(kind=kind, handler=handler,
                           roles=frozenset(roles) if roles is not None else None,
                           denied=denied or JobType.denied, clean=clean, allowed=allowed,
                           own_start=own_start, steps=tuple(steps), describe=describe)


def register_importer(importer):
    _importers[importer.kind] = importer
    register(importer.kind, _import_handler(importer), roles=importer.roles,
             denied=importer.denied, allowed=importer.allowed)


def job_type(kind):
    return _types.get(kind)


def importer(kind):
    return _importers[kind]


def is_import(kind):
    return kind in _importers


def _import_handler(imp):
    def handle(job, progress):
        if not job.upload:
            raise JobFailed("上传的文件已不存在，请重新上传。")
        try:
            with job.upload.open("rb") as fh:
                result = imp.run(file=fh, by=job.created_by, progress=progress)
        except ImportFileError as exc:
            raise JobFailed(str(exc)) from None
        except PermissionDenied as exc:
            raise JobFailed(str(exc) or imp.denied) from None
        if not result.ok:
            shown = result.errors[:MAX_REPORTED_ERRORS]
            more = (f"下表列出前 {len(shown)} 处，" if len(shown) < len(result.errors) else "")
            raise JobFailed(f"共有 {len(result.errors)} 处错误，本次未导入任何数据。{more}"
                            "请按下表改好后重新上传整个文件。", errors=shown)
        job.result_count = result.created
        return f"已导入 {result.created} {imp.noun}。"

    return handle
