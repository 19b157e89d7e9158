"""Settings shared by every environment; every per-deploy value comes from the environment.

With nothing set, the portal runs on SQLite and Celery's filesystem transport (no external
broker), so `make run` works on a fresh machine. Set DATABASE_URL / CELERY_BROKER_URL to run on
PostgreSQL and Redis.
"""

from pathlib import Path

import environ
from celery.schedules import crontab
from django.utils.translation import gettext_lazy as _

from civic import celery_routes
from civic.settings.caches import cache_settings

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"  # logs, the filesystem broker's folders, beat state

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
VAR_DIR = Path(env("CIVIC_VAR_DIR", default=str(VAR_DIR)))

SECRET_KEY = env("SECRET_KEY", default="dev-insecure-key-change-me-in-production-0123456789")
# Key of the phone numbers' hashes (caller history). Its own setting, so that rotating
# SECRET_KEY does not orphan every caller's history; changing it needs `manage.py rekey_phones`.
PHONE_KEY_SECRET = env("PHONE_KEY_SECRET", default=SECRET_KEY)
DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])
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
    "django.contrib.syndication",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "csp",
    "civic",
    "cases",
    "whistles",
    "open311",
    "public",
    "routing",
    "assessment",
    "council",
    "themes",
    "knowledge",
    "callers",
    "merging",
    "reply_quality",
    "patrol",
    "dashboard",
    "reports",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Before sessions, so a session saved on the way out counts as a write (read-your-writes).
    "civic.db_router.ReplicaMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "civic.csp.CSPMiddleware",  # django-csp's, the site's policy built once
    # Innermost before axes: sees view exceptions first and answers a lost database with a 503.
    "civic.unavailable.DatabaseUnavailableMiddleware",
    # Axes last: it needs the authenticated user and must see every login attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "civic.urls"
WSGI_APPLICATION = "civic.wsgi.application"
ASGI_APPLICATION = "civic.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "civic.context_processors.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
_SQLITE = DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3"
# PostgreSQL: keep each worker's connection (a new one per request cost a backend start and a
# cold catalogue cache: 10 ms of planning for the case list at 1M); checked before reuse, so a
# restarted server costs one failed request's retry, not an error.
DATABASES["default"].setdefault(
    "CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0 if _SQLITE else 60)
)
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", not _SQLITE)
# The intake statement is prepared on the server once per connection (cases.inserts): half of
# PostgreSQL's time per new case. Turn off behind PgBouncer in transaction mode before 1.21.
INTAKE_PREPARED = env.bool("INTAKE_PREPARED", default=True)
if _SQLITE:
    # WAL + a busy timeout let the web process and the Celery worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
else:
    # No JIT: the planner's cost of a search over a million rows passed its threshold, and
    # compiling took 90 ms of a query that runs in 5 (pages are many small queries, not reports).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("options", "-c jit=off")
# A PostgreSQL streaming standby for the read-only, lag-tolerant pages (civic/db_router.py;
# docs/operations.md, "A streaming replica for reads"). Unset: everything reads the primary.
if env("DATABASE_REPLICA_URL", default=""):
    _replica = env.db("DATABASE_REPLICA_URL")
    DATABASES["replica"] = {
        **_replica,
        "ATOMIC_REQUESTS": False,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": DATABASES["default"]["CONN_HEALTH_CHECKS"],
        # A standby that vanished from the network must not hold a page for minutes.
        "OPTIONS": {
            "connect_timeout": 2,
            **DATABASES["default"].get("OPTIONS", {}),
            **_replica.get("OPTIONS", {}),
        },
        "TEST": {"MIRROR": "default"},  # tests: the same database, as a real standby would be
    }
