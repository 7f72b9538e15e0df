"""The load section of `make bench` (issue #17): the busiest requests under wrk against gunicorn
started as the README's production sketch starts it (config/gunicorn.conf.py, DEBUG off), on
the city data set, PostgreSQL and Redis of DATABASE_URL / REDIS_URL.

Every workload runs after a warm-up, with 8 connections, next to its floor measured in the
same minutes: the same authentication (token, session cookie or none) and the same body on a
bare view of bench/urls.py. Ratio = floor req/s ÷ req/s (how many times slower than the bare
framework). Load is written beside the figures: the machine is shared.

    make bench ONLY=load.          # the load section alone
    BENCH_LOAD_SECONDS=20 GUNICORN_WORKER_CLASS=gthread GUNICORN_THREADS=4 WEB_CONCURRENCY=2 …

The survey POSTs and the uploads are committed (a server in another process cannot see a
transaction of ours); after the checks (every response stored exactly once, every file on
disk) the rows and files they made are deleted again, so the data set stays as generated.
"""

import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
LUA = BASE_DIR / "bench" / "load.lua"
CONNECTIONS = 8
CITY_OFFICE = "u_city_office"  # made once by the load section: the city's 创城办 (whole city)

TARGETS = {  # req/s (issue #17)
    "load.issues.api.open": 150,
    "load.issues.html.open": 150,  # the bar; 300 is the goal
    "load.issues.api.one": 500,
    "load.dashboard.ranking.api": 100,
    "load.surveys.public.post": 200,
    "load.ledgers.upload.1mb": None,  # no rate target: no error, every file stored, p99 ≤ 1 s
}


def _free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def city_office():
    """The city's 创城办 user (sees every issue of the city); the generated city has offices
    per district only. Made once, kept (a unit of kind office is never ranked)."""
    from accounts.models import Role, Unit, User

    user = User.objects.filter(username=CITY_OFFICE).select_related("unit").first()
    if user is not None:
        return user
    root = Unit.objects.get(parent__isnull=True, kind=Unit.Kind.CITY)
    unit = Unit.objects.filter(parent=root, kind=Unit.Kind.OFFICE).first()
    if unit is None:
        unit = Unit(name=f"{root.name}创城办", kind=Unit.Kind.OFFICE, parent=root)
        unit.save()
    user = User(username=CITY_OFFICE, unit=unit, role=Role.OFFICE, full_name="市创城办")
    user.set_password("bench12345")
    user.save()
    return User.objects.select_related("unit").get(pk=user.pk)


