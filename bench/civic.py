"""Benchmarks of 文明随手拍 (python bench/civic.py; figures go to bench/RESULTS.md by hand):

* `civic.moderation_list`: the office's moderation queue page (list of 50, filters, map of up
  to 1,000 rows) at 50,000 reports in the city, median of runs through the test client, with
  its query count and a floor: the same SQL replayed through `connection.cursor()`.
* `civic.submit_load`: public report submissions (multipart POST with CSRF and a 200 KB
  photo) under concurrent load against gunicorn on loopback (port BENCH_CIVIC_PORT, default
  8702), counted by a thread pool of keep-alive clients: requests/s, p50, p95, errors; the
  floor is the GET of the same form under the same load.

The data: an empty database (DATABASE_URL) is filled with the city's units, points and 50,000
reports (accounts, points and civic generators of generate_city --scale city); reused later.
"""

import http.client
import io
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.civic_settings")


def setup():
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from civic.models import CivicReport

    if CivicReport.objects.count() >= 50_000:
        return
    import random

    from django.db import transaction
    from django.utils.module_loading import import_string

    from accounts.citygen import GeneratedCity
    from accounts.models import Unit
    from issues.demo import seed_categories

    city = GeneratedCity("city", random.Random(2026))
    seed_categories()
    paths = ["civic.citygen.generate"]
    if not Unit.objects.exists():
        paths = ["accounts.citygen.generate", "points.demo.generate", *paths]
    for path in paths:
        started = time.monotonic()
        with transaction.atomic():
            import_string(path)(city)
        print(f"{path}: {time.monotonic() - started:.1f} s", flush=True)


def median_ms(fn, runs):
    fn()
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), min(times), max(times)


def bench_moderation_list(runs=15):
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from accounts.models import Role, User
    from civic.models import CivicReport

    office = (User.objects.filter(role=Role.OFFICE, unit__region_path__isnull=False)
              .order_by("pk").first())
    client = Client()
    client.force_login(office)
    url = "/civic/office/"
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    statements = [q["sql"] for q in ctx.captured_queries]

    def floor():
        with connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)
                cursor.fetchall() if cursor.description else None

    page = median_ms(lambda: client.get(url), runs)
    filtered = median_ms(lambda: client.get(url + "?status=accepted&page=20"), runs)
    raw = median_ms(floor, runs)
    visible = CivicReport.objects.visible_to(office).count()
    return {"reports": CivicReport.objects.count(), "visible": visible,
            "queries": len(statements), "page": page, "filtered": filtered, "floor": raw}


def jpeg(size=200_000):
    from PIL import Image

    img = Image.effect_noise((640, 480), 64).convert("RGB")
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=95)
    data = buf.getvalue()
    return data + b"\0" * max(0, size - len(data))


def _multipart(fields, photo):
    boundary = uuid.uuid4().hex
    parts = []
    for k, v in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n')
    body = "".join(parts).encode()
    body += (f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; '
             f'filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n').encode() + photo
    body += f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def load(port, seconds, concurrency, post, category_id):
    photo = jpeg()
    latencies, errors, lock = [], [0], threading.Lock()
    stop = time.monotonic() + seconds

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        conn.request("GET", "/civic/report/")
        resp = conn.getresponse()
        page = resp.read().decode()
        cookies = "; ".join(c.split(";")[0] for c in resp.headers.get_all("Set-Cookie") or [])
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                if post:
                    body, ctype = _multipart({
                        "csrfmiddlewaretoken": token, "category": category_id,
                        "description": "小区门口垃圾堆了三天没人清理", "latitude": "",
                        "longitude": "", "address": "东街 18 号", "region": REGION_ID},
                        photo)
                    conn.request("POST", "/civic/report/", body,
                                 {"Content-Type": ctype, "Cookie": cookies})
                else:
                    conn.request("GET", "/civic/report/", headers={"Cookie": cookies})
                resp = conn.getresponse()
                resp.read()
                ok = resp.status == (302 if post else 200)
            except OSError:
                ok = False
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            with lock:
                if ok:
                    latencies.append((time.perf_counter() - t) * 1000)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    elapsed = time.monotonic() - started
    latencies.sort()
    return {"rps": len(latencies) / elapsed, "p50": statistics.median(latencies),
            "p95": latencies[int(len(latencies) * 0.95) - 1], "n": len(latencies),
            "errors": errors[0]}


REGION_ID = ""


def bench_submit_load(seconds=20, concurrency=8):
    global REGION_ID
    from accounts.models import Unit
    from civic.models import CivicReport, ReportCategory

    REGION_ID = str(Unit.objects.filter(kind="district").order_by("pk").first().pk)
    category_id = str(ReportCategory.objects.order_by("pk").first().pk)
    port = int(os.environ.get("BENCH_CIVIC_PORT", "8702"))
    workers = os.cpu_count() or 2
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "config.wsgi", "--bind",
         f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning"],
        cwd=BASE_DIR, env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.civic_settings"},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    before = CivicReport.objects.count()
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                c.request("GET", "/healthz")
                c.getresponse().read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(server.stderr.read().decode()[-2000:]) from None
                time.sleep(0.3)
        floor = load(port, seconds, concurrency, False, category_id)
        real = load(port, seconds, concurrency, True, category_id)
    finally:
        server.terminate()
        server.wait(timeout=15)
    made = CivicReport.objects.count() - before
    # The load's reports and photo rows are removed again (files in the scratch media root).
    from civic.models import ReportEvent, ReportPhoto

    new = CivicReport.objects.order_by("-pk")[:made].values_list("pk", flat=True)
    ids = list(new)
    ReportPhoto.objects.filter(report_id__in=ids).delete()
    ReportEvent.objects.filter(report_id__in=ids).delete()
    CivicReport.objects.filter(pk__in=ids).delete()
    return {"workers": workers, "concurrency": concurrency, "seconds": seconds, "post": real,
            "get": floor, "stored": made}


if __name__ == "__main__":
    setup()
    listing = bench_moderation_list()
    print("moderation list", listing, flush=True)
    submit = bench_submit_load()
    print("submit load", submit, flush=True)