DATABASE_ROUTERS = ["civic.db_router.ReplicaRouter"]
# Read-your-writes: a browser that wrote reads the primary for this long.
REPLICA_STICKY_SECONDS = env.int("REPLICA_STICKY_SECONDS", default=10)
# Further behind than this (its last replayed transaction's age), the standby is not read.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "civic.User"
AUTHENTICATION_BACKENDS = [
    # Axes first so a locked-out user is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Internationalisation: Chinese first, English available through the switcher.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=str(BASE_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Uploads: photos on complaints. Bigger bodies are refused before they reach a view.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
CASE_ATTACHMENT_MAX_BYTES = env.int("CASE_ATTACHMENT_MAX_BYTES", default=5 * 1024 * 1024)

EMAIL_BACKEND = env("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="civic <noreply@civic.local>")
# SMS goes through a pluggable backend; the default only logs.
SMS_BACKEND = env("SMS_BACKEND", default="civic.notify.sms.LoggingSmsBackend")

# A Redis cache (CACHE_URL=redis://…) goes through django-redis with its errors ignored: a Redis
# that is down is a cache miss, not a 500 (civic/settings/caches.py says what each use does then).
CACHES = {
    "default": cache_settings(
        env.cache("CACHE_URL", default="locmemcache://civic-default"),
        connect_timeout=env.float("CACHE_CONNECT_TIMEOUT", default=0.5),
        timeout=env.float("CACHE_TIMEOUT", default=1.0),
    )
}
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "civic.cache"
# How long a unit's case-list total may be served from the cache (cases.selectors
# .visible_case_count); services invalidate it on every dispatch. 0 counts every request.
CASE_COUNT_CACHE_SECONDS = env.int("CASE_COUNT_CACHE_SECONDS", default=30)

# How many reverse proxies in front of the app append to X-Forwarded-For. 0 (no proxy, or one
# that does not append): the socket's address is the client's and the header is ignored, since
# anyone can write it. civic.client.client_address applies it everywhere an address is taken.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Django REST framework -------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # DRF's three, with JSON nesting bounded (a deep body was a RecursionError, a 500).
    "DEFAULT_PARSER_CLASSES": [
        "civic.api.parsers.DepthLimitedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "civic.api.exception_handler.api_exception_handler",
    # DRF's throttles read X-Forwarded-For when this is unset (civic.throttling takes
    # civic.client.client_address anyway; this keeps any stock DRF throttle in line).
    "NUM_PROXIES": TRUSTED_PROXY_COUNT,
    "DEFAULT_THROTTLE_RATES": {
        "intake": env("THROTTLE_INTAKE", default="30/min"),
        "tracking": env("THROTTLE_TRACKING", default="20/min"),
        "open311": env("THROTTLE_OPEN311", default="60/min"),
        "anon": env("THROTTLE_ANON", default="300/min"),
        "user": env("THROTTLE_USER", default="3000/min"),
    },
}
# Case tracking by number and access code (page and API): lookups a minute per client address
# and, apart, per case number (cases.services.case_track_lookup).
TRACK_LOOKUPS_PER_MINUTE = env.int("TRACK_LOOKUPS_PER_MINUTE", default=10)
SPECTACULAR_SETTINGS = {
    "TITLE": "civic API",
    "DESCRIPTION": "接诉即办 — city complaint handling and neighbourhood governance.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Served from the drf-spectacular-sidecar package: no CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "CaseKindEnum": "cases.models.Kind",
        "UnitKindEnum": "civic.models.Unit.Kind",
        "RegionLevelEnum": "civic.models.Region.Level",
        "CaseStatusEnum": "cases.models.Status",
        "WhistleStatusEnum": "whistles.models.Whistle.Status",
        "MeetingStatusEnum": "council.models.Meeting.Status",
        "ProposalStatusEnum": "council.models.Proposal.Status",
        "ListItemKindEnum": "council.models.ListItem.Kind",
        "ThemeStatusEnum": "themes.models.Theme.Status",
        "SuggestionStatusEnum": "themes.models.ProactiveSuggestion.Status",
        "ArticleStatusEnum": "knowledge.models.ArticleStatus",
    },
}

# --- Celery --------------------------------------------------------------------------
# Default: kombu's filesystem transport, so a worker and beat run in the background with no
# broker installed. Production sets CELERY_BROKER_URL=redis://...
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery" / "queue"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(VAR_DIR / "celery" / "processed"),
        # Broadcast (control) messages too, or kombu writes them into the working directory.
        "control_folder": str(VAR_DIR / "celery" / "control"),
        "store_processed": False,
    }
    # kombu lists the queue folder on every publish and poll and fails if it is missing; the web
    # process publishes too (on_commit), so both sides make sure the folders exist.
    for _folder in ("queue", "processed", "control"):
        (VAR_DIR / "celery" / _folder).mkdir(parents=True, exist_ok=True)
