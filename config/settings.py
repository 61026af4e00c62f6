"""Kindness Hub settings: one module, read from the environment.

Every setting has an embedded default that works on a laptop (SQLite, local media,
kombu's filesystem broker, a local-memory cache, a file outbox). Integrations switch on
by the presence of their variable: DATABASE_URL, REDIS_URL (or REDIS_BROKER_URL and
REDIS_CACHE_URL apart), EMAIL_URL.
Secrets are required in production (DJANGO_DEBUG=0): start-up stops with a message.
Without DJANGO_DEBUG it runs the safe local mode (see DEBUG below).
"""

import os
from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from challenge import jobs as challenge_jobs
from core import files
from core.keys import file_secret
from stories import jobs as stories_jobs
from videos import jobs as video_jobs

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

# DJANGO_DEBUG has three values. Unset: the embedded local mode of `make run` (and the
# tests): DEBUG off, a secret key made on first start and kept in DATA_DIR, loopback
# hosts, plain http. "1": development, with Django's debug pages. "0": production,
# which refuses to start without SECRET_KEY and ALLOWED_HOSTS and turns HTTPS on.
DEBUG = env.bool("DJANGO_DEBUG", default=False)
PRODUCTION = env.str("DJANGO_DEBUG", default="") != "" and not DEBUG

DATA_DIR = Path(env.str("DATA_DIR", default=str(BASE_DIR / "var"))).resolve()
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
SITE_NAME = env.str("SITE_NAME", default="Kindness Hub")
# Who runs the site and how to reach them: shown on the rules page, the guardian's
# pages and at the foot of every challenge mail. The defaults are demo values; a real
# deployment sets its own.
SITE_OPERATOR_NAME = env.str("SITE_OPERATOR_NAME", default="Kindness Hub demo operator")
SITE_OPERATOR_ADDRESS = env.str(
    "SITE_OPERATOR_ADDRESS", default="1 Demo Street, 00000 Example City (demo address)"
)
SITE_CONTACT_EMAIL = env.str(
    "SITE_CONTACT_EMAIL", default="contact@kindnesshub.example"
)
SITE_PRIVACY_EMAIL = env.str(
    "SITE_PRIVACY_EMAIL", default="privacy@kindnesshub.example"
)
# The data controller under the GDPR, on the who-runs-this page (Impressum): usually
# the operator itself, so it defaults to the operator's (demo) name.
SITE_DATA_CONTROLLER = env.str("SITE_DATA_CONTROLLER", default=SITE_OPERATOR_NAME)


SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if PRODUCTION:
        raise ImproperlyConfigured(
            "SECRET_KEY is required when DJANGO_DEBUG is off. Set it to a long random "
            "string, e.g. the output of: python -c 'import secrets; "
            "print(secrets.token_urlsafe(50))'"
        )
    SECRET_KEY = file_secret(DATA_DIR / "secret-key.txt", nbytes=50)

