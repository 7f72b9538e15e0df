"""Settings for `make bench`: the production settings with DEBUG off, a fixed bench key, no
HTTPS redirect (loopback), plain static storage, a scratch media folder and quiet logs.

The database comes from DATABASE_URL (bench/run.py points it at var/bench_<scale>.sqlite3
when it is unset); the cache is Redis when REDIS_URL is set, else process-local memory.
"""

import os
import tempfile

os.environ["DEBUG"] = "0"
os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-3f9a1c7e5b2d48a6b0c4e8f1a2d3c4b5e6f7")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
os.environ.setdefault("LOG_LEVEL", "WARNING")
os.environ.setdefault("MEDIA_ROOT", tempfile.mkdtemp(prefix="ccms-bench-media-"))

from config.settings import *  # noqa: E402,F403
from config.settings import REDIS_URL  # noqa: E402

ROOT_URLCONF = "bench.urls"
SECURE_SSL_REDIRECT = False
SECURE_HSTS_SECONDS = 0
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
if not REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The token view's throttle would cap the load test at 30 logins a minute; the load test uses
# one token, so only the issue API is exercised.
WHITENOISE_AUTOREFRESH = True  # no collectstatic needed; static files are not benchmarked
# The load section (bench/load.py) posts every resident's answer from 127.0.0.1: the per-address
# limit of the public survey form would refuse all but the first 30 an hour.
SURVEY_PUBLIC_RATE_LIMIT = int(os.environ.get("SURVEY_PUBLIC_RATE_LIMIT", 10**9))
