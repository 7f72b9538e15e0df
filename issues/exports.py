"""Excel export of an issue list: XlsxWriter in constant-memory mode into a temporary file,
rows read with `iterator()`; memory stays flat at any size. The page and the API start a job
(`issues_export`) whose worker writes the file with the list's filters and the creator's
scope; `export_response` streams it directly (benchmarks)."""

import tempfile
from itertools import islice

from django.http import FileResponse
from django.urls import reverse
from django.utils import timezone

from jobs.excel import (
    SITE_PARAM,
    Column,
    ReportSheet,
    clean_site,
    filters_text,
    site_url,
    xlsx_workbook,
)

TITLE = "问题清单"
COLUMNS = [
    Column("编号", 8, "number"), Column("状态", 9), Column("是否逾期", 9),
    Column("反弹次数", 9, "number"), Column("问题类别", 14), Column("来源", 10),
    Column("严重程度", 9), Column("街道", 14), Column("点位", 24), Column("地址", 28),
    Column("问题描述", 48, "wrap"), Column("发现人", 10), Column("责任单位", 18),
    Column("整改期限", 18, "datetime"), Column("发现时间", 18, "datetime"),
    Column("销号时间", 18, "datetime"), Column("整改说明", 40, "wrap"),
    Column("整改前照片", 40, "url"), Column("整改后照片", 40, "url"),
]
HEADERS = [c.title for c in COLUMNS]
ROW_FIELDS = ("pk", "status", "is_overdue", "relapse_count", "category__name", "source",
              "severity", "point__territorial_unit__path", "point__name", "address",
              "description", "created_by__full_name", "created_by__username",
              "responsible_unit__name", "deadline", "created", "closed_at", "rectification_note")
CHUNK = 2000


def _with_rectification_note(issues):
    """`rectification_note`: what the unit wrote when it last submitted its rectification
    (one correlated subquery, so the export stays one query per chunk)."""
    from django.db.models import OuterRef, Subquery

    from .models import IssueEvent

    last_submit = (IssueEvent.objects.filter(issue=OuterRef("pk"), kind=IssueEvent.Kind.SUBMIT)
                   .order_by("-created", "-pk").values("reason")[:1])
    return issues.annotate(rectification_note=Subquery(last_submit))


def _street_of():
    """path of a territorial unit -> its street's name (streets read once, a few hundred)."""
    from accounts.models import Unit

    streets = dict(Unit.objects.filter(kind=Unit.Kind.STREET).values_list("path", "name"))

    def street(path):
        if not path:
            return ""
        parts = path.strip("/").split("/")
        for n in range(len(parts), 0, -1):
            name = streets.get("/" + "/".join(parts[:n]) + "/")
            if name:
                return name
        return ""

    return street


def _photo_links(issue_ids, site):
    """{issue id: {"before": "url\nurl", "after": ...}}: absolute links to the permission-
    checked photo view (whoever opens one must be signed in and may see the issue). One
    query per chunk."""
    from .models import IssuePhoto

    marker = 987654321
    pattern = site.rstrip("/") + reverse("issues:photo-file", kwargs={"pk": marker,
                                                                      "kind": "file"})
    links = {}
    rows = (IssuePhoto.objects.filter(issue_id__in=issue_ids).order_by("issue_id", "kind", "pk")
            .values_list("issue_id", "kind", "pk"))
    for issue_id, kind, pk in rows:
        links.setdefault(issue_id, {}).setdefault(kind, []).append(
            pattern.replace(str(marker), str(pk)))
    return {i: {k: "\n".join(v) for k, v in kinds.items()} for i, kinds in links.items()}