_SITE_HOST = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS",
    # Django's test runner adds "testserver" itself, and only under tests.
    default=sorted({"127.0.0.1", "localhost", "[::1]", _SITE_HOST}),
)
if PRODUCTION and not env.list("ALLOWED_HOSTS", default=[]):
    raise ImproperlyConfigured(
        "ALLOWED_HOSTS is required when DJANGO_DEBUG is off, "
        "e.g. ALLOWED_HOSTS=kindness.example.org"
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Public media (creators' avatars) served by Django itself: only for the local mode
# and development; a real deployment serves MEDIA_ROOT from the web server.
SERVE_PUBLIC_MEDIA = not PRODUCTION

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "csp",
    "core",
    "campaign",
    "videos",
    "stories",
    "challenge",
]

MIDDLEWARE = [
    "core.observability.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "campaign.middleware.VisitorCountryVaryMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "csp.middleware.CSPMiddleware",
    "core.middleware.SecurityHeadersMiddleware",
    "core.middleware.PersonalPagesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

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
                "campaign.context_processors.site",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url(
        "DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'kindness.sqlite3'}"
    )
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
# A kept connection is checked before a request uses it: one the server dropped
# (a restart, pg_terminate_backend) is replaced instead of failing that request.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # A database that does not answer (stopped, or its network dropping packets)
    # fails a request within this many seconds instead of holding a web process.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5)
    )
# While the database is away (core/outage.py): the 503 page's Retry-After; how long
# after a failure a public page is served from its kept copy without trying the
# database first; how long a copy is kept, and how often it is renewed.
DATABASE_RETRY_AFTER_SECONDS = env.int("DATABASE_RETRY_AFTER_SECONDS", default=120)
DATABASE_DOWN_HOLD_SECONDS = env.float("DATABASE_DOWN_HOLD_SECONDS", default=2.0)
OUTAGE_COPY_SECONDS = env.int("OUTAGE_COPY_SECONDS", default=24 * 3600)
OUTAGE_COPY_REFRESH_SECONDS = env.int("OUTAGE_COPY_REFRESH_SECONDS", default=60)
# A Celery task that meets the database away waits this long for it, then fails
# (config/celery.py): less than the broker's visibility timeout.
DATABASE_WAIT_SECONDS = env.int("DATABASE_WAIT_SECONDS", default=300)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes.
    # A file, not memory, so a Celery worker started by the integration tests sees
    # the same test database as the test process.
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# Redis has two roles, and production gives each a server of its own (docs/deploy.md):
# the Celery broker (AOF persistence, never evicts: a queued task is data) and the
# cache (evicts the least recently used keys at its maxmemory). Each defaults to
# REDIS_URL, so one Redis still does both.
REDIS_BROKER_URL = env.str("REDIS_BROKER_URL", default=REDIS_URL)
REDIS_CACHE_URL = env.str("REDIS_CACHE_URL", default=REDIS_URL)
CACHE_TIMEOUT_SECONDS = env.float("CACHE_TIMEOUT_SECONDS", default=1.0)
if REDIS_CACHE_URL:
    CACHES = {
        "default": {
            # Django's RedisCache, one redis-py client per pool (core/cache.py).
            "BACKEND": "core.cache.RedisCache",
            "LOCATION": REDIS_CACHE_URL,
            "KEY_PREFIX": env.str("CACHE_KEY_PREFIX", default="kh"),
            # Redis is on the local network: a second is long. While it cannot be
            # reached, pages render uncached (core/cache.py).
            "OPTIONS": {
                "socket_connect_timeout": CACHE_TIMEOUT_SECONDS,
                "socket_timeout": CACHE_TIMEOUT_SECONDS,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "kindness-hub",
        }
    }

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

# Languages -----------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", _("English")),
    ("it", _("Italian")),
    ("fr", _("French")),
    ("de", _("German")),
]
MODELTRANSLATION_DEFAULT_LANGUAGE = "en"
MODELTRANSLATION_FALLBACK_LANGUAGES = ("en",)
# The admin's language tabs need jQuery UI: served from static/vendor, not a CDN.
JQUERY_UI_URL = "vendor/jquery-ui-1.13.3/jquery-ui.min.js"
LOCALE_PATHS = [BASE_DIR / "locale"]
# Date formats where Django's own do not read naturally (config/formats/<lang>/).
FORMAT_MODULE_PATH = ["config.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

# Static and media ------------------------------------------------------------
STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
# Production serves the collected, fingerprinted files; the local mode serves them
# straight from the source folders (no collectstatic needed for `make run`).
WHITENOISE_USE_FINDERS = not PRODUCTION
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
# Uploads and every video file live here, never under a public URL: they are served
# only through views that check who may see them (see docs/decisions.md).
PRIVATE_MEDIA_ROOT = DATA_DIR / "private"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(PRIVATE_MEDIA_ROOT), "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
# S3-compatible object storage (django-storages), switched on by the bucket names.
# Private bucket: every video file (uploads, processed videos, posters); the checked
# media view answers with a short-lived signed URL after its permission check.
# Public bucket: staff-uploaded public media (avatars) behind an optional CDN domain.
S3_ENDPOINT_URL = env.str("S3_ENDPOINT_URL", default="") or None
S3_REGION = env.str("S3_REGION", default="us-east-1")
S3_ACCESS_KEY_ID = env.str("S3_ACCESS_KEY_ID", default="")
S3_SECRET_ACCESS_KEY = env.str("S3_SECRET_ACCESS_KEY", default="")
S3_PUBLIC_BUCKET = env.str("S3_PUBLIC_BUCKET", default="")
S3_PRIVATE_BUCKET = env.str("S3_PRIVATE_BUCKET", default="")
S3_PUBLIC_DOMAIN = env.str("S3_PUBLIC_DOMAIN", default="") or None
S3_SIGNED_URL_SECONDS = env.int("S3_SIGNED_URL_SECONDS", default=300)
_s3_common = {
    "endpoint_url": S3_ENDPOINT_URL,
    "region_name": S3_REGION,
    "access_key": S3_ACCESS_KEY_ID or None,
    "secret_key": S3_SECRET_ACCESS_KEY or None,
    "file_overwrite": True,
    "addressing_style": "path" if S3_ENDPOINT_URL else None,
}
if S3_PUBLIC_BUCKET or S3_PRIVATE_BUCKET:
    from botocore.config import Config as _BotoConfig

    # botocore's defaults wait 60 s for a connection and a read: a storage server
    # that stopped answering would hold a web process that long. Transient errors
    # (throttling, 5xx, a dropped connection) are retried with backoff. A client
    # config replaces django-storages' own, so the addressing style goes here too.
    _s3_common["client_config"] = _BotoConfig(
        s3={"addressing_style": _s3_common["addressing_style"]},
        connect_timeout=env.float("S3_CONNECT_TIMEOUT_SECONDS", default=3.0),
        read_timeout=env.float("S3_READ_TIMEOUT_SECONDS", default=20.0),
        retries={"max_attempts": 4, "mode": "standard"},
    )
if S3_PUBLIC_BUCKET:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3_common,
            "bucket_name": S3_PUBLIC_BUCKET,
            "querystring_auth": False,
            "custom_domain": S3_PUBLIC_DOMAIN,
            "object_parameters": {"CacheControl": "public, max-age=604800"},
        },
    }
