"""Zhiku settings.

Embedded defaults need no server (SQLite in WAL mode, local media, a file-system Celery broker);
the scale settings come from environment variables documented in README.md.
"""
import os
from pathlib import Path

import dj_database_url
from celery.schedules import crontab

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ZHIKU_VAR_DIR", BASE_DIR / "var"))


def env_bool(name, default=False):
    return os.environ.get(name, str(default)).lower() in {"1", "true", "yes", "on"}


SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "zhiku-insecure-local-key-change-me")
DEBUG = env_bool("DJANGO_DEBUG", False)
ALLOWED_HOSTS = os.environ.get("DJANGO_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("DJANGO_CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "portal",
    "knowledge",
    "search",
    "structured",
    "faq",
    "qa",
    "selfservice",
    "maps",
    "personal",
    "training",
    "stats",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.table_block",
    "wagtail.contrib.typed_table_block",
    "wagtail.contrib.settings",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    # After wagtail.admin: its ready() connects the workflow e-mails this app replaces.
    "workflows",
    "modelcluster",
    "taggit",
    "django_filters",
    "reversion",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PortalLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Everything on the intranet needs a login; views that must stay open opt out explicitly.
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "knowledge.current_user.CurrentUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
            ],
        },
    },
]

# --- Database: SQLite in WAL mode unless DATABASE_URL says otherwise -------------------------
VAR_DIR.mkdir(parents=True, exist_ok=True)
if os.environ.get("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"], conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": VAR_DIR / "zhiku.sqlite3",
            "OPTIONS": {
                # WAL lets the web server read while the worker writes; IMMEDIATE avoids
                # "database is locked" on lock upgrades between the two processes.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
            # A file, not memory: the test worker thread writes while the test reads.
            "TEST": {"NAME": os.environ.get("ZHIKU_TEST_DB", str(VAR_DIR / "zhiku-test.sqlite3"))},
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"
WAGTAIL_FRONTEND_LOGIN_URL = "/accounts/login/"
WAGTAILADMIN_LOGIN_URL = "/accounts/login/"
WAGTAIL_FRONTEND_LOGIN_TEMPLATE = "registration/login.html"

# --- Language: Chinese first ------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # whitenoise warns on every start without it
STATICFILES_DIRS = [BASE_DIR / "portal" / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_PERMISSIONS = 0o640
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

# --- Wagtail ----------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = "知库 Zhiku"
WAGTAILADMIN_BASE_URL = os.environ.get("WAGTAILADMIN_BASE_URL", "http://127.0.0.1:8000")
WAGTAIL_I18N_ENABLED = False
WAGTAILDOCS_DOCUMENT_MODEL = "knowledge.KnowledgeDocument"
# Documents are always served through Django so collection view restrictions apply.
WAGTAILDOCS_SERVE_METHOD = "serve_view"
WAGTAILDOCS_EXTENSIONS = None  # any office format may be stored (KB-01); extraction decides
WAGTAILDOCS_MAX_UPLOAD_SIZE = int(os.environ.get("ZHIKU_MAX_UPLOAD_MB", "200")) * 1024 * 1024
# Wagtail's database backend with Chinese segmentation (the admin's search boxes).
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "search.wagtail_backend"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAIL_ALLOW_UNICODE_SLUGS = True
WAGTAILEMBEDS_FINDERS = []  # no internet on the intranet
# An approved workflow publishes as its last approver, whom the workflow's own rules chose.
WAGTAIL_FINISH_WORKFLOW_ACTION = "workflows.finish.publish_approved"

# --- Celery: a real worker; the embedded broker is a folder -----------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    _queue_dir = VAR_DIR / "celery" / "queue"
    _processed_dir = VAR_DIR / "celery" / "processed"
    for _d in (_queue_dir, _processed_dir):
        _d.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir),
        "data_folder_out": str(_queue_dir),
        "processed_folder": str(_processed_dir),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
CELERY_BEAT_SCHEDULE = {
    # A message lost with a killed worker would leave a document "pending" for ever.
    "requeue-stalled-extractions": {
        "task": "knowledge.tasks.requeue_stalled_extractions",
        "schedule": 300.0,
    },
    # Questions nobody answered within ZHIKU_QA_ESCALATE_HOURS go to knowledge managers and experts.
    "qa-escalate-unanswered": {
        "task": "qa.tasks.escalate_unanswered",
        "schedule": 3600.0,
    },
    # Training reminders (due soon, overdue); idempotent, so the hour it runs at does not matter.
    "training-send-reminders": {
        "task": "training.tasks.send_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Message centre: e-mail/SMS deliveries a lost worker left behind are sent again (never twice).
    "messages-retry-stalled-deliveries": {
        "task": "portal.tasks.retry_stalled_deliveries",
        "schedule": 600.0,
    },
    # Daily digest of unread notifications for those who chose it.
    "messages-send-digests": {
        "task": "portal.tasks.send_digests",
        "schedule": crontab(hour=7, minute=30),
    },
    # Knowledge past its review date: its owner is told, and after a grace period their head.
    "knowledge-review-reminders": {
        "task": "knowledge.tasks.send_review_reminders",
        "schedule": 3600.0,
    },
    # Knowledge statistics: yesterday's events become the dashboards' aggregates (missed days too).
    "stats-roll-up": {
        "task": "stats.tasks.roll_up",
        "schedule": crontab(hour=0, minute=20),
    },
    # Approvals nobody acted on within ZHIKU_APPROVAL_ESCALATE_HOURS go to the approver's manager.
    "workflows-escalate-approvals": {
        "task": "workflows.tasks.escalate_approvals",
        "schedule": 3600.0,
    },
}

# --- Knowledge statistics ---------------------------------------------------------------------
# The first roll-up goes back at most this far (older items still count in the stock).
ZHIKU_STATS_BACKFILL_DAYS = int(os.environ.get("ZHIKU_STATS_BACKFILL_DAYS", "730"))
# Contribution score: points per thing done (volume) and per reuse of what someone wrote.
ZHIKU_CONTRIBUTION_WEIGHTS = {
    "items": 2, "attachments": 1, "revisions": 1, "answers": 1, "accepted": 3,
    "readers": 1, "favourites": 3, "links": 2, "helpful": 3,
}

# --- Text extraction --------------------------------------------------------------------------
TIKA_SERVER_URL = os.environ.get("TIKA_SERVER_URL", "")
ZHIKU_EXTRACT_MAX_BYTES = int(os.environ.get("ZHIKU_EXTRACT_MAX_MB", "100")) * 1024 * 1024
ZHIKU_EXTRACT_TIMEOUT = float(os.environ.get("ZHIKU_EXTRACT_TIMEOUT", "120"))
ZHIKU_EXTRACT_MAX_CHARS = int(os.environ.get("ZHIKU_EXTRACT_MAX_CHARS", str(5_000_000)))
# Import limits: a zip larger than this once unpacked is refused as a probable zip bomb.
ZHIKU_IMPORT_MAX_UNPACKED_BYTES = int(os.environ.get("ZHIKU_IMPORT_MAX_UNPACKED_MB", "2048")) * 1024 * 1024

ELASTICSEARCH_URL = os.environ.get("ELASTICSEARCH_URL", "")
ELASTICSEARCH_INDEX = os.environ.get("ELASTICSEARCH_INDEX", "zhiku-search")
# The SQLite engine counts, ranks and facets exactly up to this many matches (search/engines/sqlite.py).
ZHIKU_SEARCH_WINDOW = int(os.environ.get("ZHIKU_SEARCH_WINDOW", "3000"))
# Q&A: a question without an answer after this many hours is escalated (0 turns it off).
ZHIKU_QA_ESCALATE_HOURS = float(os.environ.get("ZHIKU_QA_ESCALATE_HOURS", "48"))
# Training: learners are reminded this many days before a path is due (and weekly once overdue).
ZHIKU_TRAINING_REMIND_DAYS = int(os.environ.get("ZHIKU_TRAINING_REMIND_DAYS", "3"))
# Freshness: an item this many days past its review date is escalated to the owner's manager (0: never).
ZHIKU_REVIEW_ESCALATE_DAYS = int(os.environ.get("ZHIKU_REVIEW_ESCALATE_DAYS", "30"))
# An approval step waiting longer than this is escalated to the approver's manager (once per step).
ZHIKU_APPROVAL_ESCALATE_HOURS = float(os.environ.get("ZHIKU_APPROVAL_ESCALATE_HOURS", "48"))

# --- Email (training reminders) ---------------------------------------------------------------
# The embedded portal keeps mails as files in var/mail; set EMAIL_BACKEND to
# django.core.mail.backends.smtp.EmailBackend and EMAIL_HOST... to send them.
EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
EMAIL_FILE_PATH = os.environ.get("EMAIL_FILE_PATH", str(VAR_DIR / "mail"))
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = int(os.environ.get("EMAIL_TIMEOUT", "30"))
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "知库 <zhiku@localhost>")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
    "loggers": {"zhiku": {"level": os.environ.get("LOG_LEVEL", "INFO")}},
}
