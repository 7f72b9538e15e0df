"""The multi-host deployment, for real: two gunicorn web processes, two Celery workers and one
beat on PostgreSQL, a Redis of their own and media on S3 (moto in server mode). Nothing is
mocked but the S3 server's address.

- a liaison uploads a photo through web A, a worker makes its thumbnail and watermarked
  display copy, web B serves them to the unit and answers 404 to another district's unit;
- the ledger ZIP export and a report are built by the workers and downloaded through web B;
- with the broker stopped an upload still succeeds; once it is back the sweeper (sent by
  beat's schedule entry) has the photo processed;
- a worker's pool process killed with SIGKILL mid-task: the task is redelivered (acks late)
  and its result exists exactly once.

Only on the PostgreSQL + Redis leg (the processes need a database they all see); skipped
otherwise."""

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from .conftest import KEYS, free_port, s3_client

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")
REDIS_URL = os.environ.get("REDIS_URL", "")

pytestmark = [
    pytest.mark.scaleout,
    pytest.mark.skipif(
        not (DATABASE_URL.startswith(("postgres://", "postgresql://")) and REDIS_URL),
        reason="the scale-out stack runs on the PostgreSQL + Redis leg only "
               "(DATABASE_URL=postgres://… and REDIS_URL set)"),
    pytest.mark.skipif(shutil.which("redis-server") is None,
                       reason="redis-server is not installed (the stack runs its own Redis)"),
]

requests = pytest.importorskip("requests")


def _db_url(name):
    parts = urlsplit(DATABASE_URL)
    return urlunsplit(parts._replace(path="/" + name))


def _psql(dsn, sql, autocommit=True):
    import psycopg

    with psycopg.connect(dsn, autocommit=autocommit) as conn:
        cur = conn.execute(sql)
        return cur.fetchall() if cur.description else None


class Stack:
    def __init__(self, tmp):
        self.tmp = tmp
        self.procs = {}
        self.logs = {}
        base = urlsplit(DATABASE_URL).path.lstrip("/") or "ccms"
        self.db = f"{base}_scaleout"
        self.dsn = _db_url(self.db)
        self.redis_port = free_port()
        self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"

    # --- processes ------------------------------------------------------------------------
    def env(self, endpoint, bucket):
        return {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "0",
                "SECRET_KEY": "scaleout-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
                "DATABASE_URL": self.dsn, "REDIS_URL": self.redis_url,
                "VAR_DIR": str(self.tmp / "var"), "STATIC_MANIFEST": "0",
                "SECURE_SSL_REDIRECT": "0", "ALLOWED_HOSTS": "127.0.0.1,localhost",
                "MEDIA_STORAGE": "s3", "AWS_STORAGE_BUCKET_NAME": bucket,
                "AWS_S3_ENDPOINT_URL": endpoint, "AWS_S3_REGION_NAME": "us-east-1",
                "AWS_ACCESS_KEY_ID": KEYS["access_key"],
                "AWS_SECRET_ACCESS_KEY": KEYS["secret_key"],
                "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
                "PYTHONUNBUFFERED": "1"}

    def spawn(self, name, args):
        log = open(self.tmp / f"{name}.log", "w")  # noqa: SIM115 - closed in stop()
        self.logs[name] = log
        self.procs[name] = subprocess.Popen(args, cwd=ROOT, env=self.environ, stdout=log,
                                            stderr=subprocess.STDOUT, start_new_session=True)
        return self.procs[name]

    def log(self, name):
        return (self.tmp / f"{name}.log").read_text(errors="replace")

    def redis_start(self):
        subprocess.run(["redis-server", "--port", str(self.redis_port), "--bind", "127.0.0.1",
                        "--save", "", "--appendonly", "no", "--daemonize", "yes",
                        "--dir", str(self.tmp), "--pidfile", str(self.tmp / "redis.pid")],
                       check=True, stdout=subprocess.DEVNULL)
        self.wait(self.redis_up, 10, "redis did not start")

    def redis_stop(self):
        import redis

        try:
            redis.Redis(port=self.redis_port).shutdown(nosave=True)
        except redis.ConnectionError:
            pass
        self.wait(lambda: not self.redis_up(), 10, "redis did not stop")

    def redis_up(self):
        import redis

        try:
            return redis.Redis(port=self.redis_port, socket_connect_timeout=0.5).ping()
        except redis.ConnectionError:
            return False

    def wait(self, condition, seconds, message):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if condition():
                return
            for name, proc in self.procs.items():
                if proc.poll() is not None and not name.startswith("once-"):
                    pytest.fail(f"{name} exited ({proc.returncode}):\n{self.log(name)[-4000:]}")
            time.sleep(0.25)
        pytest.fail(message + "\n" + "\n".join(
            f"--- {n}\n{self.log(n)[-2500:]}" for n in self.procs))

    def start_web(self, name, port):
        self.spawn(name, [sys.executable, "-m", "gunicorn", "config.wsgi", "-b",
                          f"127.0.0.1:{port}", "-w", "2", "--graceful-timeout", "2",
                          "--access-logfile", "-"])
        url = f"http://127.0.0.1:{port}"

        def answers():
            try:
                return requests.get(url + "/healthz", timeout=5).status_code < 500
            except requests.RequestException:
                return False
        return url, answers

    def start_worker(self, name):
        return self.spawn(name, [sys.executable, "-m", "celery", "-A", "config", "worker",
                                 "-n", f"{name}@%h", "--concurrency=1", "--without-mingle",
                                 "--without-gossip", "--loglevel=INFO"])

    def stop(self):
        for proc in self.procs.values():
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for log in self.logs.values():
            log.close()
        if self.redis_up():
            self.redis_stop()