if S3_PRIVATE_BUCKET:
    STORAGES["private"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_s3_common,
            "bucket_name": S3_PRIVATE_BUCKET,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": S3_SIGNED_URL_SECONDS,
        },
    }
# How a checked media view hands the file to the front server in production:
# "" (Django streams it), "nginx" (X-Accel-Redirect) or "sendfile" (X-Sendfile).
MEDIA_OFFLOAD = env.str("MEDIA_OFFLOAD", default="")
# Public videos and posters: browsers and proxies keep them this long, then ask again
# (a hidden entry disappears from caches within this time).
PUBLIC_MEDIA_MAX_AGE = env.int("PUBLIC_MEDIA_MAX_AGE", default=60)
MEDIA_OFFLOAD_PREFIX = env.str("MEDIA_OFFLOAD_PREFIX", default="/protected/")
FILE_UPLOAD_TEMP_DIR = str(DATA_DIR / "tmp")
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# Video pipeline ----------------------------------------------------------------
VIDEO_MAX_UPLOAD_BYTES = env.int("VIDEO_MAX_UPLOAD_BYTES", default=250 * 1024 * 1024)
VIDEO_MAX_DURATION_SECONDS = env.int("VIDEO_MAX_DURATION_SECONDS", default=180)
VIDEO_MAX_DIMENSION = env.int("VIDEO_MAX_DIMENSION", default=4096)
# Pixels per frame (width x height): 4096 x 2160 (DCI 4K) by default.
VIDEO_MAX_PIXELS = env.int("VIDEO_MAX_PIXELS", default=4096 * 2160)
VIDEO_OUTPUT_MAX_HEIGHT = env.int("VIDEO_OUTPUT_MAX_HEIGHT", default=720)
# Address-space ceiling of the child process that probes and transcodes one video.
VIDEO_WORKER_MEMORY_MB = env.int("VIDEO_WORKER_MEMORY_MB", default=1024)
VIDEO_X264_PRESET = env.str("VIDEO_X264_PRESET", default="veryfast")
VIDEO_X264_CRF = env.int("VIDEO_X264_CRF", default=23)
# The HLS ladder: the short side of each rung below VIDEO_OUTPUT_MAX_HEIGHT (the top
# rung, the MP4's size); rungs above the source are skipped, never upscaled.
VIDEO_HLS_RUNGS = env.list("VIDEO_HLS_RUNGS", cast=int, default=[240, 480])
VIDEO_HLS_SEGMENT_SECONDS = env.float("VIDEO_HLS_SEGMENT_SECONDS", default=2.0)
VIDEO_MAX_ATTEMPTS = env.int("VIDEO_MAX_ATTEMPTS", default=3)
VIDEO_SOFT_TIME_LIMIT = env.int("VIDEO_SOFT_TIME_LIMIT", default=15 * 60)
VIDEO_HARD_TIME_LIMIT = env.int("VIDEO_HARD_TIME_LIMIT", default=16 * 60)
VIDEO_STUCK_AFTER_SECONDS = env.int("VIDEO_STUCK_AFTER_SECONDS", default=20 * 60)
# The orphan sweep (videos.services.video_orphans_sweep) deletes files in the private
# storage that no row keeps once they are this old: longer than storing the largest
# upload takes (it is stored before its row commits) and than a transcode may run.
VIDEO_ORPHAN_AFTER_SECONDS = env.int("VIDEO_ORPHAN_AFTER_SECONDS", default=3600)
VIDEO_ORPHAN_SWEEP_EVERY_SECONDS = env.int(
    "VIDEO_ORPHAN_SWEEP_EVERY_SECONDS", default=3600
)

# Celery -----------------------------------------------------------------------
BROKER_DIR = DATA_DIR / "broker"
if REDIS_BROKER_URL:
    CELERY_BROKER_URL = REDIS_BROKER_URL
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        # Must exceed the hard time limit, or Redis hands a running task to another
        # worker (acks_late keeps the message unacknowledged until the task ends).
        "visibility_timeout": VIDEO_HARD_TIME_LIMIT + 600,
    }
