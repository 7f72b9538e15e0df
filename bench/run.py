"""City-scale benchmarks (DESIGN.md §7): `make bench` runs this file.

Every figure is the median of several runs after a warm-up, with its spread (interquartile
range, min and max), the number of queries, and a floor measured in the same run:

* pages and API calls: the SQL the request ran, replayed through `connection.cursor()`, plus a
  bare view (plain Django, or DRF with the same authentication) through the same test client;
  ratio = median / floor shows what the framework, serializers and templates add;
* jobs (reminders, duplicates, import, export): the SQL they ran, replayed raw (writes inside
  a transaction that is rolled back), plus for file work the bare file reading/writing.

The database is the one of DATABASE_URL (PostgreSQL for the figures that count); without it a
SQLite file var/bench_<scale>.sqlite3. It is generated on first use
(`generate_city --scale <scale> --seed 2026`) and reused afterwards; every write a benchmark
makes is rolled back, so the data set stays as generated. Results: bench/results.json and
bench/RESULTS.md.

    python bench/run.py [--scale city|small] [--runs N] [--only NAME-PREFIX ...]
"""

import argparse
import datetime as dt
import io
import json
import os
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = BASE_DIR / "bench"
sys.path.insert(0, str(BASE_DIR))

SEED = 2026
OFFICE = "u00000"  # the first district's 创城办 (office) user of the generated city
PASSWORD = "bench12345"


