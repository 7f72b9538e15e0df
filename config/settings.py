"""Settings for the 创城管理平台, read from the environment.

With nothing set the platform runs on its embedded defaults: SQLite in var/, media in
var/media/, a file cache and a filesystem Celery broker, so a worker and beat run without a
Redis server. DATABASE_URL and REDIS_URL switch to PostgreSQL and Redis.
"""

import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Prefixes of keys that must never run with DEBUG off: Django's own generated placeholder and
# any value copied from documentation.
INSECURE_KEY_PREFIXES = ("django-insecure", "change-me", "changeme", "dev-")

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY is not set. Set SECRET_KEY (or DEBUG=1 for local development)."
        )
    # Local development: one random key kept in var/, shared by the web and worker processes.
    key_file = VAR_DIR / "dev_secret_key"
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    if not key_file.exists():
        key_file.write_text("django-insecure-" + secrets.token_urlsafe(40))
    SECRET_KEY = key_file.read_text().strip()
elif not DEBUG and SECRET_KEY.startswith(INSECURE_KEY_PREFIXES):
    raise ImproperlyConfigured("SECRET_KEY is a default/insecure value; set a real secret.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "simple_history",
    "axes",
    "accounts",
    "evidence",
    "points",
    "issues",
    "ledgers",
    "surveys",
    "rounds",
    "dashboard",
    "jobs",
    "civic",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "accounts.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.ProductNotFoundMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks, so it sees the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
                "evidence.context_processors.photo_settings",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["timeout"] = 20
else:
    # The local server (`make run`, DEBUG) answers each request in a new thread, and a
    # persistent connection of a finished thread is never closed: one leaked connection per
    # request until PostgreSQL refuses more. So it closes them; gunicorn's workers keep theirs.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # PostgreSQL's JIT takes longer compiling our grouped counts than running them
    # (bench/REMARKS.md), so it stays off for the app.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
    # DB_POOL=1: psycopg's connection pool per process (threaded workers, or many short-lived
    # connections). Sync gunicorn workers serve one request at a time and keep their one
    # connection (CONN_MAX_AGE) — measured as fast as the pool (bench/REMARKS.md, load).
    if env.bool("DB_POOL", default=False):
        DATABASES["default"]["CONN_MAX_AGE"] = 0  # Django's pool requires it
        DATABASES["default"]["OPTIONS"]["pool"] = {
            "min_size": env.int("DB_POOL_MIN_SIZE", default=1),
            "max_size": env.int("DB_POOL_MAX_SIZE", default=4),
            "timeout": env.int("DB_POOL_TIMEOUT", default=10),
        }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and broker ---------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
else:
    # A file cache is shared by the web, worker and beat processes of the embedded setup.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

# The ranking API's answer is kept this many seconds per scope, period and weights (the
# Monday-morning burst of every office opening it reads one computation); 0 turns it off.
RANKING_CACHE_SECONDS = env.int("RANKING_CACHE_SECONDS", default=60)
# The first part of the previous period a running one is compared with (较上期) lies in the
# past: its figures are kept this long (dashboard.figures); 0 counts them every time.
RANKING_PART_CACHE_SECONDS = env.int("RANKING_PART_CACHE_SECONDS", default=3600)

# Celery: Redis when REDIS_URL is set, else kombu's filesystem transport in var/broker, which
# needs no server and no extra package and survives restarts (messages are files).
BROKER_DIR = Path(env.str("BROKER_DIR", default=str(VAR_DIR / "broker")))
if REDIS_URL:
    CELERY_BROKER_URL = REDIS_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Longer than the longest task (report generation), so acks_late does not re-run it.
        "visibility_timeout": 3 * 3600,
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    for sub in ("queue", "processed", "control"):
        (BROKER_DIR / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Publishing fails fast when the broker is down; the database stays the source of truth and a
# periodic sweeper re-enqueues what is pending.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0.2, "interval_step": 0.2}

# --- Auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# Shared office PCs: sessions end after 8 hours and when the browser closes.
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: lock a username from one address, so one office behind NAT is not locked out
# together; office admins unlock in the admin (axes access attempts).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=10)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=1.0)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Say it is locked and until when (accounts.lockout); failures while locked do not move the
# unlock time; the address is the one our own proxies saw, as for the throttles.
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_CLIENT_IP_CALLABLE = "accounts.clients.client_address"

# --- Security -------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = False
# Joining the browsers' HSTS preload list is the domain owner's decision (and meaningless on an
# intranet name), so its reminder is silenced; HSTS itself is on.
SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies of our own (nginx, a load balancer) stand in front of the app. 0:
# clients connect directly and REMOTE_ADDR is their address; X-Forwarded-For is ignored, as
# anybody can send it. N > 0: the client is the address the outermost of our N proxies saw,
# the N-th entry from the right of X-Forwarded-For. Used by the public survey form's rate
# limit (the address is only hashed into a cache key, never stored).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Day of the annual assessment ("MM-DD"): ledger material windows end a month before it.
LEDGER_ASSESSMENT_DATE = env.str("LEDGER_ASSESSMENT_DATE", default="12-01")
# The app's address as staff open it ("https://cc.example.gov.cn"): links in exports (photos)
# start with it; empty, they use the address the export was asked for on.
SITE_URL = env.str("SITE_URL", default="")
# Our pages load scripts and styles only from the app; map tiles may come from a configured
# intranet tile server.
MAP_TILE_URL = env.str("MAP_TILE_URL", default="")
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:", "blob:"] + ([MAP_TILE_URL.split("/{")[0]] if MAP_TILE_URL else []),
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    # The phone shrinks photos in a worker the compression library starts from a blob of
    # our own script (static/vendor/browser-image-compression); the service worker is ours.
    "worker-src": [CSP.SELF, "blob:"],
    "frame-ancestors": [CSP.NONE],
    "form-action": [CSP.SELF],
}

# --- I18N -----------------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文")]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -----------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Evidence is never served from a public URL: files go through permission-checked views.
MEDIA_URL = "/media-not-public/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# Media on an S3-compatible object store (MinIO, Ceph, a cloud bucket) when several web and
# worker hosts share it: MEDIA_STORAGE=s3 with AWS_STORAGE_BUCKET_NAME and, for anything but
# AWS itself, AWS_S3_ENDPOINT_URL. The bucket stays private: evidence is never linked by a
# bucket URL, every download is streamed by the app after its permission check
# (evidence.views.serve_file), so no signed URLs are handed out either.
MEDIA_STORAGE = env.str("MEDIA_STORAGE", default="filesystem")
if MEDIA_STORAGE == "s3":
    # Keys, endpoint and region left unset fall back to boto3's own chain (its environment
    # variables, ~/.aws, an instance role).
    optional = {name: env.str(var, default="") for name, var in (
        ("endpoint_url", "AWS_S3_ENDPOINT_URL"), ("region_name", "AWS_S3_REGION_NAME"),
        ("access_key", "AWS_ACCESS_KEY_ID"), ("secret_key", "AWS_SECRET_ACCESS_KEY"))}
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **{name: value for name, value in optional.items() if value},
            "bucket_name": env.str("AWS_STORAGE_BUCKET_NAME"),
            "location": env.str("AWS_LOCATION", default=""),
            "default_acl": "private",
            # Never replace a stored file: a second upload under the same name gets a new one,
            # as on the filesystem.
            "file_overwrite": False,
            "querystring_auth": True,
            "max_memory_size": 8 * 1024 * 1024,
            "signature_version": "s3v4",
            "addressing_style": env.str("AWS_S3_ADDRESSING_STYLE", default="path"),
        },
    }