else:
    CELERY_BROKER_URL = "filesystem://"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(BROKER_DIR / "queue"),
        "data_folder_out": str(BROKER_DIR / "queue"),
        "processed_folder": str(BROKER_DIR / "processed"),
        "control_folder": str(BROKER_DIR / "control"),
        "store_processed": False,
    }
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
# Celery 5.7.0's worker exits when Redis restarts while it holds unacknowledged
# messages; this consumer keeps it running (config/celery.py says why).
CELERY_WORKER_CONSUMER = "config.celery:Consumer"
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# Slow, CPU-bound transcodes and fast notices run on separate queues, so a burst of
# uploads never delays an email. Run one transcode worker process per core:
#   celery -A config worker -Q transcode --concurrency $(nproc)
#   celery -A config worker -Q notices,celery --concurrency 4
# `make run` and the tests start one worker that consumes all three.
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_ALL_QUEUES = "celery,transcode,notices"
# Video pipeline: time limits for the transcode task (they need the prefork pool;
# video_process also checks the soft limit itself between frames) and the sweep that
# re-queues stalled videos and clears abandoned temp files.
# (CELERY_TASK_ROUTES, CELERY_TASK_ANNOTATIONS and CELERY_BEAT_SCHEDULE are built at
# the end of this file from the apps' task names.)
VIDEO_SWEEP_EVERY_SECONDS = env.int("VIDEO_SWEEP_EVERY_SECONDS", default=300)

# Stories ----------------------------------------------------------------------
# Story plays are counted in the shared cache and flushed to the database by beat
# (see docs/decisions.md); without Redis each play is written to its row directly.
STORY_VIEWS_BUFFERED = env.bool("STORY_VIEWS_BUFFERED", default=bool(REDIS_CACHE_URL))
STORY_VIEWS_FLUSH_SECONDS = env.int("STORY_VIEWS_FLUSH_SECONDS", default=300)
# How often the series teaser is checked against the published episodes (an episode
# published by the clock, a video that finished); it is re-made only on a change.
STORY_TEASER_CHECK_SECONDS = env.int("STORY_TEASER_CHECK_SECONDS", default=300)

# Mail -------------------------------------------------------------------------
EMAIL_OUTBOX_DIR = DATA_DIR / "outbox"
EMAIL_URL = env.str("EMAIL_URL", default="")
EMAIL_FILE_PATH = ""
if EMAIL_URL:
    vars().update(env.email_url("EMAIL_URL"))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(EMAIL_OUTBOX_DIR)
DEFAULT_FROM_EMAIL = env.str(
    "DEFAULT_FROM_EMAIL", default="Kindness Hub <no-reply@kindnesshub.example>"
)
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Accounts (django-allauth) ------------------------------------------------------
SITE_ID = 1
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Kindness Hub] "
# After signup: "complete your profile" before the first upload.
ACCOUNT_ADAPTER = "challenge.adapter.AccountAdapter"
ACCOUNT_DEFAULT_HTTP_PROTOCOL = urlsplit(SITE_URL).scheme or "https"
# Failed logins pause signing in (10 a minute per address, 5 in 5 minutes per
# account): a paused login page offers the password reset by e-mail, which clears the
# account's count and signs the owner in (README, "Sign-in limits").
ACCOUNT_FORMS = {"login": "core.accounts.LoginForm"}
ACCOUNT_LOGIN_ON_PASSWORD_RESET = True
# A mail tells the owner when the password or an address of the account changes.
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    # Our own actions, limited by the same machinery (campaign/ratelimit.py).
    # The admin log-in counts failures only (core.ratelimit.login_failures_limited):
    # per account and address together, per account, and per address (a high bar, so
    # an office of moderators behind one address is never shut out by typos).
    "admin_login_failed": env.str("RATE_LIMIT_ADMIN_LOGIN_FAILED", default="5/5m/key"),
    "admin_login_failed_account": env.str(
        "RATE_LIMIT_ADMIN_LOGIN_FAILED_ACCOUNT", default="20/h/key"
    ),
    "admin_login_failed_address": env.str(
        "RATE_LIMIT_ADMIN_LOGIN_FAILED_ADDRESS", default="100/h/key"
    ),
    "upload": env.str("RATE_LIMIT_UPLOAD", default="10/h/user"),
    # Asking for a TikTok code or sending a TikTok link (each one asks TikTok).
    "tiktok_add": env.str("RATE_LIMIT_TIKTOK_ADD", default="20/h/user"),
    # Starting a resumable upload (the form sent at its end counts as "upload").
    "upload_start": env.str("RATE_LIMIT_UPLOAD_START", default="30/h/user"),
    "heart": env.str("RATE_LIMIT_HEART", default="60/m/user"),
    "report": env.str("RATE_LIMIT_REPORT", default="10/m/ip,30/h/ip"),
    "note": env.str("RATE_LIMIT_NOTE", default="5/m/user,30/h/user"),
    # The upload page's live caption check (the kindness nudge before the upload).
    "caption_check": env.str("RATE_LIMIT_CAPTION_CHECK", default="30/m/user"),
    # Every mail to a parent or guardian on a participant's behalf (entries' consent
    # mails and resends, notes' requests and resends), per participant whatever the
    # address: nobody can use the site to flood a stranger's inbox.
    "guardian_mail": env.str("RATE_LIMIT_GUARDIAN_MAIL", default="4/h/key,10/d/key"),
    # The "send the e-mail again" button; allauth's "confirm_email" limits each address.
    "resend_confirmation": env.str("RATE_LIMIT_RESEND_CONFIRMATION", default="5/m/ip"),
}
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Security ---------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
# Origins allowed to embed the gallery widget (/<lang>/gallery/embed/).
EMBED_FRAME_ANCESTORS = env.list("EMBED_FRAME_ANCESTORS", default=[])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        # blob: plays the clip chosen or recorded on the upload page before it is
        # sent (URL.createObjectURL), and is the MediaSource URL hls.js gives the
        # <video> in browsers without native HLS (its worker is off, so worker-src
        # stays at the default).
        "media-src": ["'self'", "blob:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        # TikTok's Embed Player, the one thing of TikTok's a page may load, and only
        # after the visitor presses play (static/js/tiktok.js); no script of theirs.
        "frame-src": ["'self'", "https://www.tiktok.com"],
    }
}

