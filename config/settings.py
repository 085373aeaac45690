"""Heard's one settings file.

Every value comes from the environment (or `<NAME>_FILE` for secrets). With nothing set, Heard runs
in debug mode on SQLite, which is what `make run` and `make test` use. `DEBUG=false` is production
mode: it refuses to start without a real `SECRET_KEY`, `ALLOWED_HOSTS` and an https://
`HEARD_SITE_URL`, and turns on every transport-security setting so that `manage.py check --deploy`
is silent.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env(name: str, default: str = "") -> str:
    """Read a setting from the environment, or from the file named by `<NAME>_FILE`. An empty
    value counts as unset, so `.env.example` can be used as it is."""
    file_name = os.environ.get(f"{name}_FILE")
    if file_name:
        try:
            return Path(file_name).read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise ImproperlyConfigured(f"{name}_FILE={file_name!r} cannot be read: {exc}") from exc
    return os.environ.get(name) or default


def env_bool(name: str, default: bool) -> bool:
    raw = env(name, "true" if default else "false").strip().lower()
    if raw in _TRUE:
        return True
    if raw in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean; use true or false.")


def env_int(name: str, default: int) -> int:
    raw = env(name, str(default)).strip()
    try:
        return int(raw)
    except ValueError as exc:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number.") from exc


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)

# A fixed key is fine for a developer's SQLite database and nowhere else: production mode refuses it.
_DEVELOPMENT_SECRET_KEY = "heard-development-only-key-never-use-in-production-0123456789abcdef"  # noqa: S105 - refused outside debug mode
SECRET_KEY = env("SECRET_KEY", _DEVELOPMENT_SECRET_KEY if DEBUG else "")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]" if DEBUG else "")

if not DEBUG:
    if not SECRET_KEY or SECRET_KEY == _DEVELOPMENT_SECRET_KEY or len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "Production mode (DEBUG=false) needs SECRET_KEY (or SECRET_KEY_FILE): "
            "a random value of at least 50 characters."
        )
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "Production mode (DEBUG=false) needs ALLOWED_HOSTS, the host names this site answers to."
        )

# Demo mode lists the demo accounts on the home page. `make run` turns it on.
HEARD_DEMO = env_bool("HEARD_DEMO", False)

INSTALLED_APPS = [
    "heard.core",
    "heard.accounts",
    "heard.organisations",
    "heard.directory",
    "heard.voice",
    "heard.api",
    "heard.open311",
    "heard.polls",
    "heard.conversations",
    "heard.codesign",
    "heard.frontline",
    "heard.events",
    "heard.publications",
    "heard.index",
    "heard.demo",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "rules.apps.AutodiscoverRulesConfig",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "axes",
    "csp",
    "django_tasks",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "heard.organisations.middleware.StaffMustUseTwoFactorMiddleware",
    # Axes goes last so that it sees the outcome of every authentication attempt.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "heard.core.context_processors.site",
            ],
        },
    },
]
FORM_RENDERER = "heard.core.forms.HeardFormRenderer"

# --- Database -------------------------------------------------------------------------------------
_default_database_url = f"sqlite:///{BASE_DIR / 'var' / 'heard.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", _default_database_url),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0 if DEBUG else 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    # WAL and a busy timeout let the dev server, a task worker and the tests share the file.
    DATABASES["default"]["OPTIONS"].update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", "heard"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# --- Background tasks -----------------------------------------------------------------------------
# "immediate" runs a task at once in the same process (development and tests); "database" queues it
# for `manage.py db_worker`, the default in production, so slow work (record linkage, a decision's
# emails to thousands of supporters) never runs inside someone's request.
TASKS_BACKEND = env("TASKS_BACKEND", "immediate" if DEBUG else "database")
_TASK_BACKENDS = {
    "immediate": "django_tasks.backends.immediate.ImmediateBackend",
    "database": "django_tasks_db.DatabaseBackend",
}
if TASKS_BACKEND not in _TASK_BACKENDS:
    raise ImproperlyConfigured(f"TASKS_BACKEND={TASKS_BACKEND!r}: use one of {sorted(_TASK_BACKENDS)}.")
TASKS = {"default": {"BACKEND": _TASK_BACKENDS[TASKS_BACKEND], "QUEUES": ["default", "email"]}}

# --- Email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 20)
EMAIL_FILE_PATH = env("EMAIL_FILE_PATH", str(BASE_DIR / "var" / "mail"))
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Heard <noreply@heard.localhost>")
SERVER_EMAIL = env("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
ADMINS = [("Heard operators", address) for address in env_list("ADMIN_EMAILS")]

# --- Accounts -------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:profile"
LOGOUT_REDIRECT_URL = "index:home"

ACCOUNT_ADAPTER = "heard.accounts.adapters.AccountAdapter"
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_SIGNUP_FORM_CLASS = "heard.accounts.forms.SignupExtraForm"
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Heard] "
# django-axes throttles failed passwords (below); allauth's own limits stay on for codes and sign-ups.
ACCOUNT_RATE_LIMITS = {"login_failed": False}
MFA_ADAPTER = "heard.organisations.mfa.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Heard"
# Accept the code from the 30 seconds before or after too: phones' clocks drift, and people type
# slowly.
MFA_TOTP_TOLERANCE = 1

# Login throttling: five failures from one address for one account lock it out for 30 minutes.
AXES_ENABLED = env_bool("AXES_ENABLED", True)
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.5
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_CALLABLE = "heard.accounts.throttling.username_from_credentials"
# Failed attempts are kept in the database (shared by every web process); successful sign-ins
# are not logged. `manage.py housekeeping` deletes attempts once their cool-off has passed.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_DISABLE_ACCESS_LOG = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False
# Every address-based limit (axes, allauth, Heard's own) sees the client through the same proxies.
HEARD_PROXY_COUNT = env_int("PROXY_COUNT", 0)
AXES_CLIENT_IP_CALLABLE = "heard.core.client_ip.client_ip"
ALLAUTH_TRUSTED_PROXY_COUNT = HEARD_PROXY_COUNT

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# --- Security -------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
if env_bool("BEHIND_TLS_PROXY", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
if not DEBUG:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 63072000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"

# No inline script or style anywhere: every script and stylesheet is a file served from 'self'.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Secrets for fields encrypted at rest (demographics now, frontline flags later). A comma-separated
# list of Fernet keys: the first encrypts, all decrypt, so keys can be rotated. In debug mode one is
# derived from SECRET_KEY so that a developer needs nothing set.
FIELD_ENCRYPTION_KEYS = env_list("FIELD_ENCRYPTION_KEYS")
if not FIELD_ENCRYPTION_KEYS and not DEBUG:
    raise ImproperlyConfigured(
        "Production mode (DEBUG=false) needs FIELD_ENCRYPTION_KEYS: one or more Fernet keys, "
        'made with: python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'
    )
for _position, _key in enumerate(FIELD_ENCRYPTION_KEYS, start=1):
    # A malformed key fails here, at start-up, not on the first flag a partner sends.
    try:
        Fernet(_key.encode())
    except ValueError:
        raise ImproperlyConfigured(
            f"FIELD_ENCRYPTION_KEYS: key number {_position} is not a Fernet key (32 url-safe base64-encoded bytes)."
        ) from None

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
# Add a language here once its translation is complete: a page must never claim a language it is
# not written in.
LANGUAGES = [("en-gb", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------------------
STATIC_URL = "/static/"
# Where collectstatic writes (the benchmarks use their own, so they never disturb a test run).
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
MEDIA_URL = "/media/"
# Pictures people attach to ideas (served through a view that checks the idea is on show).
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Uploads hold personal data (a Pol.is export waiting to be imported holds everyone's votes): readable
# by the owner and the group the web and worker processes share, not by every user of the host.
FILE_UPLOAD_PERMISSIONS = 0o640
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o750

# --- Logging --------------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"require_debug_false": {"()": "django.utils.log.RequireDebugFalse"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "mail_admins": {
            "class": "django.utils.log.AdminEmailHandler",
            "filters": ["require_debug_false"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"handlers": ["console", "mail_admins"], "level": "ERROR", "propagate": False}},
}
# Error reports leave out request bodies and settings that may hold personal data or secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "heard.core.debug.PersonalDataExceptionReporterFilter"

# --- Heard ----------------------------------------------------------------------------------------
HEARD_SITE_NAME = env("HEARD_SITE_NAME", "Heard")
# The site's address, for links in emails sent from background work (no request to read it from).
# Production mode needs it, on https: every newsletter carries it in its unsubscribe links.
HEARD_SITE_URL = env("HEARD_SITE_URL", "http://127.0.0.1:8000" if DEBUG else "").strip().rstrip("/")
if not DEBUG and not (HEARD_SITE_URL.startswith("https://") and len(HEARD_SITE_URL) > len("https://")):
    raise ImproperlyConfigured(
        f"Production mode (DEBUG=false) needs HEARD_SITE_URL, the site's address starting with https:// "
        f"(like https://heard.example.org), for the links in emails; it is {HEARD_SITE_URL or 'not set'}."
    )
HEARD_PAGE_SIZE = env_int("HEARD_PAGE_SIZE", 20)
# The newsletter: the shared secret that signs the mail provider's bounce and complaint webhook
# (empty: the webhook is off), and how many emails one background task sends.
NEWSLETTER_WEBHOOK_SECRET = env("NEWSLETTER_WEBHOOK_SECRET")
NEWSLETTER_BATCH_SIZE = env_int("NEWSLETTER_BATCH_SIZE", 100)
# Stories one address may send through the site's form in an hour (a load test raises it).
HEARD_STORIES_PER_HOUR = env_int("HEARD_STORIES_PER_HOUR", 5)
# Messages one address may send through the contact form in an hour.
HEARD_CONTACT_PER_HOUR = env_int("HEARD_CONTACT_PER_HOUR", 5)
# Votes one participant may cast in a minute, and participants one address may start in an hour.
HEARD_VOTES_PER_MINUTE = env_int("HEARD_VOTES_PER_MINUTE", 60)
# Many people at a workshop share one address (the venue's Wi-Fi), so the join limit is generous.
HEARD_CONVERSATION_JOINS_PER_HOUR = env_int("HEARD_CONVERSATION_JOINS_PER_HOUR", 300)
# Statements one address may add to conversations in an hour (each waits for a moderator).
HEARD_CONVERSATION_STATEMENTS_PER_HOUR = env_int("HEARD_CONVERSATION_STATEMENTS_PER_HOUR", 10)
# Ideas and comments one person may post to challenges in an hour.
HEARD_IDEAS_PER_HOUR = env_int("HEARD_IDEAS_PER_HOUR", 10)
# Days after a flag is closed before its personal details are erased (anonymous figures stay).
FRONTLINE_RETENTION_DAYS = env_int("FRONTLINE_RETENTION_DAYS", 365)
HEARD_COMMENTS_PER_HOUR = env_int("HEARD_COMMENTS_PER_HOUR", 30)
# Writes (stories, answers, changes, Open311 requests) one API token may make in an hour.
HEARD_API_WRITES_PER_HOUR = env_int("HEARD_API_WRITES_PER_HOUR", 1000)
# Open311 GeoReport v2: this endpoint's jurisdiction (its web domain, by the spec's suggestion),
# and whether clients must name it.
HEARD_OPEN311_JURISDICTION = env("HEARD_OPEN311_JURISDICTION", "")
HEARD_OPEN311_REQUIRE_JURISDICTION = env_bool("HEARD_OPEN311_REQUIRE_JURISDICTION", False)
# Roles that make a person "staff": they must use two-factor authentication.
HEARD_MFA_REQUIRED_FOR_STAFF = env_bool("HEARD_MFA_REQUIRED_FOR_STAFF", True)
