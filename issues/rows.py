"""The issue lists' rows read as plain values and written directly, for the two busiest reads
of the platform: the list API's page (`GET /api/v1/issues/`) and the list page (`/issues/`).

Building a model instance per issue, category, point and unit and reading each cell through
a serializer field or a template variable was most of a page's time at city scale
(bench/REMARKS.md, "Under load"). Here one query reads only the columns a row shows, as
`values(*ROW_VALUES)`, and one function writes each row:

- `api_rows` writes exactly what `IssueSerializer(many=True).data` writes for the same issues
  (the serializer stays the contract: the schema, the answers of the workflow actions);
- `html_rows` writes the table rows the list template drew, with the same escaping.

tests/issues/test_rows.py compares both with the serializer's and the template's output for
issues of every status, with and without a point, unit and deadline, overdue and relapsed.
"""

import unicodedata
from decimal import Decimal
from html import escape

from django.template.defaultfilters import truncatechars
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe

from .models import IssuePhoto, Source, Status

ROW_VALUES = ("id", "status", "category_id", "category__name", "source", "severity",
              "description", "point_id", "point__name", "latitude", "longitude", "address",
              "responsible_unit_id", "responsible_unit__name", "deadline", "is_overdue",
              "relapse_count", "created", "closed_at")

MICRO_DEGREE = Decimal("0.000001")  # the coordinates' six decimal places


def _decimal(value):
    # DRF's DecimalField: quantized to the field's places, written as a plain string.
    return None if value is None else f"{value.quantize(MICRO_DEGREE):f}"


def _datetime(value, tz):
    # DRF's DateTimeField: in the current time zone, ISO 8601, "Z" for UTC.
    if not value:
        return None
    if timezone.is_naive(value):
        value = timezone.make_aware(value, tz)
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def api_rows(rows):
    """The list API's `results` for rows of `values(*ROW_VALUES)`."""
    tz = timezone.get_current_timezone()
    return [{
        "id": r["id"],
        "status": r["status"],
        "category": r["category_id"],
        "category_name": r["category__name"],
        "source": r["source"],
        "severity": r["severity"],
        "description": r["description"],
        "point": r["point_id"],
        "point_name": "" if r["point_id"] is None else r["point__name"],
        "latitude": _decimal(r["latitude"]),
        "longitude": _decimal(r["longitude"]),
        "address": r["address"],
        "responsible_unit": r["responsible_unit_id"],
        "responsible_unit_name": ("" if r["responsible_unit_id"] is None
                                  else r["responsible_unit__name"]),
        "deadline": _datetime(r["deadline"], tz),
        "is_overdue": None if r["is_overdue"] is None else bool(r["is_overdue"]),
        "relapse_count": None if r["relapse_count"] is None else int(r["relapse_count"]),
        "created": _datetime(r["created"], tz),
        "closed_at": _datetime(r["closed_at"], tz),
    } for r in rows]


STATUS_LABELS = dict(Status.choices)
SOURCE_LABELS = dict(Source.choices)
NO_ADDRESS = "（未填地址）"

ROW_HTML = (
    '<tr class="{}">{}\n'
    '    <td><a href="{}{}/">#{}</a></td>\n'
    '    <td>{}<div class="small text-muted">{}</div></td>\n'
    "    <td>{}</td>\n"
    '    <td class="issue-desc">{}</td>\n'
    "    <td>{}</td>\n"
    "    <td>{}{}</td>\n"
    '    <td><span class="badge status-{}">{}</span>{}</td>\n'
    "  </tr>\n")
CHECKBOX = ('\n    <td><input class="form-check-input" type="checkbox" name="ids" value="{}" '
            'aria-label="勾选 {}"></td>')
NO_CHECKBOX = "\n    <td></td>"
OVERDUE = ' <span class="badge bg-danger">逾期</span>'
RELAPSED = ' <span class="badge bg-warning text-dark">反弹{}</span>'


def _short_time(value):
    # The template's `{{ deadline|date:"m-d H:i"|default:"—" }}`, in local time: those four
    # codes are strftime's zero-padded digits, whatever the language.
    if value is None:
        return "—"
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.strftime("%m-%d %H:%M")


def _truncated(text, length=40):
    # `truncatechars:40`, which also returns the text NFC-normalised: a short text that is
    # normalised already comes back as it is (combining marks only shorten the count).
    if len(text) <= length and unicodedata.is_normalized("NFC", text):
        return text
    return truncatechars(text, length)