# Moderation and gallery -------------------------------------------------------
# Open reports that hide an approved entry at once, until a moderator decides. Only
# reports from accounts with a verified e-mail count, an account younger than
# MODERATION_NEW_ACCOUNT_DAYS for a half: anonymous reports reach the moderators but
# never hide anything (see docs/decisions.md, "Reports and limits").
MODERATION_HIDE_AT_REPORTS = env.int("MODERATION_HIDE_AT_REPORTS", default=3)
MODERATION_NEW_ACCOUNT_DAYS = env.int("MODERATION_NEW_ACCOUNT_DAYS", default=7)
# This many open reports (anonymous ones too) on one entry within this many minutes is
# a burst: flagged in the admin, and one e-mail to MODERATION_ALERT_EMAILS and the
# active members of the Moderators group.
MODERATION_BURST_REPORTS = env.int("MODERATION_BURST_REPORTS", default=5)
MODERATION_BURST_MINUTES = env.int("MODERATION_BURST_MINUTES", default=10)
# On notes, where reports record the reporter's network (a keyed hash): this many
# reports within the window from new or unverified accounts on one network are a
# burst too, before they reach NOTES_HOLD_AT_REPORTS and hold the note.
MODERATION_BURST_ONE_NETWORK = env.int("MODERATION_BURST_ONE_NETWORK", default=3)
MODERATION_ALERT_EMAILS = env.list("MODERATION_ALERT_EMAILS", default=[])
# The review desk (admin/challenge/entry/desk/): opening an entry claims it for this
# many seconds (other moderators are given the next one); a decision can be undone for
# this many seconds, and the participant's notice is sent only once that window is
# over; a minor's entry goes to the front of the queue once it has waited half of
# MODERATION_MINOR_MAX_WAIT_MINUTES, so it is decided within it.
MODERATION_CLAIM_SECONDS = env.int("MODERATION_CLAIM_SECONDS", default=300)
MODERATION_UNDO_SECONDS = env.int("MODERATION_UNDO_SECONDS", default=20)
MODERATION_MINOR_MAX_WAIT_MINUTES = env.int(
    "MODERATION_MINOR_MAX_WAIT_MINUTES", default=60
)
GALLERY_PAGE_SIZE = env.int("GALLERY_PAGE_SIZE", default=24)
# Cached gallery pages also expire on their own (entries withdrawn elsewhere).
GALLERY_CACHE_SECONDS = env.int("GALLERY_CACHE_SECONDS", default=300)
# A trivial view at /bench/ping, the ceiling bench/gallery.py compares against.
BENCH_PING = env.bool("BENCH_PING", default=False)

# Campaign ---------------------------------------------------------------------
BANNER_COOKIE_NAME = "kh_banner_dismissed"
# A bearer token for GET /metrics (staff can always read it).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
# Each app's Prometheus samples (core.metrics reads them; core imports no app).
METRICS_COLLECTORS = [
    "videos.metrics.video_samples",
    "challenge.selectors.dashboard.entry_state_samples",
]
# `manage.py demo_content` runs these in order: the campaign first, then what hangs
# off it.
DEMO_LOADERS = [
    "campaign.demo.load_campaign",
    "stories.demo.load_stories",
    "challenge.demo.load_challenge",
]
DEMO_ADMIN_PASSWORD = env.str("DEMO_ADMIN_PASSWORD", default="")
# A review copy first (docs/decisions.md): participants' uploads are made as the
# lower rungs, the poster and an MP4 of the highest of them, handed to review at
# once, and the top rung is made only on approval. On since bench/transcode.py's 60 s
# figures met issue 34's goals (docs/performance.md); the tests run it both ways.
VIDEO_REVIEW_COPY_FIRST = env.bool("VIDEO_REVIEW_COPY_FIRST", default=True)
# The deletion journal (core.journal): every account, entry and video deleted, by id,
# appended here on commit so that `manage.py deletions_replay --since <backup time>`
# deletes again what a restore from an older backup brought back. Keep it off the
# database's disk and copy it off the machine as often as the WAL (docs/deploy.md);
# kept longer than the oldest backup. Each app replays its own kind.
DELETION_JOURNAL_DIR = Path(
    env.str("DELETION_JOURNAL_DIR", default=str(DATA_DIR / "deletions"))
)
DELETION_JOURNAL_DAYS = env.int("DELETION_JOURNAL_DAYS", default=40)
# Share cards (core/cards.py): the provider of each kind of card, by name, called
# with the key in the card's URL; None when the page has no public card.
SHARE_CARDS = {
    "page": "config.cards.page_card",
    "episode": "stories.cards.episode_card",
    "entry": "challenge.cards.entry_card",
}
DELETION_REPLAYERS = {
    "account": "challenge.services.privacy.account_delete_replay",
    "entry": "challenge.services.erasure.entry_erase_replay",
    "video": "videos.services.video_delete_replay",
}