class Server:
    def __init__(self, env_extra=None):
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.media = Path(tempfile.mkdtemp(prefix="ccms-load-media-"))
        self.env = {**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings",
                    "ALLOWED_HOSTS": "127.0.0.1", "MEDIA_ROOT": str(self.media),
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_LOG_LEVEL": "warning",
                    **(env_extra or {})}

    def describe(self):
        e = self.env
        workers = e.get("WEB_CONCURRENCY") or str(2 * (os.cpu_count() or 1))
        kind = e.get("GUNICORN_WORKER_CLASS", "sync")
        threads = e.get("GUNICORN_THREADS", "1")
        pool = e.get("DB_POOL", "1")
        return (f"gunicorn {workers} {kind} workers" + (f"×{threads} threads" if kind ==
                                                         "gthread" else "")
                + f", preload {e.get('GUNICORN_PRELOAD', '1')}, DB pool {pool}")

    def __enter__(self):
        gunicorn = str(Path(sys.executable).parent / "gunicorn")
        self.proc = subprocess.Popen(
            [gunicorn, "-c", str(BASE_DIR / "config" / "gunicorn.conf.py"), "config.wsgi"],
            cwd=BASE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{self.base}/healthz", timeout=2).read()
                return self
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    err = self.proc.stderr.read().decode()[-3000:] if self.proc.poll() \
                        is not None else "timeout"
                    raise SystemExit(f"gunicorn did not start: {err}") from None
                time.sleep(0.3)

    def __exit__(self, *exc):
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        shutil.rmtree(self.media, ignore_errors=True)


def wrk(url, seconds, *, auth=(), paths=(), method="GET", body=None, content_type="",
        cookie="", device=False, threads=2):
    env = {**os.environ, "LOAD_METHOD": method, "LOAD_AUTH": "\n".join(auth),
           "LOAD_PATHS": "\n".join(paths), "LOAD_CONTENT_TYPE": content_type,
           "LOAD_COOKIE": cookie, "LOAD_DEVICE": "1" if device else "0", "LOAD_BODY_FILE": ""}
    tmp = None
    if body is not None:
        tmp = tempfile.NamedTemporaryFile(delete=False, suffix=".body")
        tmp.write(body)
        tmp.close()
        env["LOAD_BODY_FILE"] = tmp.name
    try:
        proc = subprocess.run(
            ["wrk", f"-t{threads}", f"-c{CONNECTIONS}", f"-d{seconds}s", "--timeout", "10s",
             "--latency", "-s", str(LUA), url],
            capture_output=True, text=True, timeout=seconds + 60, env=env)
    finally:
        if tmp:
            os.unlink(tmp.name)
    line = [x for x in proc.stdout.splitlines() if x.startswith("JSON ")]
    if not line:
        raise SystemExit(f"wrk failed: {proc.stdout}\n{proc.stderr}")
    return json.loads(line[0][5:])


def measure(b, name, server, path, floor_path, *, target, notes, warmup=2, **kw):
    """wrk on the workload and on its floor, each after a warm-up, in the same minutes."""
    seconds = b.args.load_seconds
    load_before = os.getloadavg()[0]
    wrk(server.base + path, warmup, **kw)
    real = wrk(server.base + path, seconds, **kw)
    floor_kw = {k: v for k, v in kw.items() if k != "paths"}  # the floor has one path
    wrk(server.base + floor_path, warmup, **floor_kw)
    floor = wrk(server.base + floor_path, seconds, **floor_kw)
    load_after = os.getloadavg()[0]
    ratio = floor["rps"] / real["rps"] if real["rps"] else None
    met = None if target is None else real["rps"] >= target
    row = {"name": name, "median_ms": round(real["p50"], 2), "spread_ms": None,
           "min_ms": round(real["p50"], 2), "max_ms": round(real["p99"], 2), "runs": real["requests"],
           "floor_ms": round(floor["p50"], 2), "ratio": round(ratio, 2) if ratio else None,
           "target_ms": None, "queries": None, "meets_target": met, "url": path,
           "rps": round(real["rps"], 1), "p50_ms": round(real["p50"], 1),
           "p99_ms": round(real["p99"], 1), "errors": real["errors"],
           "floor_rps": round(floor["rps"], 1), "floor_p50_ms": round(floor["p50"], 2),
           "floor_errors": floor["errors"], "target_rps": target,
           "load_avg": [round(load_before, 2), round(load_after, 2)],
           "server": server.describe(),
           "notes": f"{real['rps']:.0f} req/s (target {'≥ ' + str(target) if target else '—'}), "
                    f"p50 {real['p50']:.0f} ms, p99 {real['p99']:.0f} ms, {real['errors']} "
                    f"errors of {real['requests']}; floor {floor['rps']:.0f} req/s, p50 "
                    f"{floor['p50']:.1f} ms ({floor['errors']} errors) → {ratio:.1f}× the "
                    f"floor's time per request; {server.describe()}, wrk {CONNECTIONS} "
                    f"connections {seconds} s after {warmup} s warm-up; load average "
                    f"{load_before:.1f} → {load_after:.1f}. {notes}"}
    b.results.append(row)
    mark = {True: "ok", False: "MISS", None: "--"}[met]
    print(f"  {name:<34} {real['rps']:>7.1f} req/s p50 {real['p50']:>7.1f} p99 "
          f"{real['p99']:>7.1f} err {real['errors']:<4} | floor {floor['rps']:>7.1f} req/s "
          f"x{ratio or 0:.1f} load {load_before:.1f}→{load_after:.1f} target {target} {mark}",
          flush=True)
    return row, real, floor


def _survey_body(survey, community, csrf):
    from surveys.models import Question

    data = [("csrfmiddlewaretoken", csrf), ("community", str(community.pk))]
    for q in survey.questions.prefetch_related("options").order_by("order", "pk"):
        options = list(q.options.all())
        if q.kind == Question.Kind.TEXT:
            data.append((f"q{q.pk}", "很好"))
        elif q.kind == Question.Kind.MULTIPLE:
            data.append((f"q{q.pk}", str(options[0].pk)))
        else:  # single or rating: an option in the frame (screening questions)
            ok = [o for o in options if getattr(o, "in_frame", True)] or options
            data.append((f"q{q.pk}", str(ok[0].pk)))
    return urllib.parse.urlencode(data).encode()


def _multipart(photo):
    boundary = "----ccmsload" + secrets.token_hex(8)
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; "
            f"filename=\"photo.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n").encode() + photo + \
        f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def bench_load(b):
    if not any(b.wanted(n) for n in TARGETS):
        return
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.utils import timezone
    from rest_framework.authtoken.models import Token

    from accounts.models import Role, Unit
    from issues.models import Issue, IssueEvent
    from ledgers.models import LedgerPhoto, LedgerSubmission
    from surveys.models import Response, Survey

    print("Load section (gunicorn + wrk)", flush=True)
    office = city_office()
    token = Token.objects.get_or_create(user=office)[0].key
    auth = (f"Authorization: Token {token}",)
    client = Client()
    client.force_login(office)
    session = f"sessionid={client.cookies['sessionid'].value}"
    open_count = Issue.objects.visible_to(office).open().count()
    issue_id = (IssueEvent.objects.values("issue").annotate(n=Count("pk")).order_by("-n", "issue")
                .values_list("issue", flat=True).first())
    events = IssueEvent.objects.filter(issue_id=issue_id).count()
    env_extra = {k: v for k, v in os.environ.items() if k.startswith(("GUNICORN_", "WEB_", "DB_"))}
    connection.close()
    with Server(env_extra) as server:
        if b.wanted("load.issues.api.open"):
            measure(b, "load.issues.api.open", server, "/api/v1/issues/?open=true",
                    "/__bench__/bare-api/", auth=auth, target=TARGETS["load.issues.api.open"],
                    notes=f"the city office's open issues ({open_count:,} of the city), page "
                          "of 50, token auth; floor = bare DRF view, same token")
        if b.wanted("load.issues.html.open"):
            measure(b, "load.issues.html.open", server, "/issues/?open=true", "/__bench__/bare/",
                    cookie=session, target=TARGETS["load.issues.html.open"],
                    notes="the same list as the HTML page (session cookie); the goal is ≥ 300; "
                          "floor = bare Django view, same session")
        if b.wanted("load.issues.api.one"):
            measure(b, "load.issues.api.one", server, f"/api/v1/issues/{issue_id}/",
                    "/__bench__/bare-api/", auth=auth, target=TARGETS["load.issues.api.one"],
                    notes=f"issue {issue_id} with its {events} events and photos")
        if b.wanted("load.dashboard.ranking.api"):
            measure(b, "load.dashboard.ranking.api", server, "/api/v1/dashboard/ranking/",
                    "/__bench__/bare-api/", auth=auth,
                    target=TARGETS["load.dashboard.ranking.api"],
                    notes="the city office's ranking (current period counted, past ones kept)")
        if b.wanted("load.surveys.public.post"):
            _survey_load(b, server, Survey, Response, Unit)
        if b.wanted("load.ledgers.upload.1mb"):
            _upload_load(b, server, LedgerSubmission, LedgerPhoto, Role, Token)
    connection.close()
    _ = timezone