elif CELERY_BROKER_URL.startswith("redis"):
    # Longer than any task can run, so an unacknowledged task is not redelivered while alive.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=None)
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_ENABLE_UTC = True
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Deadlines, notifications, analytics and imports each on their own queue (the module says why).
CELERY_TASK_QUEUES = celery_routes.QUEUES
CELERY_TASK_ROUTES = celery_routes.ROUTES
CELERY_BEAT_SCHEDULER = env("CELERY_BEAT_SCHEDULER", default="celery.beat:PersistentScheduler")
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celery" / "beat-schedule")
CELERY_BEAT_SCHEDULE = {
    "heartbeat": {
        "task": "civic.tasks.heartbeat",
        "schedule": env.float("HEARTBEAT_SECONDS", default=60.0),
    },
    "sweep-deadlines": {
        "task": "cases.tasks.sweep_deadlines",
        "schedule": env.float("SWEEP_INTERVAL_SECONDS", default=60.0),
    },
    # The task kept the name it had in cases/ (schedules stored in the database refer to it).
    "sweep-whistles": {"task": "cases.tasks_whistle.sweep_whistles", "schedule": 60.0},
    # Monthly partitions (PostgreSQL) made months ahead; four times a day so a run that met a
    # busy table (its lock timeout) is retried long before a month begins.
    "create-partitions-ahead": {
        "task": "civic.tasks.create_partitions_ahead",
        "schedule": crontab(hour="*/6", minute=5),
    },
    "suggest-proactive": {
        "task": "themes.tasks.suggest_proactive",
        "schedule": crontab(hour=3, minute=0, day_of_month="1"),
    },
    "link-theme-cases": {
        "task": "themes.tasks.link_theme_cases",
        "schedule": crontab(hour=3, minute=30),
    },
    "warm-hot-topics": {
        "task": "themes.tasks.warm_hot_topics",
        "schedule": crontab(minute=15),
    },
    "assess-previous-month": {
        "task": "assessment.tasks.assess_previous_month",
        "schedule": crontab(hour=2, minute=0, day_of_month="1"),
    },
    # Monthly retraining of the dispatch router on the base data + last months' dispatched
    # cases; the new model is promoted only if it is not worse (routing/registry.py).
    "retrain-router": {
        "task": "routing.tasks.retrain_router",
        "schedule": crontab(hour=4, minute=0, day_of_month="1"),
    },
    # 知识库: owners told before and when an article's review date passes; expired ones retired.
    "knowledge-review-reminders": {
        "task": "knowledge.tasks.remind_reviews",
        "schedule": crontab(hour=7, minute=10),
    },
    "knowledge-retire-expired": {
        "task": "knowledge.tasks.retire_expired",
        "schedule": crontab(hour=0, minute=10),
    },
    # Off the request path: the knowledge statistics' monthly counts and 并案's duplicate queue.
    "knowledge-count-on-spot": {"task": "knowledge.tasks.count_on_spot", "schedule": 600.0},
    "merging-duplicate-groups": {"task": "merging.tasks.find_duplicate_groups", "schedule": 300.0},
    # 数据驾驶舱: yesterday's and today's roll-ups rebuilt and the open cases recounted (catches
    # bulk imports, which send no case events); hot topics computed off the request path.
    "dashboard-refresh": {"task": "dashboard.refresh", "schedule": 300.0},
    "dashboard-hot-topics": {"task": "dashboard.hot_topics", "schedule": 1800.0},
    # The public map's counts per area (public.AreaCount), from the public rule.
    "public-area-counts": {"task": "public.refresh_area_counts", "schedule": 300.0},
    # Daily; it works on the first working day of a month only (after the assessment run).
    "monthly-reports": {
        "task": "reports.tasks.generate_monthly_reports",
        "schedule": crontab(hour=7, minute=0),
    },
}