# Retention (see the README's retention table); swept daily by beat.
RETENTION_REJECTED_DAYS = env.int("RETENTION_REJECTED_DAYS", default=30)
RETENTION_FAILED_DAYS = env.int("RETENTION_FAILED_DAYS", default=30)
RETENTION_CONSENT_DAYS = env.int("RETENTION_CONSENT_DAYS", default=365)
# After an under-13 refusal, the same browser and the same mailbox cannot try again
# with another birth year for this long (a signed cookie, a keyed hash of the mailbox).
AGE_GATE_MEMORY_DAYS = env.int("AGE_GATE_MEMORY_DAYS", default=30)

# Challenge --------------------------------------------------------------------
# Entries a participant may send in any 24 hours (withdrawn ones count too).
CHALLENGE_DAILY_ENTRY_LIMIT = env.int("CHALLENGE_DAILY_ENTRY_LIMIT", default=5)
CHALLENGE_CAPTION_MAX = env.int("CHALLENGE_CAPTION_MAX", default=300)
# How long a guardian's confirmation link stays valid, and how often it can be re-sent.
GUARDIAN_LINK_MAX_AGE_DAYS = env.int("GUARDIAN_LINK_MAX_AGE_DAYS", default=7)
GUARDIAN_RESEND_MINUTES = env.int("GUARDIAN_RESEND_MINUTES", default=10)
# An entry still waiting for a guardian's answer after this is withdrawn and its video
# deleted by the retention sweep (reason "guardian_no_answer").
GUARDIAN_WAIT_DAYS = env.int("GUARDIAN_WAIT_DAYS", default=14)
# A guardian's "yes" this soon after the mail was sent is flagged for the moderators
# (and cannot be approved in bulk): few parents read a mail within the minute.
GUARDIAN_QUICK_ANSWER_SECONDS = env.int("GUARDIAN_QUICK_ANSWER_SECONDS", default=60)
# "E-mail plus": this long after a "yes", a second mail tells the guardian what they
# agreed to, with the withdraw link (sent by the notices sweep).
GUARDIAN_FOLLOW_UP_HOURS = env.int("GUARDIAN_FOLLOW_UP_HOURS", default=24)
# A video held by an unanswered "think before you post" prompt is deleted after this.
CHALLENGE_NUDGE_HOLD_HOURS = env.int("CHALLENGE_NUDGE_HOLD_HOURS", default=24)
# Resumable (tus) uploads: pieces are assembled here (private, never served), an
# unfinished or unused upload is deleted this many hours after its last piece, and a
# participant keeps at most this many at once (the oldest go first). The browser
# sends pieces of RESUMABLE_UPLOAD_CHUNK_BYTES (each one confirmed by the server).
RESUMABLE_UPLOAD_DIR = Path(
    env.str("RESUMABLE_UPLOAD_DIR", default=str(DATA_DIR / "uploads"))
)
RESUMABLE_UPLOAD_EXPIRY_HOURS = env.int("RESUMABLE_UPLOAD_EXPIRY_HOURS", default=24)
RESUMABLE_UPLOADS_OPEN_MAX = env.int("RESUMABLE_UPLOADS_OPEN_MAX", default=3)
# The whole site's open uploads (finished ones not yet used too) may reserve this many
# bytes together (their declared sizes), and none starts unless the upload folder's
# disk keeps RESUMABLE_UPLOAD_MIN_FREE_BYTES free once every open upload has arrived:
# past either, a new upload is refused with "try again later" (503). The per-account
# cap alone let a few accounts reserve gigabytes of parts.
RESUMABLE_UPLOADS_OPEN_MAX_BYTES = env.int(
    "RESUMABLE_UPLOADS_OPEN_MAX_BYTES", default=5 * 1024**3
)
RESUMABLE_UPLOAD_MIN_FREE_BYTES = env.int(
    "RESUMABLE_UPLOAD_MIN_FREE_BYTES", default=1024**3
)
RESUMABLE_UPLOAD_CHUNK_BYTES = env.int(
    "RESUMABLE_UPLOAD_CHUNK_BYTES", default=8 * 1024 * 1024
)
# With object storage, pieces go on to the private bucket in parts of this size (S3's
# smallest part is 5 MiB), so the web server's disk holds less than one part per upload.
RESUMABLE_UPLOAD_PART_BYTES = max(
    5 * 1024 * 1024,
    env.int("RESUMABLE_UPLOAD_PART_BYTES", default=8 * 1024 * 1024),
)
# "Our team usually reviews a video within …" on the upload page: the median over
# the last 14 days' decisions, shown once there are this many.
REVIEW_TIME_MIN_DECISIONS = env.int("REVIEW_TIME_MIN_DECISIONS", default=5)