def configure(scale):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    if not os.environ.get("DATABASE_URL"):
        (BASE_DIR / "var").mkdir(exist_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{BASE_DIR / 'var' / f'bench_{scale}.sqlite3'}"
    import django

    django.setup()


# --- measuring ---------------------------------------------------------------------------------

def timed(fn, runs, warmup=1):
    """Wall times in ms of `runs` calls of fn after `warmup` calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def summary(times):
    times = sorted(times)
    if len(times) >= 4:
        q1, _q2, q3 = statistics.quantiles(times, n=4)
    else:
        q1, q3 = times[0], times[-1]
    return {"median_ms": round(statistics.median(times), 2), "spread_ms": round(q3 - q1, 2),
            "min_ms": round(times[0], 2), "max_ms": round(times[-1], 2), "runs": len(times)}


# COPY … FROM STDIN is logged without its rows: it cannot be replayed (the floor of a
# benchmark that writes by COPY leaves those rows out, and says so).
SKIP_REPLAY = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|CLOSE |COPY )", re.I)
# A server-side cursor (QuerySet.iterator() on PostgreSQL) as logged: replayed as its SELECT.
DECLARE = re.compile(r'^\s*DECLARE\s+"[^"]+"\s+NO SCROLL CURSOR WITH(OUT)? HOLD FOR\s+', re.I)


def plain_sql(sql):
    return DECLARE.sub("", sql)


def captured(fn):
    """(result, [sql, ...]) of one call of fn, every statement it sent to the database."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        result = fn()
    return result, [plain_sql(q["sql"]) for q in ctx.captured_queries]


def replay(statements):
    """Run the statements raw and fetch every row; writes are rolled back."""
    from django.db import connection, transaction

    with transaction.atomic():
        with connection.cursor() as cursor:
            for sql in statements:
                if SKIP_REPLAY.match(sql):
                    continue
                cursor.execute(sql)
                if cursor.description is not None:
                    while cursor.fetchmany(5000):
                        pass
        transaction.set_rollback(True)


@contextmanager
def rolled_back():
    from django.db import transaction

    with transaction.atomic():
        yield
        transaction.set_rollback(True)


class Bench:
    def __init__(self, args):
        self.args = args
        self.results = []
        self._bare = {}

    def wanted(self, name):
        return not self.args.only or any(name.startswith(p) for p in self.args.only)

    def add(self, name, times, *, floor_ms, target_ms, queries, notes="", **extra):
        row = {"name": name, **summary(times), "floor_ms": round(floor_ms, 2) if floor_ms else None}
        row["ratio"] = round(row["median_ms"] / floor_ms, 2) if floor_ms else None
        row.update(target_ms=target_ms, queries=queries, notes=notes, **extra)
        row["meets_target"] = None if target_ms is None else row["median_ms"] <= target_ms
        self.results.append(row)
        mark = {True: "ok", False: "MISS", None: "--"}[row["meets_target"]]
        print(f"  {name:<48} {row['median_ms']:>9.1f} ms  ±{row['spread_ms']:<7.1f} "
              f"floor {row['floor_ms'] or 0:>8.1f}  x{row['ratio'] or 0:<6} "
              f"q={queries!s:<4} target {target_ms} {mark}", flush=True)
        return row

    # --- requests --------------------------------------------------------------------------

    def bare_ms(self, client, api):
        """Median time of the bare view through the same client (cached per client kind)."""
        key = (id(client), api)
        if key not in self._bare:
            url = "/__bench__/bare-api/" if api else "/__bench__/bare/"
            self._bare[key] = statistics.median(
                timed(lambda: client.get(url), max(self.args.runs, 10), warmup=3))
        return self._bare[key]

    def request(self, name, client, url, *, target_ms, api=False, notes="", runs=None):
        if not self.wanted(name):
            return None
        runs = runs or self.args.runs
        client.get(url)  # warm-up (caches, connection, templates)
        response, statements = captured(lambda: client.get(url))
        if response.status_code != 200:
            raise SystemExit(f"{name}: {url} answered {response.status_code}")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        times = timed(lambda: _consume(client.get(url)), runs, warmup=1)
        sql_ms = statistics.median(timed(lambda: replay(statements), runs, warmup=1))
        bare = self.bare_ms(client, api)
        extra = f"{len(body) // 1024} KB; " if len(body) > 10240 else ""
        return self.add(name, times, floor_ms=sql_ms + bare, target_ms=target_ms,
                        queries=len(statements), floor_sql_ms=round(sql_ms, 2),
                        floor_view_ms=round(bare, 2), url=url,
                        notes=f"{extra}{notes}".strip("; "))


def _consume(response):
    if response.streaming:
        for _ in response.streaming_content:
            pass
    return response


# --- data set ----------------------------------------------------------------------------------

def ensure_data(scale):
    from django.core.management import call_command

    from accounts.models import Unit, User

    call_command("migrate", verbosity=0, interactive=False)
    if not Unit.objects.exists():
        print(f"Generating the {scale} data set (generate_city --scale {scale} --seed {SEED}) …",
              flush=True)
        started = time.monotonic()
        call_command("generate_city", scale=scale, seed=SEED)
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
    elif not User.objects.filter(username=OFFICE).exists():
        raise SystemExit("The database holds data that generate_city did not make; point "
                         "DATABASE_URL at an empty database (or the bench one).")
    held = "city" if Unit.objects.count() > 100 else "small"
    if held != scale:
        print(f"Note: the database holds the {held} data set; measuring that one "
              f"(use another database for --scale {scale}).", flush=True)
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # Earlier runs' rolled-back writes leave dead rows: clean them before measuring.
            cursor.execute("VACUUM ANALYZE")
    return held


def data_counts():
    from django.apps import apps

    names = ["accounts.Unit", "accounts.User", "points.Point", "issues.Issue",
             "issues.IssuePhoto", "surveys.Response", "ledgers.LedgerRequirement",
             "ledgers.LedgerSubmission"]
    counts = {}
    for label in names:
        try:
            counts[label] = apps.get_model(label).objects.count()
        except LookupError:
            pass
    return counts


# --- the benchmarks ----------------------------------------------------------------------------

def bench_pages(b, office):
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.models import Unit
    from issues.models import IssueCategory
    from surveys.models import Survey

    page = Client()
    page.force_login(office)
    api = APIClient()
    api.force_authenticate(office)

    print("Dashboard", flush=True)
    b.request("dashboard.ranking.html", page, "/dashboard/", target_ms=150)
    # Counted on every request, as the first request of a minute is: the answer kept for
    # RANKING_CACHE_SECONDS is what the load section's burst reads.
    from django.test import override_settings

    with override_settings(RANKING_CACHE_SECONDS=0):
        b.request("dashboard.ranking.api", api, "/api/v1/dashboard/ranking/", target_ms=150,
                  api=True)

    print("Issue lists (page of 50)", flush=True)
    street = Unit.objects.filter(path__startswith=office.scope_path,
                                 kind=Unit.Kind.STREET).order_by("pk").first()
    category = IssueCategory.objects.order_by("pk").first()
    from issues.models import Issue

    deep = max(1, min(20, Issue.objects.visible_to(office).count() // 50))
    combos = {
        "all": "",
        "status": "status=assigned",
        "overdue": "overdue=true",
        "category": f"category={category.pk}",
        "unit": f"unit={street.pk}",
        "search": "q=" + "垃圾",
        "combined": f"status=assigned&overdue=true&unit={street.pk}&category={category.pk}",
        f"page-{deep}": f"page={deep}",
    }
    for label, query in combos.items():
        b.request(f"issues.list.html.{label}", page, f"/issues/?{query}", target_ms=60)
    for label, query in combos.items():
        b.request(f"issues.list.api.{label}", api, f"/api/v1/issues/?{query}", target_ms=60,
                  api=True)

    print("Points", flush=True)
    b.request("points.list.html", page, "/points/", target_ms=60,
              notes="no §7 target; held to the list-page target")
    b.request("points.list.api", api, "/api/v1/points/", target_ms=60, api=True,
              notes="no §7 target; held to the list-page target")
    b.request("points.map.data", page, "/points/map/data/", target_ms=None,
              notes="every point of the region with its issue state; no §7 target")

    print("Surveys", flush=True)
    survey = (Survey.objects.visible_to(office).order_by("pk").first())
    if survey is not None:
        # The surveys issue asks for the results of 50,000 responses within a second.
        b.request("surveys.results.html", page, f"/surveys/{survey.pk}/results/",
                  target_ms=1000, notes="results of the region's survey (≤ 1 s, surveys issue)")
        b.request("surveys.results.api", api, f"/api/v1/surveys/{survey.pk}/results/",
                  target_ms=1000, api=True,
                  notes="results of the region's survey (≤ 1 s, surveys issue)")

    from django.apps import apps

    try:
        requirement = apps.get_model("ledgers", "LedgerRequirement")
    except LookupError:
        requirement = None
    if requirement is not None and requirement.objects.exists():
        print("Ledgers", flush=True)
        b.request("ledgers.list.html", page, "/ledgers/", target_ms=60,
                  notes="held to the list-page target")
        b.request("ledgers.requirements.api", api, "/api/v1/ledger-requirements/",
                  target_ms=60, api=True, notes="held to the list-page target")
        b.request("ledgers.submissions.api", api, "/api/v1/ledger-submissions/",
                  target_ms=60, api=True, notes="held to the list-page target")
    else:
        b.skipped.append("ledgers: the data set has no ledger requirements")


def bench_reminders(b):
    """send_reminders over every issue made open (assigned, deadlines spread over ±20 days),
    inside a transaction rolled back afterwards; each run in its own savepoint."""
    name = "issues.reminders.job"
    if not b.wanted(name):
        return
    from django.db import connection, transaction
    from django.db.models import F
    from django.utils import timezone

    from issues.models import Issue, Status
    from issues.reminders import send_reminders

    print("Reminders", flush=True)
    now = timezone.now()
    with rolled_back():
        total = Issue.objects.count()
        # Spread the deadlines: pk mod 41 days around now, so every rule has work.
        if connection.vendor == "postgresql":
            offset = "make_interval(days => (id %% 41)::int - 20)"
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE issues_issue SET status = %s, deadline = %s::timestamptz + {offset}, "
                    "responsible_unit_id = COALESCE(responsible_unit_id, region_id)",
                    [Status.ASSIGNED, now])
        else:
            Issue.objects.update(status=Status.ASSIGNED, deadline=now)
            Issue.objects.filter(responsible_unit__isnull=True).update(
                responsible_unit=F("region"))
        open_count = Issue.objects.filter(status=Status.ASSIGNED).count()

        def run():
            sid = transaction.savepoint()
            try:
                return send_reminders(now=now)
            finally:
                transaction.savepoint_rollback(sid)

        counts, statements = captured(run)
        times = timed(run, max(3, b.args.runs // 3), warmup=1)
        sql_ms = statistics.median(timed(lambda: replay(statements), 3, warmup=0))
    b.add(name, times, floor_ms=sql_ms, target_ms=5000, queries=len(statements),
          notes=f"{open_count} of {total} issues open; new reminders per kind {counts}; "
                "floor = the job's SQL replayed")


def bench_duplicates(b):
    name = "evidence.duplicates.lookup"
    if not b.wanted(name):
        return
    import random

    from evidence.duplicates import find_near_duplicates, image_models

    print("Duplicate photos", flush=True)
    total = sum(m.objects.exclude(phash__isnull=True).count() for m in image_models())
    model = max(image_models(), key=lambda m: m.objects.count())
    hashes = list(model.objects.exclude(phash__isnull=True).order_by("?")
                  .values_list("phash", flat=True)[:200])
    rng = random.Random(SEED)
    probes = [h ^ (1 << rng.randrange(63)) for h in hashes]  # a one-bit-off copy of each
    it = iter(probes * 10)
    found = []
    _m, statements = captured(lambda: find_near_duplicates(probes[0]))
    times = timed(lambda: found.append(len(find_near_duplicates(next(it)))),
                  max(50, b.args.runs * 5), warmup=5)
    sql_ms = statistics.median(timed(lambda: replay(statements), 30, warmup=3))
    b.add(name, times, floor_ms=sql_ms, target_ms=50, queries=len(statements),
          notes=f"{total} hashes in {len(image_models())} models; probes are one-bit-off copies "
                f"of stored hashes, matches found per probe median {statistics.median(found)}")


def bench_import(b, office):
    name = "points.import.5000"
    if not b.wanted(name):
        return
    from openpyxl import Workbook, load_workbook

    from accounts.models import Unit
    from points.models import PointCategory
    from points.services import POINT_HEADERS, points_import

    print("Points import", flush=True)
    categories = list(PointCategory.objects.values_list("name", flat=True))
    units = list(Unit.objects.visible_to(office).exclude(kind=Unit.Kind.DISTRICT)
                 .values_list("name", flat=True))

    def workbook(rows, bad_every=0):
        book = Workbook()
        sheet = book.active
        sheet.append(POINT_HEADERS)
        for i in range(rows):
            bad = bad_every and i % bad_every == 0
            sheet.append([f"基准导入点位{i:05d}", "不存在的类别" if bad else categories[i % len(categories)],
                          f"生成市建设路{i}号", round(117.0 + (i % 997) / 10000, 6),
                          round(36.6 + (i % 991) / 10000, 6), units[i % len(units)], "", "",
                          "固定"][: len(POINT_HEADERS)])
        fh = io.BytesIO()
        book.save(fh)
        return fh.getvalue()

    data = workbook(5000)

    def run():
        with rolled_back():
            result = points_import(file=io.BytesIO(data), by=office)
        assert result.ok and result.created == 5000, result.errors[:3]
        return result

    _r, statements = captured(run)
    times = timed(run, max(3, b.args.runs // 3), warmup=1)

    def floor():
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        for _row in book.worksheets[0].iter_rows(values_only=True):
            pass
        book.close()
        replay(statements)

    floor_ms = statistics.median(timed(floor, 3, warmup=0))
    # Every bad row must be reported with its row number, and nothing written.
    bad = workbook(5000, bad_every=50)
    with rolled_back():
        result = points_import(file=io.BytesIO(bad), by=office)
    rows = sorted({e["row"] for e in result.errors})
    expected = [i + 2 for i in range(0, 5000, 50)]
    b.add(name, times, floor_ms=floor_ms, target_ms=10000, queries=len(statements),
          notes=f"{len(data) // 1024} KB workbook, rolled back; floor = openpyxl read + the "
                f"import's SQL replayed; bad-row check: {len(rows)} of {len(expected)} bad rows "
                f"reported with their row numbers"
                f"{' (ok)' if rows == expected and not result.ok else ' (WRONG)'}")


def make_jpeg(target_bytes):
    """A real photo-like JPEG of about target_bytes (noise over gradients, with EXIF)."""
    import random

    from PIL import Image

    rng = random.Random(SEED)
    side = 1600
    while True:
        noise = Image.frombytes("RGB", (side, side), rng.randbytes(side * side * 3))
        base = Image.linear_gradient("L").resize((side, side)).convert("RGB")
        img = Image.blend(base, noise, 0.5)
        fh = io.BytesIO()
        exif = Image.Exif()
        exif[0x0132] = dt.datetime.now().strftime("%Y:%m:%d %H:%M:%S")
        img.save(fh, "JPEG", quality=92, exif=exif)
        size = fh.tell()
        if abs(size - target_bytes) < target_bytes * 0.05:
            return fh.getvalue()
        side = int(side * (target_bytes / size) ** 0.5)


def bench_upload(b, office, token):
    name = "issues.upload.5mb"
    if not b.wanted(name):
        return
    from django.core.files.uploadedfile import SimpleUploadedFile
    from rest_framework.test import APIClient

    from issues.models import IssueCategory
    from points.models import Point

    print("5 MB photo upload", flush=True)
    photo = make_jpeg(5 * 1024 * 1024)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    point = Point.objects.visible_to(office).order_by("pk").first()
    category = IssueCategory.objects.order_by("pk").first()

    def body():
        return {"point": point.pk, "category": category.pk, "description": "基准测试：占道经营",
                "photos": [SimpleUploadedFile("photo.jpg", photo, content_type="image/jpeg")]}

    def post(url, expect):
        with rolled_back():
            response = client.post(url, body(), format="multipart")
        assert response.status_code == expect, (response.status_code, response.content[:300])
        return response

    _r, statements = captured(lambda: post("/api/v1/issues/", 201))
    times = timed(lambda: post("/api/v1/issues/", 201), b.args.runs, warmup=1)
    bare = statistics.median(timed(lambda: post("/__bench__/bare-api/", 200), b.args.runs))
    sql_ms = statistics.median(timed(lambda: replay(statements), b.args.runs))
    b.add(name, times, floor_ms=bare + sql_ms, target_ms=300, queries=len(statements),
          floor_sql_ms=round(sql_ms, 2), floor_view_ms=round(bare, 2),
          notes=f"{len(photo) / 1024 / 1024:.1f} MB JPEG, POST /api/v1/issues/ with token auth "
                "(validation, hash, storing; thumbnails in the worker), rolled back; floor = the "
                "same multipart body to a bare DRF view + the request's SQL replayed")


EXPORT_CHILD = """
import io, json, os, resource, sys, time
sys.path.insert(0, {base!r})
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
import django
django.setup()
mode = {mode!r}
if mode == "tracemalloc":
    import tracemalloc
    tracemalloc.start()
from django.db import connection
from django.utils import timezone
from issues.exports import export_response
from issues.models import Issue
rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
started = time.perf_counter()
rows = size = 0
if mode == "baseline":
    pass
elif mode == "floor":
    import tempfile, xlsxwriter
    with connection.chunked_cursor() as cur:
        cur.execute({sql!r})
        fh = tempfile.TemporaryFile()
        book = xlsxwriter.Workbook(fh, {{"constant_memory": True}})
        sheet = book.add_worksheet()
        while batch := cur.fetchmany(2000):
            for r in batch:
                rows += 1
                sheet.write_row(rows, 0, [str(v) if v is not None else "" for v in r[:14]])
        book.close()
        size = fh.tell()
else:
    response = export_response(Issue.objects.all().for_list(timezone.now()))
    for chunk in response.streaming_content:
        size += len(chunk)
    rows = Issue.objects.count()
elapsed = (time.perf_counter() - started) * 1000


def peak_mb():
    # VmHWM starts afresh at exec; ru_maxrss would include the parent's size before the fork.
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


out = {{"ms": elapsed, "rows": rows, "bytes": size, "maxrss_mb": peak_mb(),
       "rss_at_start_mb": rss0 / 1024}}
if mode == "tracemalloc":
    out["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / 1024 / 1024
print("RESULT " + json.dumps(out))
"""


def _export_child(mode, sql=""):
    code = EXPORT_CHILD.format(base=str(BASE_DIR), mode=mode, sql=sql)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=os.environ.copy(), timeout=900)
    line = [x for x in proc.stdout.splitlines() if x.startswith("RESULT ")]
    if proc.returncode or not line:
        raise SystemExit(f"export child ({mode}) failed:\n{proc.stderr[-3000:]}")
    return json.loads(line[0][7:])


def bench_export(b):
    name = "issues.export.xlsx"
    if not b.wanted(name):
        return
    from django.utils import timezone

    from issues.models import Issue

    print("Excel export (in child processes)", flush=True)
    qs = Issue.objects.all().for_list(timezone.now())
    # The statement the export runs, as the database received it.
    _r, statements = captured(lambda: next(qs.iterator(chunk_size=1), None))
    raw_sql = statements[-1]
    runs = max(2, b.args.runs // 4)
    baseline = _export_child("baseline")
    results = [_export_child("export") for _ in range(runs)]
    traced = _export_child("tracemalloc")
    floor = _export_child("floor", raw_sql) if raw_sql else None
    peak = max(r["maxrss_mb"] for r in results)
    b.add(name, [r["ms"] for r in results], floor_ms=floor["ms"] if floor else None,
          target_ms=30000, queries=1,
          peak_rss_mb=round(peak, 1), baseline_rss_mb=round(baseline["maxrss_mb"], 1),
          traced_peak_mb=round(traced["traced_peak_mb"], 1), target_peak_mb=300,
          notes=f"{results[0]['rows']} issues, {results[0]['bytes'] / 1024 / 1024:.1f} MB xlsx; "
                f"peak RSS {peak:.0f} MB (process after Django setup {baseline['maxrss_mb']:.0f} "
                f"MB; Python allocations peak {traced['traced_peak_mb']:.1f} MB by tracemalloc) "
                f"vs ≤ 300 MB; floor = the same rows fetched raw and written with XlsxWriter "
                f"({floor['maxrss_mb']:.0f} MB RSS)" if floor else "")


def bench_reports(b, office):
    """The monthly accountability report of the office's district, as the worker builds it:
    the figures and the XLSX, then the PDF (when a CJK font is installed). Rolled back."""
    name = "dashboard.report.monthly"
    if not b.wanted(name):
        return
    from django.utils import timezone

    from dashboard import pdf
    from dashboard.models import Report
    from dashboard.services import (
        _region_of,
        build_report,
        report_data,
        report_pdf_context,
        report_period,
    )

    print("Accountability report (worker)", flush=True)
    region = _region_of(office)
    first, last = report_period(Report.Kind.MONTHLY, today=timezone.localdate())
    xlsx, with_pdf, statements = [], [], []
    for _ in range(max(2, b.args.runs // 5)):
        with rolled_back():
            report = Report.objects.create(region=region, kind=Report.Kind.MONTHLY,
                                           period_start=first, period_end=last)
            started = time.perf_counter()
            _content, statements = captured(lambda r=report: build_report(r))
            xlsx.append((time.perf_counter() - started) * 1000)
            try:
                pdf.render_report_pdf(report_pdf_context(report, report_data(report)))
            except pdf.PdfUnavailable:
                continue
            with_pdf.append((time.perf_counter() - started) * 1000)
    sql_ms = statistics.median(timed(lambda: replay(statements), 3, warmup=1))
    times = with_pdf or xlsx
    b.add(name, times, floor_ms=sql_ms, target_ms=30000, queries=len(statements),
          notes=f"{region.name} {first}–{last}: figures + XLSX median "
                f"{statistics.median(xlsx):.0f} ms" + (", then the PDF (the figure)" if with_pdf
                                                       else "; no CJK font, so no PDF")
                + "; floor = the figures' SQL replayed raw")


# --- throughput --------------------------------------------------------------------------------

WRK_LUA = BENCH_DIR / "wrk_report.lua"


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _have_wrk():
    if shutil.which("wrk"):
        return True
    if os.environ.get("BENCH_NO_INSTALL") or os.geteuid() != 0 or not shutil.which("apt-get"):
        return False
    print("  wrk is missing: installing it with apt-get …", flush=True)
    ok = subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], capture_output=True)
    return ok.returncode == 0 and shutil.which("wrk") is not None


def _python_load(url, token, seconds, concurrency):
    """A bounded thread-pool load generator (http.client, keep-alive), the fallback for wrk."""
    import http.client
    import threading
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    latencies, errors = [], [0]
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def worker():
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            try:
                conn.request("GET", f"{parts.path}?{parts.query}",
                             headers={"Authorization": f"Token {token}"})
                resp = conn.getresponse()
                resp.read()
                if resp.status != 200:
                    errors[0] += 1
            except OSError:
                errors[0] += 1
                conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
                continue
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p / 100))]

    return {"tool": f"python threads x{concurrency}", "rps": len(latencies) / elapsed,
            "p50": pct(50), "p95": pct(95), "p99": pct(99), "requests": len(latencies),
            "errors": errors[0]}


def _wrk(url, token, seconds, concurrency):
    proc = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--timeout", "10s",
         "-H", f"Authorization: Token {token}", "-s", str(WRK_LUA), url],
        capture_output=True, text=True, timeout=seconds + 60)
    line = [x for x in proc.stdout.splitlines() if x.startswith("JSON ")]
    if not line:
        raise SystemExit(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    data = json.loads(line[0][5:])
    data["tool"] = f"wrk -t2 -c{concurrency}"
    return data


def bench_throughput(b, token):
    name = "issues.api.throughput"
    if not b.wanted(name):
        return
    print("Issue API under load (gunicorn on loopback)", flush=True)
    port = _free_port()
    workers = os.cpu_count() or 2
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
           "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--threads", "1",
         "--log-level", "warning", "--env", "DJANGO_SETTINGS_MODULE=bench.settings"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        import urllib.request

        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("gunicorn did not start: "
                                     + (server.stderr.read().decode()[-2000:] if server.poll()
                                        is not None else "timeout")) from None
                time.sleep(0.3)
        seconds = b.args.load_seconds
        load = _wrk if _have_wrk() else _python_load
        rows = []
        for label, path in (("issues.api.throughput", "/api/v1/issues/?status=assigned"),
                            ("issues.api.throughput.floor", "/__bench__/bare-api/")):
            url = f"{base}{path}"
            req = urllib.request.Request(url, headers={"Authorization": f"Token {token}"})
            for _ in range(5):  # warm-up each worker
                urllib.request.urlopen(req, timeout=30).read()
            rows.append((label, path, load(url, token, seconds, concurrency=8)))
        (_l, path, real), (_f, _p, floor) = rows
        b.add(name, [real["p50"]], floor_ms=floor["p50"], target_ms=None, queries=None,
              rps=round(real["rps"], 1), p50_ms=round(real["p50"], 1),
              p95_ms=round(real["p95"], 1), floor_rps=round(floor["rps"], 1),
              notes=f"GET {path} (page of 50) with token auth, {real['tool']}, {seconds} s, "
                    f"gunicorn {workers} sync workers: {real['rps']:.0f} req/s, "
                    f"p50 {real['p50']:.0f} ms, p95 {real['p95']:.0f} ms, "
                    f"{real.get('errors', 0)} errors; floor = bare DRF view with the same auth: "
                    f"{floor['rps']:.0f} req/s, p50 {floor['p50']:.1f} ms. No §7 target: the "
                    "median is the p50 under load")
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


# --- report ------------------------------------------------------------------------------------

def machine():
    from django.db import connection

    mem_kb = 0
    try:
        with open("/proc/meminfo") as fh:
            mem_kb = int(fh.readline().split()[1])
    except OSError:
        pass
    cpu = ""
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next((line.split(":", 1)[1].strip() for line in fh
                        if line.startswith("model name")), "")
    except OSError:
        pass
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
            db = "PostgreSQL " + cursor.fetchone()[0]
        else:
            cursor.execute("select sqlite_version()")
            db = "SQLite " + cursor.fetchone()[0]
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=BASE_DIR,
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                           cwd=BASE_DIR, capture_output=True, text=True).stdout.strip()
    return {"cores": os.cpu_count(), "cpu": cpu, "ram_gb": round(mem_kb / 1024 / 1024, 1),
            "database": db, "python": platform.python_version(),
            "commit": commit + ("+local changes" if dirty else ""),
            "load_before": os.getloadavg(),
            "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")}


