"""#21 item 6: `make run` on PostgreSQL must not leak a connection per request. The local
server answers each request in a thread of its own; a persistent connection left by a
finished thread is never closed, so the local (DEBUG) settings close connections after each
request, while production processes keep theirs."""

import json
import os
import subprocess
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
READ = ("import json, django; from django.conf import settings; django.setup(); "
        "d = settings.DATABASES['default']; print(json.dumps([d['ENGINE'], d['CONN_MAX_AGE']]))")


def _settings(**env):
    environ = {k: v for k, v in os.environ.items() if k not in ("CONN_MAX_AGE", "DEBUG")}
    environ.update(DJANGO_SETTINGS_MODULE="config.settings",
                   SECRET_KEY="a-test-only-secret-key-that-is-long-enough-0123456789abcdef",
                   ALLOWED_HOSTS="localhost",
                   DATABASE_URL="postgres://postgres@127.0.0.1:5432/ccms_unused", **env)
    out = subprocess.run([sys.executable, "-c", READ], cwd=BASE_DIR, env=environ,
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_the_local_server_on_postgresql_closes_its_connections_after_each_request():
    engine, max_age = _settings(DEBUG="1")
    assert engine == "django.db.backends.postgresql" and max_age == 0


def test_production_processes_keep_a_persistent_connection_unless_told_otherwise():
    assert _settings(DEBUG="0")[1] == 60
    assert _settings(DEBUG="1", CONN_MAX_AGE="30")[1] == 30