# TikTok (challenge/tiktok.py, through core/safe_fetch.py) ------------------------
# The server fetches only TikTok's public oEmbed endpoint and its thumbnail hosts,
# over HTTPS, never a private or loopback address. Hosts are exact names or, with a
# leading dot, a domain and its subdomains. Links a participant may paste, and the
# hosts a short link (vm.tiktok.com/…, tiktok.com/t/…) may redirect within.
TIKTOK_OEMBED_URL = env.str(
    "TIKTOK_OEMBED_URL", default="https://www.tiktok.com/oembed"
)
TIKTOK_LINK_HOSTS = env.list(
    "TIKTOK_LINK_HOSTS",
    default=[
        "www.tiktok.com",
        "tiktok.com",
        "m.tiktok.com",
        "vm.tiktok.com",
        "vt.tiktok.com",
    ],
)
TIKTOK_THUMBNAIL_HOSTS = env.list(
    "TIKTOK_THUMBNAIL_HOSTS",
    default=[".tiktokcdn.com", ".tiktokcdn-us.com", ".tiktokcdn-eu.com"],
)
# The accounts whose posts staff may add to the gallery's "from the series" row:
# the campaign's own account and the six creator-animators of the series.
TIKTOK_CURATED_HANDLES = env.list(
    "TIKTOK_CURATED_HANDLES",
    default=[
        "tiktoktips",
        "milkymichii",
        "recokh",
        "kellyemmrich",
        "amyrightmeow",
        "rosie.gif",
        "king.science",
    ],
)
TIKTOK_OEMBED_MAX_BYTES = env.int("TIKTOK_OEMBED_MAX_BYTES", default=256 * 1024)
TIKTOK_THUMBNAIL_MAX_BYTES = env.int(
    "TIKTOK_THUMBNAIL_MAX_BYTES", default=3 * 1024 * 1024
)
TIKTOK_CONNECT_TIMEOUT = env.float("TIKTOK_CONNECT_TIMEOUT", default=3.0)
TIKTOK_TOTAL_TIMEOUT = env.float("TIKTOK_TOTAL_TIMEOUT", default=10.0)
# "host:port" of a local fake TikTok server that may be fetched over plain HTTP on a
# loopback address. Tests set it (tests/tiktok_server.py); it is deliberately not
# read from the environment, so no deployment can open the door.
TIKTOK_LOCAL_TEST_SERVERS: list[str] = []

# Kind notes (comments on gallery entries) ----------------------------------------
# Visible characters in a note; notes on an entry page (keyset pages); the same text
# from the same writer is refused for this many hours; open reports (weighed like
# entry reports) that hold a note for the moderators.
NOTES_MAX_LENGTH = env.int("NOTES_MAX_LENGTH", default=300)
NOTES_PAGE_SIZE = env.int("NOTES_PAGE_SIZE", default=20)
NOTES_DUPLICATE_HOURS = env.int("NOTES_DUPLICATE_HOURS", default=24)
NOTES_HOLD_AT_REPORTS = env.int("NOTES_HOLD_AT_REPORTS", default=2)
# The owner's daily mail about new notes (at most one a day; off by default under the
# age of digital consent).
# Decision and guardian notices still unsent this long after the decision (their task
# was lost while the broker was down) are sent again by a sweep.
NOTICE_SWEEP_AFTER_SECONDS = env.int("NOTICE_SWEEP_AFTER_SECONDS", default=600)
NOTICE_SWEEP_EVERY_SECONDS = env.int("NOTICE_SWEEP_EVERY_SECONDS", default=300)