elif MEDIA_STORAGE != "filesystem":
    raise ImproperlyConfigured("MEDIA_STORAGE must be 'filesystem' or 's3'.")
WHITENOISE_USE_FINDERS = DEBUG
# One evidence file may be at most this large (bytes); the proxy should allow a little more.
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=20 * 1024 * 1024)
# An .xlsx/.docx is a zip: refused before parsing when it would unpack to more than this.
UPLOAD_MAX_UNPACKED_BYTES = env.int("UPLOAD_MAX_UNPACKED_BYTES", default=200 * 1024 * 1024)
# Phones shrink photos to 1920 px / about 1 MB before upload unless the office keeps originals.
PHOTO_KEEP_ORIGINALS = env.bool("PHOTO_KEEP_ORIGINALS", default=False)
DATA_UPLOAD_MAX_NUMBER_FILES = 20

# --- E-mail ---------------------------------------------------------------------------------
# Development prints mail to the console; production sends through SMTP (EMAIL_HOST...).
EMAIL_BACKEND_NAME = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend" if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_NAME}}
if EMAIL_BACKEND_NAME.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env.str("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env.str("EMAIL_HOST_USER", default=""),
        "password": env.str("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": 10,
    }
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="创城管理平台 <noreply@localhost>")
# SMS: the operator's (or the government SMS platform's) HTTP gateway. The worker POSTs
# {"phone", "text"} as JSON, with `Authorization: Bearer <SMS_GATEWAY_TOKEN>` when set. Empty:
# SMS choices are logged as not sent.
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_TOKEN = env.str("SMS_GATEWAY_TOKEN", default="")