def _survey_load(b, server, Survey, Response, Unit):
    from django.db import connection
    from django.utils import timezone

    from surveys.models import Quota

    today = timezone.localdate()
    survey = Survey.objects.filter(status=Survey.Status.OPEN).order_by("pk").first()
    restore = None
    if not survey.accepts_answers(today):  # the generated rounds end on the generation day
        restore = (survey.starts_on, survey.ends_on)
        Survey.objects.filter(pk=survey.pk).update(starts_on=min(survey.starts_on, today),
                                                   ends_on=max(survey.ends_on, today))
    community = Unit.objects.filter(path__startswith=survey.region.path,
                                    kind=Unit.Kind.COMMUNITY, is_active=True).order_by("pk").first()
    # The generated quotas are met (20 a community against about 250 answers): every answer
    # would be refused as 本社区样本已满. The community's quota is lifted for the run (it is
    # still checked on every answer) and put back.
    quota = Quota.objects.filter(survey=survey, community=community).first()
    if quota is not None:
        Quota.objects.filter(pk=quota.pk).update(target=10**9)
    csrf = secrets.token_hex(16)  # a CSRF secret of 32 characters: cookie and field agree
    body = _survey_body(survey, community, csrf)
    last_id = Response.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()
    try:
        row, real, floor = measure(
            b, "load.surveys.public.post", server, survey.public_path(),
            "/__bench__/bare-public/", method="POST", body=body,
            content_type="application/x-www-form-urlencoded", cookie=f"csrftoken={csrf}",
            device=True, target=TARGETS["load.surveys.public.post"],
            notes="a resident's answer, a new device cookie each, CSRF as the form sends it; "
                  "floor = bare anonymous view through the same middleware with the same body")
        new = Response.objects.filter(pk__gt=last_id, survey=survey)
        stored = new.count()
        distinct = new.values("device_hash").distinct().count()
        # Answers completed by the server (warm-up included) = every 2xx wrk saw, plus at most
        # one in flight per connection when wrk stopped (the server finishes it).
        sent_ok = None
        row["stored"] = stored
        row["stored_distinct_devices"] = distinct
        exact = stored == distinct
        row["notes"] += (f" Stored {stored:,} responses (warm-up included) for "
                         f"{real['requests'] - real['errors']:,} answered 2xx in the measured "
                         f"{b.args.load_seconds} s; {distinct:,} distinct devices — "
                         + ("each stored exactly once." if exact else "DUPLICATES."))
        if not exact or real["errors"] or not stored:
            row["meets_target"] = False
        _ = sent_ok
    finally:
        from surveys.models import Answer

        Answer.objects.filter(response__pk__gt=last_id, response__survey=survey).delete()
        Response.objects.filter(pk__gt=last_id, survey=survey).delete()
        if restore:
            Survey.objects.filter(pk=survey.pk).update(starts_on=restore[0], ends_on=restore[1])
        if quota is not None:
            Quota.objects.filter(pk=quota.pk).update(target=quota.target)
        connection.close()