# Every line carries the request id (X-Request-ID) or the Celery task id.
# LOG_FORMAT=json writes one JSON object per line for a log shipper.
LOG_FORMAT = env.str("LOG_FORMAT", default="plain")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.observability.ContextFilter"}},
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(levelname)s %(name)s "
            "[req=%(request_id)s task=%(task_id)s] %(message)s"
        },
        "json": {"()": "core.observability.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["context"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Celery routes and beat, built in this one place from the apps' task names ------
# (<app>/jobs.py). Slow, CPU-bound transcodes and fast mails run on separate queues
# (see the Celery section above); everything else goes to the default queue.
CELERY_TASK_ROUTES = {
    video_jobs.PROCESS_VIDEO: {"queue": "transcode"},
    # On approval, on the same workers (docs/decisions.md, "A review copy first").
    video_jobs.MAKE_TOP_RUNG: {"queue": "transcode"},
    # The series teaser is a (short) encode too.
    stories_jobs.REFRESH_TEASER: {"queue": "transcode"},
    **{name: {"queue": "notices"} for name in challenge_jobs.MAILS},
}
CELERY_TASK_ANNOTATIONS = {
    name: {
        "soft_time_limit": VIDEO_SOFT_TIME_LIMIT,
        "time_limit": VIDEO_HARD_TIME_LIMIT,
    }
    for name in (
        video_jobs.PROCESS_VIDEO,
        video_jobs.MAKE_TOP_RUNG,
        stories_jobs.REFRESH_TEASER,
    )
}
_DAY = 24 * 3600
CELERY_BEAT_SCHEDULE = {
    key: {"task": task, "schedule": seconds}
    for key, task, seconds in (
        ("videos-sweep", video_jobs.SWEEP_VIDEOS, VIDEO_SWEEP_EVERY_SECONDS),
        (
            "videos-sweep-orphans",
            video_jobs.SWEEP_ORPHANS,
            VIDEO_ORPHAN_SWEEP_EVERY_SECONDS,
        ),
        (
            "stories-flush-views",
            stories_jobs.FLUSH_STORY_VIEWS,
            STORY_VIEWS_FLUSH_SECONDS,
        ),
        (
            "stories-refresh-teaser",
            stories_jobs.REFRESH_TEASER,
            STORY_TEASER_CHECK_SECONDS,
        ),
        ("challenge-retention", challenge_jobs.RETENTION_SWEEP, _DAY),
        ("challenge-expire-nudges", challenge_jobs.EXPIRE_ABANDONED_NUDGES, 3600),
        ("challenge-expire-uploads", challenge_jobs.EXPIRE_RESUMABLE_UPLOADS, 900),
        (
            "challenge-sweep-notices",
            challenge_jobs.SWEEP_NOTICES,
            NOTICE_SWEEP_EVERY_SECONDS,
        ),
        ("challenge-notes-digest", challenge_jobs.NOTES_DIGEST, _DAY),
        # Hourly; each approved TikTok post is due once a day, at its own time.
        ("challenge-tiktok-recheck", challenge_jobs.TIKTOK_RECHECK, 3600),
    )
}

# Files the site writes ----------------------------------------------------------
# Readable by the site's user only (files 0600, folders 0700): the SQLite database, the
# outbox with its guardian and reset links, private media, upload parts, the broker's
# messages, secrets (core/files.py). With MEDIA_OFFLOAD the front server reads private
# media as a member of the site's group (docs/deploy.md), so the group may read too
# (0640/0750); others never. Public media and collected static files are for everyone.
FILE_UMASK = files.OWNER_AND_GROUP if MEDIA_OFFLOAD else files.OWNER_ONLY
os.umask(FILE_UMASK)
# Django chmods every file its storages save (0644 unless told): private by default,
# so a storage added later is private too; the public ones say so below.
FILE_UPLOAD_PERMISSIONS = 0o666 & ~FILE_UMASK
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o777 & ~FILE_UMASK
for _name in ("default", "staticfiles"):
    if not STORAGES[_name]["BACKEND"].startswith("storages."):  # object storage
        STORAGES[_name].setdefault("OPTIONS", {}).update(
            file_permissions_mode=files.PUBLIC_FILE_MODE,
            directory_permissions_mode=files.PUBLIC_FOLDER_MODE,
        )

# The embedded defaults keep everything under DATA_DIR; make sure its folders exist so
# a fresh checkout starts without a setup step, and close the private ones an older
# version left readable by everyone.
files.folder_open(DATA_DIR, mode=files.PASS_THROUGH_MODE)
for _folder in (MEDIA_ROOT, STATIC_ROOT):
    files.folder_open(_folder)
for _folder in (
    PRIVATE_MEDIA_ROOT,
    Path(FILE_UPLOAD_TEMP_DIR),
    RESUMABLE_UPLOAD_DIR,
    DELETION_JOURNAL_DIR,
    EMAIL_OUTBOX_DIR,
    BROKER_DIR,
    BROKER_DIR / "queue",
    BROKER_DIR / "processed",
    BROKER_DIR / "control",
):
    files.folder_private(_folder, umask=FILE_UMASK)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    for _suffix in ("", "-wal", "-shm"):
        files.path_close(
            Path(f"{DATABASES['default']['NAME']}{_suffix}"), umask=FILE_UMASK
        )