def fmt(value, digits=1):
    return "—" if value is None else f"{value:.{digits}f}"


def write_results(b, info, counts, out_dir):
    out_dir.mkdir(parents=True, exist_ok=True)
    payload = {"machine": info, "scale": b.args.scale, "runs": b.args.runs, "data": counts,
               "skipped": b.skipped, "results": b.results}
    (out_dir / "results.json").write_text(json.dumps(payload, ensure_ascii=False, indent=1) + "\n")
    render(payload, out_dir)


def render(payload, out_dir):
    """RESULTS.md from the results.json payload, with bench/REMARKS.md appended."""
    info, counts, results = payload["machine"], payload["data"], payload["results"]
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (bench/run.py); do not edit by hand — rerun and commit.",
        "",
        f"- Date: {info['date']}; commit {info['commit']}; scale `{payload['scale']}`",
        f"- Machine: {info['cores']} cores ({info['cpu']}), {info['ram_gb']} GB RAM; "
        f"{info['database']}; Python {info['python']}",
        "- Load average (1/5/15 min) before the run: "
        + " / ".join(f"{x:.1f}" for x in info.get("load_before", ())) + "; after: "
        + " / ".join(f"{x:.1f}" for x in info.get("load_after", ())),
        *([f"- Load section (rows `load.*`) run on its own: {info['load_run']['date']}, commit "
           f"{info['load_run']['commit']}, load average before "
           + " / ".join(f"{x:.1f}" for x in info["load_run"]["load_before"])]
          if info.get("load_run") else []),
        "- Data: " + ", ".join(f"{v:,} {k.split('.')[1]}" for k, v in counts.items()),
        f"- Runs per figure: {payload.get('runs', '?')} after a warm-up (jobs fewer, see notes); times in ms",
        "",
        "Floor = the SQL the request or job ran, replayed raw through `connection.cursor()`, "
        "plus a bare Django/DRF view through the same test client (for requests); ratio = "
        "median / floor. Spread = interquartile range (min–max where fewer than 4 runs).",
        "",
        "| benchmark | median | spread | min–max | floor | ratio | queries | target | met |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    load_rows = [r for r in results if "target_rps" in r]
    results = [r for r in results if "target_rps" not in r]
    for r in results:
        met = {True: "yes", False: "**no**", None: "—"}[r["meets_target"]]
        lines.append(
            f"| {r['name']} | {fmt(r['median_ms'])} | {fmt(r['spread_ms'])} | "
            f"{fmt(r['min_ms'])}–{fmt(r['max_ms'])} | {fmt(r['floor_ms'])} | "
            f"{fmt(r['ratio'], 2)} | {'—' if r['queries'] is None else r['queries']} | "
            f"{'—' if r['target_ms'] is None else r['target_ms']} | {met} |")
    if load_rows:
        lines += [
            "", "### Under load (bench/load.py: gunicorn + wrk, 8 connections after a warm-up)", "",
            "Ratio = the floor's req/s ÷ the workload's (a bare view with the same auth and body, "
            "measured in the same minutes). The machine is shared: read the ratio and the load "
            "average beside each row.", "",
            "| workload | req/s | p50 ms | p99 ms | errors | floor req/s | ratio | target | met "
            "| load avg |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
        ]
        for r in load_rows:
            met = {True: "yes", False: "**no**", None: "—"}[r["meets_target"]]
            target = f"≥ {r['target_rps']} req/s" if r["target_rps"] else "p99 ≤ 1 s, no error"
            lines.append(
                f"| {r['name']} | {fmt(r['rps'])} | {fmt(r['p50_ms'])} | {fmt(r['p99_ms'])} | "
                f"{r['errors']} | {fmt(r['floor_rps'])} | {fmt(r['ratio'], 1)} | {target} | "
                f"{met} | {r['load_avg'][0]:.1f}–{r['load_avg'][1]:.1f} |")
        results = results + load_rows
    lines += ["", "## Notes per benchmark", ""]
    for r in results:
        extra = f" (`{r['url']}`)" if r.get("url") else ""
        if r.get("notes"):
            lines.append(f"- **{r['name']}**{extra}: {r['notes']}")
    for s in payload.get('skipped', []):
        lines.append(f"- Skipped: {s}")
    remarks = BENCH_DIR / "REMARKS.md"
    if remarks.exists():
        lines += ["", remarks.read_text().strip()]
    (out_dir / "RESULTS.md").write_text("\n".join(lines) + "\n")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=os.environ.get("BENCH_SCALE", "city"),
                        choices=["city", "small"])
    parser.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", 15)))
    parser.add_argument("--load-seconds", type=int,
                        default=int(os.environ.get("BENCH_LOAD_SECONDS", 10)))
    parser.add_argument("--only", nargs="*",
                        default=os.environ.get("BENCH_ONLY", "").split())
    parser.add_argument("--out", default=str(BENCH_DIR))
    parser.add_argument("--merge", action="store_true",
                        help="with --only: replace those rows in bench/results.json and "
                             "rewrite bench/RESULTS.md (the rest stays as last run)")
    parser.add_argument("--render", metavar="RESULTS_JSON",
                        help="only rewrite RESULTS.md (in --out) from a results.json")
    args = parser.parse_args()
    if args.render:
        render(json.loads(Path(args.render).read_text()), Path(args.out))
        return
    configure(args.scale)

    from django.db import connection
    from rest_framework.authtoken.models import Token

    from accounts.models import User
    from bench.ledger_zip import bench_ledger_zip

    args.scale = ensure_data(args.scale)
    office = User.objects.select_related("unit").get(username=OFFICE)
    token = Token.objects.get_or_create(user=office)[0].key
    counts = data_counts()
    info = machine()
    print(f"{info['database']}, {info['cores']} cores; data {counts}", flush=True)
    b = Bench(args)
    b.skipped = []
    bench_pages(b, office)
    bench_duplicates(b)
    bench_upload(b, office, token)
    bench_import(b, office)
    bench_export(b)
    bench_ledger_zip(b)
    bench_reports(b, office)
    __import__("bench.textcheck_bench").textcheck_bench.run(b, office)
    __import__("bench.rounds_bench").rounds_bench.run(b, office)
    bench_reminders(b)
    if connection.vendor == "postgresql" and b.wanted("issues.reminders.job"):
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")  # the reminders' rolled-back update of every issue
    info["load_after"] = os.getloadavg()
    connection.close()
    bench_throughput(b, token)
    from bench.load import bench_load

    bench_load(b)
    out = Path(args.out)
    if args.merge:
        # Replace these rows in the committed results and rewrite bench/RESULTS.md.
        kept = json.loads((BENCH_DIR / "results.json").read_text())
        names = {r["name"] for r in b.results}
        kept["results"] = [r for r in kept["results"] if r["name"] not in names] + b.results
        kept["machine"]["load_run"] = {"date": info["date"], "commit": info["commit"],
                                       "load_before": info["load_before"]}
        (BENCH_DIR / "results.json").write_text(
            json.dumps(kept, ensure_ascii=False, indent=1) + "\n")
        render(kept, BENCH_DIR)
        print("Merged into bench/results.json and bench/RESULTS.md", flush=True)
        return
    if args.only and out == BENCH_DIR:
        out = BASE_DIR / "var" / "bench-partial"
        print(f"--only given: writing to {out} rather than bench/", flush=True)
    write_results(b, info, counts, out)
    misses = [r["name"] for r in b.results if r["meets_target"] is False]
    print(f"Wrote {out / 'results.json'} and {out / 'RESULTS.md'}; "
          f"{len(misses)} target(s) missed{': ' + ', '.join(misses) if misses else ''}.")


if __name__ == "__main__":
    main()
