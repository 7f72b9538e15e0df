"""gunicorn settings of the production sketch (README): `gunicorn -c config/gunicorn.conf.py
config.wsgi`. Every value can be overridden from the environment.

Worker class and count were chosen with `make bench ONLY=load.` on 2 cores shared with
PostgreSQL and Redis (bench/REMARKS.md, load section): sync workers, 2 per core. The app is
CPU-bound Python between short SQL calls, so threads in one process only add GIL contention;
gthread 2×4 was measured beside it and did not serve more.
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * multiprocessing.cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# The app (settings, models, URLconf, templates' loaders) is imported once in the master and
# shared by the forked workers: a worker answers its first request at full speed and the
# processes share the memory of the imported code. No connection is opened before the fork
# (config/wsgi.py closes any).
preload_app = os.environ.get("GUNICORN_PRELOAD", "1") == "1"
# Uploads of 25 MB on a slow phone link: nginx buffers the body, so the worker sees it whole.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
# A worker is replaced after a few thousand requests, with jitter so they do not all restart
# at once (a slow leak never takes the site down).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