# --- API ------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first: an anonymous API call then gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "accounts.scoping.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "accounts.api_errors.ErrorSchema",
    "EXCEPTION_HANDLER": "accounts.api_errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"token": "30/min"},
    # The token throttle counts per client address: X-Forwarded-For is read only as far as
    # our own proxies wrote it, never as the client sent it.
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
}
# A list filter's select left alone filters nothing: its first choice reads 全部.
FILTERS_EMPTY_CHOICE_LABEL = "全部"
# The schema (/api/schema/) and its page (/api/docs/) need a login outside DEBUG unless this
# says otherwise (an integrator's test system).
API_SCHEMA_PUBLIC = env.bool("API_SCHEMA_PUBLIC", default=False)
SPECTACULAR_SETTINGS = {
    "TITLE": "创城管理平台 API",
    "DESCRIPTION": "点位、问题整改、网上申报台账、问卷调查与排名考核的接口。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # Several models name their choices Status/Kind: give each enum its own schema name.
    "ENUM_NAME_OVERRIDES": {
        "IssueStatusEnum": "issues.models.Status",
        "IssueEventKindEnum": "issues.models.IssueEvent.Kind",
        "ExtensionStatusEnum": "issues.models.ExtensionRequest.Status",
        "ReminderKindEnum": "issues.models.Reminder.Kind",
        "IssuePhotoKindEnum": "issues.models.IssuePhoto.Kind",
        "LedgerSubmissionStatusEnum": "ledgers.models.LedgerSubmission.Status",
        "JobStatusEnum": "jobs.models.Job.Status",
        "JobKindEnum": "jobs.models.Job.Kind",
        "PointKindEnum": "points.models.Point.Kind",
        "SurveyStatusEnum": "surveys.models.Survey.Status",
        "QuestionKindEnum": "surveys.models.Question.Kind",
        "ResponseChannelEnum": "surveys.models.Response.Channel",
        "StaffChannelEnum": [("household", "入户调查"), ("intercept", "街头拦访"),
                             ("mock", "模拟调查")],
        "ReportKindEnum": "dashboard.models.Report.Kind",
        "EscalationKindEnum": "dashboard.models.Escalation.Kind",
        "UnitKindEnum": "accounts.models.Unit.Kind",
        "RoundKindEnum": "rounds.models.Round.Kind",
        "RoundScoreStateEnum": "rounds.serializers.SCORE_STATES",
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
