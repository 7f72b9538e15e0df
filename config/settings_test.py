"""Test overrides, kept few: a key, fast hashing, local cache, plain static storage and a
file-backed SQLite test database (so a real worker process can read what a test wrote)."""

import os
import tempfile

os.environ.setdefault("SECRET_KEY", "test-secret-key-for-the-test-suite-only-0123456789")
os.environ.setdefault("STATIC_MANIFEST", "0")
os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="ccms-test-var-"))

from .settings import *  # noqa: E402,F403
from .settings import DATABASES, VAR_DIR  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Tests change the data between two reads of the ranking; the cache has its own tests.
RANKING_CACHE_SECONDS = 0
RANKING_PART_CACHE_SECONDS = 0
SECURE_SSL_REDIRECT = False
MEDIA_ROOT = VAR_DIR / "media"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test.sqlite3")}
# Nothing is collected for tests; an empty folder keeps whitenoise from warning on every request.
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