# --- Security ------------------------------------------------------------------------
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
# The address the rate limits use (never a client-written X-Forwarded-For), and the API's
# JSON error shape for API clients (the template above for pages).
AXES_CLIENT_IP_CALLABLE = "civic.client.client_address"
AXES_LOCKOUT_CALLABLE = "civic.lockout.lockout_response"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", *env.list("CSP_IMG_EXTRA", default=[])],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
    }
}
SESSION_COOKIE_HTTPONLY = True
# Sessions are read from the cache on every request (written through to the database, so a
# cleared cache logs nobody out): one query fewer per page and API call.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# --- Domain defaults (every number is configurable; policies in the admin carry effective dates)
WHISTLE_REPORT_MINUTES = env.int("WHISTLE_REPORT_MINUTES", default=30)
DEADLINE_WARNING_RATIO = env.float("DEADLINE_WARNING_RATIO", default=0.75)
MAP_TILE_URL = env("MAP_TILE_URL", default="")
if MAP_TILE_URL:
    # Map tiles are images from the configured tile server: allow exactly that origin.
    from urllib.parse import urlsplit as _urlsplit

    _tiles = _urlsplit(MAP_TILE_URL.replace("{s}", "a"))
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"].append(
        f"{_tiles.scheme}://{_tiles.netloc.replace('a.', '*.', 1) if '{s}' in MAP_TILE_URL else _tiles.netloc}"
    )
SITE_URL = env("SITE_URL", default="http://127.0.0.1:8000")
HOTLINE_NAME = _("12345 Citizen Service Hotline")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "jieba": {"level": "WARNING"},
        # WeasyPrint logs each rendering step at INFO; fontTools each font subset.
        "weasyprint": {"level": "WARNING"},
        "fontTools": {"level": "WARNING"},
    },
}

# SQLite cannot enforce NULLS NOT DISTINCT; PostgreSQL (production, CI) does.
SILENCED_SYSTEM_CHECKS = ["models.W047"]
OPEN311_JURISDICTION_ID = env("OPEN311_JURISDICTION_ID", default="civic.local")
OPEN311_CONTACT = env("OPEN311_CONTACT", default="12345 hotline centre <open311@civic.local>")

# --- Import (docs/import.md) --------------------------------------------------------------------
# Check an import batch's foreign keys once per batch instead of by PostgreSQL's per-row
# triggers (needs a role that may set session_replication_role; falls back when it may not).
IMPORT_CHECK_KEYS_PER_BATCH = env.bool("IMPORT_CHECK_KEYS_PER_BATCH", default=True)

# --- Dispatch router (精准派单, docs/router.md) ------------------------------------------------
# The current model artefact; `train_router` writes router-<version>.joblib next to it too.
ROUTER_MODEL_PATH = env.path("ROUTER_MODEL_PATH", default=str(VAR_DIR / "router" / "router.joblib"))
# Below this calibrated confidence the dispatcher decides alone.
ROUTER_CONFIDENCE_THRESHOLD = env.float("ROUTER_CONFIDENCE_THRESHOLD", default=0.57)
# The labelled texts every model learns from (docs/router.md, data/README.md).
ROUTER_TRAINING_FILES = env.list(
    "ROUTER_TRAINING_FILES",
    default=[
        str(BASE_DIR / "data" / "complaints_train.csv"),
        str(BASE_DIR / "data" / "complaints_labelled.csv"),
    ],
)
# Train from ROUTER_TRAINING_FILES at first use when no artefact exists.
ROUTER_TRAIN_ON_DEMAND = env.bool("ROUTER_TRAIN_ON_DEMAND", default=True)
# How often a process looks whether another one activated a new model (promotion, rollback).
ROUTER_RELOAD_SECONDS = env.float("ROUTER_RELOAD_SECONDS", default=30.0)
# The monthly retraining adds cases dispatched in this many months, at most this many.
ROUTER_RETRAIN_CASE_MONTHS = env.int("ROUTER_RETRAIN_CASE_MONTHS", default=12)
ROUTER_RETRAIN_MAX_CASES = env.int("ROUTER_RETRAIN_MAX_CASES", default=50000)

# --- Proactive governance (未诉先办, docs/themes.md) ---------------------------------------------
# Seasonal history: the same calendar month of this many previous years.
PROACTIVE_YEARS = env.int("PROACTIVE_YEARS", default=3)
# A (category, street) is seasonal when its average in that month reaches this.
PROACTIVE_MIN_SEASONAL = env.float("PROACTIVE_MIN_SEASONAL", default=2.0)
# ... or trending when the last 30 days have at least this many cases, growing by this factor.
PROACTIVE_MIN_RECENT = env.int("PROACTIVE_MIN_RECENT", default=3)
PROACTIVE_MIN_GROWTH = env.float("PROACTIVE_MIN_GROWTH", default=1.5)
PROACTIVE_MAX_PER_MONTH = env.int("PROACTIVE_MAX_PER_MONTH", default=20)