def html_rows(rows, *, detail_url, can_dispatch):
    """The list page's `<tr>` rows for rows of `values(*ROW_VALUES)`; `detail_url` is the
    issue page's address without the id ("/issues/").

    Every text is escaped with `html.escape`, as the template's autoescape does (Django's
    `escape` is the same function behind a lazy-string check that costs more than the
    escaping itself at a few hundred cells a page); the page is marked safe once."""
    out = []
    url = escape(str(detail_url))
    for r in rows:
        pk = int(r["id"])
        overdue = bool(r["is_overdue"])
        status = r["status"]
        if not can_dispatch:
            box = ""
        elif status == Status.NEW:
            box = CHECKBOX.format(pk, pk)
        else:
            box = NO_CHECKBOX
        if r["point_id"] is not None:
            where = r["point__name"]
        else:
            where = r["address"] or NO_ADDRESS
        relapses = r["relapse_count"]
        out.append(ROW_HTML.format(
            "table-danger" if overdue else "", box, url, pk, pk,
            escape(r["category__name"]), escape(SOURCE_LABELS.get(r["source"], r["source"])),
            escape(where), escape(_truncated(r["description"])),
            escape(r["responsible_unit__name"] or "—"), escape(_short_time(r["deadline"])),
            OVERDUE if overdue else "", escape(status),
            escape(STATUS_LABELS.get(status, status)),
            RELAPSED.format(int(relapses)) if relapses else ""))
    return mark_safe("  ".join(out))  # noqa: S308 — every text above is escaped


def unit_options(units):
    """`<option>`s of (id, name) pairs, as `format_html_join` wrote them, escaped once each."""
    return mark_safe("".join(  # noqa: S308 — the names are escaped
        f'<option value="{int(pk)}">{escape(name)}</option>' for pk, name in units))


# --- One issue with its photos, events, actions and look-alikes (`GET /api/v1/issues/{id}/`)


def _issue_values(issue):
    """The row of `values(*ROW_VALUES)` for an issue read with `for_list`."""
    return {
        "id": issue.pk, "status": issue.status, "category_id": issue.category_id,
        "category__name": issue.category.name, "source": issue.source,
        "severity": issue.severity, "description": issue.description,
        "point_id": issue.point_id,
        "point__name": issue.point.name if issue.point_id is not None else None,
        "latitude": issue.latitude, "longitude": issue.longitude, "address": issue.address,
        "responsible_unit_id": issue.responsible_unit_id,
        "responsible_unit__name": (issue.responsible_unit.name
                                   if issue.responsible_unit_id is not None else None),
        "deadline": issue.deadline, "is_overdue": issue.is_overdue,
        "relapse_count": issue.relapse_count, "created": issue.created,
        "closed_at": issue.closed_at,
    }


def _number(value, kind):
    return None if value is None else kind(value)


def issue_detail(issue, *, user, duplicates):
    """What `IssueDetailSerializer` writes for `issue` (read with `for_list`,
    `with_pending_extension` and its photos and events with their actors prefetched) as seen
    by `user`; `duplicates` are the rows of `possible_duplicates`. The photos' addresses are
    built from one reversed prefix instead of three `reverse()` a photo."""
    tz = timezone.get_current_timezone()
    data = api_rows([_issue_values(issue)])[0]
    photo_url = reverse(IssuePhoto.file_url_name, kwargs={"pk": 0, "kind": "file"})
    photo_url = photo_url.removesuffix("0/file/")
    data["photos"] = [{
        "id": p.pk,
        "kind": p.kind,
        "url": f"{photo_url}{p.pk}/{'display' if p.display else 'file'}/",
        "thumbnail_url": f"{photo_url}{p.pk}/thumbnail/" if p.thumbnail else "",
        "original_url": f"{photo_url}{p.pk}/file/",
        "width": _number(p.width, int),
        "height": _number(p.height, int),
        "exif_taken_at": _datetime(p.exif_taken_at, tz),
        "exif_lat": _number(p.exif_lat, float),
        "exif_lng": _number(p.exif_lng, float),
        "review_flags": p.review_flags,
        "created": _datetime(p.created, tz),
    } for p in issue.photos.all()]
    data["events"] = [{
        "id": e.pk,
        "kind": e.kind,
        "actor": e.actor.display_name if e.actor_id is not None else "",
        "from_status": e.from_status,
        "to_status": e.to_status,
        "reason": e.reason,
        "unit": e.unit_id,
        "deadline": _datetime(e.deadline, tz),
        "created": _datetime(e.created, tz),
    } for e in issue.events.all()]
    data["actions"] = sorted(issue.available_actions(user)) if user.is_authenticated else []
    data["possible_duplicates"] = [{
        "id": d["id"], "status": d["status"], "category_name": d["category_name"],
        "point_name": d["point_name"], "created": _datetime(d["created"], tz),
        "reasons": list(d["reasons"]),
    } for d in duplicates]
    return data