def _upload_load(b, server, LedgerSubmission, LedgerPhoto, Role, Token):
    from django.db import connection

    from bench.run import make_jpeg

    drafts = list(LedgerSubmission.objects.filter(status=LedgerSubmission.Status.DRAFT,
                                                  is_current=True)
                  .select_related("unit").order_by("unit_id", "pk"))
    chosen, units = [], set()
    from accounts.models import User

    for d in drafts:
        if d.unit_id in units:
            continue
        liaison = User.objects.filter(unit_id=d.unit_id, role=Role.LIAISON,
                                      is_active=True).order_by("pk").first()
        if liaison is None:
            continue
        units.add(d.unit_id)
        chosen.append((d, liaison))
        if len(chosen) == CONNECTIONS:
            break
    tokens = [f"Authorization: Token {Token.objects.get_or_create(user=u)[0].key}"
              for _d, u in chosen]
    paths = [f"/api/v1/ledger-submissions/{d.pk}/" for d, _u in chosen]
    photo = make_jpeg(1024 * 1024)
    body, ctype = _multipart(photo)
    last_id = LedgerPhoto.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    connection.close()
    try:
        row, real, floor = measure(
            b, "load.ledgers.upload.1mb", server, paths[0], "/__bench__/bare-api/",
            method="PATCH", body=body, content_type=ctype, auth=tokens, paths=paths,
            threads=CONNECTIONS, target=None,
            notes=f"8 liaisons of 8 units, each adding a {len(photo) / 1024 / 1024:.1f} MB "
                  "JPEG to their unit's draft ledger material (PATCH, validation, pHash, "
                  "storing; processing in the worker); floor = the same multipart body to a "
                  "bare DRF view with the same tokens")
        # The floor has its own paths: the LOAD_PATHS of the real run do not apply to it.
        new = list(LedgerPhoto.objects.filter(pk__gt=last_id))
        on_disk = sum(1 for p in new if p.file and (server.media / p.file.name).exists())
        ok = real["errors"] == 0 and real["p99"] <= 1000 and on_disk == len(new)
        row["meets_target"] = ok
        row["stored"] = len(new)
        row["on_disk"] = on_disk
        row["notes"] += (f" Stored {len(new):,} photos (warm-up included), {on_disk:,} of them "
                         f"found in storage; bar: no error, every file stored, p99 ≤ 1 s — "
                         + ("met." if ok else "MISSED."))
    finally:
        for p in LedgerPhoto.objects.filter(pk__gt=last_id):
            p.delete()
        connection.close()