def write_issues(fh, issues, progress=None, *, filters="全部", site=""):
    """Write `issues` (annotated with is_overdue and relapse_count) as one report sheet
    (title with `filters`, header on row 2, date cells, auto-filter); photo links start with
    `site` (e.g. "https://cc.example.gov.cn"). Calls `progress(rows_written)` every 2,000
    rows. Returns the number of rows. Queries: one per 2,000 issues and one for their
    photos, plus the streets once."""
    book = xlsx_workbook(fh, {"constant_memory": True, "in_memory": False,
                              "tmpdir": tempfile.gettempdir()})
    sheet = ReportSheet(book, TITLE, title=TITLE, filters=filters, columns=COLUMNS)
    # Plain tuples, not model instances: building 100,000 issues with their category, point
    # and unit took most of the export's time (bench/RESULTS.md).
    from .models import Issue, IssuePhoto

    labels = {name: dict(Issue._meta.get_field(name).flatchoices)
              for name in ("status", "source", "severity")}
    street = _street_of()
    rows = _with_rectification_note(issues).values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK)
    count = 0
    while chunk := list(islice(rows, CHUNK)):
        photos = _photo_links([r[0] for r in chunk], site)
        for values in chunk:
            (pk, status, overdue, relapses, category, source, severity, territory, point,
             address, description, finder_name, finder_username, unit, deadline, created,
             closed_at, note) = values
            links = photos.get(pk, {})
            sheet.append([
                pk, labels["status"].get(status, status), "是" if overdue else "", relapses,
                category, labels["source"].get(source, source),
                labels["severity"].get(severity, severity), street(territory), point, address,
                description, finder_name or finder_username, unit, deadline, created,
                closed_at, note, links.get(IssuePhoto.Kind.BEFORE),
                links.get(IssuePhoto.Kind.AFTER),
            ])
        count += len(chunk)
        if progress is not None:
            progress(count)
    sheet.close()
    book.close()
    return count


def export_response(issues, site=""):
    """A streamed .xlsx download of `issues`."""
    fh = tempfile.TemporaryFile()
    write_issues(fh, issues, site=site)
    fh.seek(0)
    return FileResponse(fh, as_attachment=True, filename=export_name(),
                        content_type="application/vnd.openxmlformats-officedocument."
                                     "spreadsheetml.sheet")


def export_name():
    return f"问题清单_{timezone.localtime():%Y%m%d_%H%M}.xlsx"


def clean_export_params(params):
    """The list's filters as {name: [values]}: only IssueFilterSet's names, text values."""
    from django.core.exceptions import ValidationError

    from .filters import IssueFilterSet

    if not isinstance(params, dict):
        raise ValidationError("筛选条件格式不正确。")
    names = set(IssueFilterSet.base_filters)
    cleaned = {}
    for key, value in params.items():
        if key not in names:
            continue
        values = value if isinstance(value, list) else [value]
        cleaned[key] = [str(v)[:200] for v in values[:20] if v is not None and v != ""]
    cleaned = {k: v for k, v in cleaned.items() if v}
    site = clean_site(params.get(SITE_PARAM))
    if site:
        cleaned[SITE_PARAM] = site
    return cleaned


def issues_export_job(job, progress):
    """The job handler: the creator's scope and the saved filters, as of now."""
    from django.http import QueryDict

    from jobs.services import save_result

    from .filters import IssueFilterSet
    from .models import Issue

    user, now = job.created_by, timezone.now()
    query = QueryDict(mutable=True)
    for key, values in job.params.items():
        if key != SITE_PARAM:
            query.setlist(key, values)
    qs = Issue.objects.visible_to(user).for_list(now)
    total = IssueFilterSet(query or None, queryset=qs, viewer=user, now=now).qs.count()
    progress(0, total)
    filterset = IssueFilterSet(query or None, queryset=qs, viewer=user, now=now)
    with tempfile.TemporaryFile() as fh:
        count = write_issues(fh, filterset.qs, progress=lambda done: progress(done, total),
                             filters=filters_text(filterset), site=site_url(job.params))
        save_result(job, fh, export_name())
    job.result_count = count
    return f"已导出 {count} 个问题，请下载。"