@pytest.fixture(scope="module")
def stack(s3_server, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scaleout")
    stack = Stack(tmp)
    bucket = "ccms-scaleout"
    s3_client(s3_server).create_bucket(Bucket=bucket, ACL="private")
    stack.bucket, stack.s3 = bucket, s3_client(s3_server)
    stack.environ = stack.env(s3_server, bucket)
    admin = _db_url("postgres")
    _psql(admin, f'DROP DATABASE IF EXISTS "{stack.db}" WITH (FORCE)')
    _psql(admin, f'CREATE DATABASE "{stack.db}"')
    stack.redis_start()
    try:
        subprocess.run([sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
                       cwd=ROOT, env=stack.environ, check=True, timeout=240)
        seeded = subprocess.run([sys.executable, "-m", "tests.scaleout.seed"], cwd=ROOT,
                                env=stack.environ, check=True, capture_output=True, text=True,
                                timeout=120)
        stack.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        stack.a, a_up = stack.start_web("web-a", free_port())
        stack.b, b_up = stack.start_web("web-b", free_port())
        stack.start_worker("worker1")
        stack.start_worker("worker2")
        stack.spawn("beat", [sys.executable, "-m", "celery", "-A", "config", "beat",
                             "--loglevel=INFO", "-s", str(tmp / "celerybeat-schedule")])
        stack.wait(lambda: a_up() and b_up(), 120, "the web processes did not answer")
        stack.wait(lambda: all("ready" in stack.log(w) for w in ("worker1", "worker2")), 60,
                   "the workers did not start")
        yield stack
    finally:
        stack.stop()
        _psql(admin, f'DROP DATABASE IF EXISTS "{stack.db}" WITH (FORCE)')


def _token(url, username, password):
    r = requests.post(url + "/api/v1/auth/token/", json={"username": username,
                                                         "password": password}, timeout=10)
    assert r.status_code == 200, r.text
    return {"Authorization": f"Token {r.json()['token']}"}


def _session(url, username, password):
    """A browser login. The cookies are Secure (DEBUG off); the test talks plain HTTP to the
    loopback address, so they are sent back by hand."""
    s = requests.Session()
    page = s.get(url + "/accounts/login/", timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    csrf = page.cookies["csrftoken"]
    r = requests.post(url + "/accounts/login/", data={
        "username": username, "password": password, "csrfmiddlewaretoken": token},
        cookies={"csrftoken": csrf}, headers={"Referer": url + "/accounts/login/"},
        allow_redirects=False, timeout=10)
    assert r.status_code == 302, r.text[:2000]
    jar = {"csrftoken": csrf, "sessionid": r.cookies["sessionid"]}
    s.cookies.clear()
    for k, v in jar.items():
        s.cookies.set(k, v)
    return s


def _photo_rows(stack, issue_id):
    return _psql(stack.dsn, "SELECT id, thumbnail, display, processed_at FROM issues_issuephoto "
                            f"WHERE issue_id = {int(issue_id)} ORDER BY id")


def _upload(stack, url, issue_id, seed, headers=None):
    from tests.evidence.images import jpeg_bytes

    data = jpeg_bytes(seed=seed)
    r = requests.post(url + f"/api/v1/issues/{issue_id}/submit/",
                      headers=headers or _token(url, "liaison", stack.seed["password"]),
                      data={"note": "已清理"}, files={"photos": ("p.jpg", data, "image/jpeg")},
                      timeout=30)
    assert r.status_code == 200, (r.text, stack.log("web-a")[-3000:])
    return data


def _bucket_keys(stack):
    pages = stack.s3.get_paginator("list_objects_v2").paginate(Bucket=stack.bucket)
    return {o["Key"] for page in pages for o in page.get("Contents", [])}


def test_upload_on_a_thumbnail_in_a_worker_download_on_b(stack):
    issue = stack.seed["issues"][0]
    data = _upload(stack, stack.a, issue, seed=21)
    stack.wait(lambda: (rows := _photo_rows(stack, issue)) and rows[0][3] is not None, 60,
               "no worker processed the photo")
    pk, thumbnail, display, _ = _photo_rows(stack, issue)[0]
    assert {thumbnail, display} <= _bucket_keys(stack)

    b = _session(stack.b, "liaison", stack.seed["password"])
    r = b.get(stack.b + f"/issues/photos/{pk}/file/", allow_redirects=False, timeout=10)
    assert r.status_code == 200 and r.content == data
    thumb = b.get(stack.b + f"/issues/photos/{pk}/thumbnail/", allow_redirects=False, timeout=10)
    assert thumb.status_code == 200 and thumb.content[:4] == b"RIFF"
    other = _session(stack.b, "liaison_b", stack.seed["password"])
    assert other.get(stack.b + f"/issues/photos/{pk}/file/", allow_redirects=False,
                     timeout=10).status_code == 404
    # web B served it: its access log has the request, web A's has only the upload.
    assert f"/issues/photos/{pk}/file/" in stack.log("web-b")
    assert f"/issues/photos/{pk}/file/" not in stack.log("web-a")


def _wait_json(stack, url, headers, done, seconds=120):
    holder = {}

    def check():
        r = requests.get(url, headers=headers, timeout=10)
        holder["body"] = r.json()
        return done(holder["body"])
    stack.wait(check, seconds, f"not done: {url}")
    return holder["body"]


def test_ledger_export_and_report_built_by_workers_downloaded_on_b(stack):
    import io
    import zipfile

    pw = stack.seed["password"]
    office_a = _token(stack.a, "office", pw)
    r = requests.post(stack.a + "/api/v1/jobs/", headers=office_a, timeout=10,
                      json={"kind": "ledgers_export", "params": {"year": stack.seed["year"]}})
    assert r.status_code == 202, r.text
    job = r.json()["id"]
    r = requests.post(stack.a + "/api/v1/reports/", headers=office_a, timeout=10,
                      json={"kind": "on_demand", "period_start": "2026-01-05",
                            "period_end": "2026-01-11"})
    assert r.status_code in (200, 202), r.text
    report = r.json()["id"]

    office_b = _token(stack.b, "office", pw)
    _wait_json(stack, stack.b + f"/api/v1/jobs/{job}/", office_b,
               lambda j: j["status"] in ("done", "failed"))
    z = requests.get(stack.b + f"/api/v1/jobs/{job}/download/", headers=office_b, timeout=30,
                     allow_redirects=False)
    assert z.status_code == 200, z.text[:500]
    with zipfile.ZipFile(io.BytesIO(z.content)) as zf:
        assert any(n.endswith(".jpg") for n in zf.namelist())
    report_job = r.json()["job"]["id"]
    _wait_json(stack, stack.b + f"/api/v1/jobs/{report_job}/", office_b,
               lambda j: j["status"] in ("done", "failed"))
    x = requests.get(stack.b + f"/api/v1/jobs/{report_job}/download/", headers=office_b,
                     timeout=30, allow_redirects=False)
    assert x.status_code == 200 and x.content[:2] == b"PK"
    assert requests.get(stack.b + f"/api/v1/reports/{report}/", headers=office_b,
                        timeout=10).json()["job"]["download_url"]
    other = _token(stack.b, "office_b", pw)
    for url in (f"/api/v1/jobs/{job}/download/", f"/api/v1/jobs/{report_job}/download/",
                f"/api/v1/reports/{report}/"):
        assert requests.get(stack.b + url, headers=other, timeout=10).status_code == 404


def test_broker_outage_upload_kept_then_swept(stack):
    issue = stack.seed["issues"][1]
    # The liaison is signed in before the outage (signing in counts attempts in the cache).
    liaison = _token(stack.a, "liaison", stack.seed["password"])
    stack.redis_stop()
    try:
        started = time.monotonic()
        _upload(stack, stack.a, issue, seed=22, headers=liaison)
        assert time.monotonic() - started < 20
        (pk, thumbnail, _, processed), = _photo_rows(stack, issue)
        assert processed is None and not thumbnail
    finally:
        stack.redis_start()
    # Minutes later beat's schedule sends the sweeper; its entry is sent here at once.
    _psql(stack.dsn, "UPDATE issues_issuephoto SET created = created - interval '15 minutes' "
                     f"WHERE id = {pk}")
    from celery import Celery

    app = Celery(broker=stack.redis_url)
    from config.celery import app as project

    entry = project.conf.beat_schedule["issues-sweep-unprocessed-photos"]
    app.send_task(entry["task"])
    stack.wait(lambda: _photo_rows(stack, issue)[0][3] is not None, 90,
               "the sweeper did not have the photo processed")
    assert _photo_rows(stack, issue)[0][1] in _bucket_keys(stack)


def _pool_children(pid):
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        children += [int(c) for c in (task / "children").read_text().split()]
    return children


def test_a_worker_killed_mid_task_the_task_runs_again_once(stack):
    from celery import Celery

    pw = stack.seed["password"]
    office = _token(stack.a, "office", pw)
    app = Celery(broker=stack.redis_url)
    r = requests.post(stack.a + "/api/v1/reports/", headers=office, timeout=10,
                      json={"kind": "on_demand", "period_start": "2026-02-02",
                            "period_end": "2026-02-08"})
    assert r.status_code in (200, 202), r.text
    report_job = r.json()["job"]["id"]
    # Find the pool process running the report's job and kill it outright.
    killed = {}

    def running():
        replies = app.control.inspect(timeout=0.5).active() or {}
        for worker, tasks in replies.items():
            for task in tasks:
                if task["name"] == "jobs.tasks.run_job_task" and \
                        list(task["args"]) == [report_job]:
                    killed.update(worker=worker, pid=task["worker_pid"], name=task["name"])
                    return True
        return False
    stack.wait(running, 60, "the report's job was never seen running")
    os.kill(killed["pid"], signal.SIGKILL)
    headers = _token(stack.b, "office", pw)
    body = _wait_json(stack, stack.b + f"/api/v1/jobs/{report_job}/", headers,
                      lambda j: j["status"] in ("done", "failed"), seconds=180)
    assert body["status"] == "done", body
    logs = stack.log("worker1") + stack.log("worker2")
    assert "SIGKILL" in logs or "WorkerLostError" in logs, logs[-3000:]
    rows = _psql(stack.dsn, "SELECT count(*), min(j.result), max(j.attempts) "
                            "FROM dashboard_report r JOIN jobs_job j ON j.id = r.job_id "
                            "WHERE r.period_start = '2026-02-02'")
    # One report, its job claimed again once by the redelivery (once in all when the kill
    # came before the first claim).
    assert rows[0][0] == 1 and int(rows[0][2]) in (1, 2)
    keys = [k for k in _bucket_keys(stack) if k.startswith(rows[0][1].rsplit("/", 1)[0])]
    assert rows[0][1] in keys
