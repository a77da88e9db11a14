"""Settings for the Hetao Zone Portal, read from the environment.

Development defaults are safe; production sets DEBUG=off, SECRET_KEY, ALLOWED_HOSTS,
DATABASE_URL and REDIS_URL (see README.md and .env.example).
"""

from datetime import timedelta
from pathlib import Path

import environ
import pghistory
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").exists():
    env.read_env(str(BASE_DIR / ".env"))

DEBUG = env.bool("DEBUG", default=False)
# No default outside development: a production deployment must set its own secret.
SECRET_KEY = env("SECRET_KEY", default="dev-only-insecure-key-do-not-use-in-production") if DEBUG else env("SECRET_KEY")
# Personal data (travel document numbers) is encrypted with these keys (hetao/crypto.py); like the
# secret key, production sets its own, and development derives keys from the secret key.
if DEBUG and not env("PERSONAL_DATA_KEYS", default=""):
    from hetao.crypto import development_keys

    PERSONAL_DATA_KEYS, PERSONAL_DATA_HASH_KEY = development_keys(SECRET_KEY)
else:
    PERSONAL_DATA_KEYS = env.list("PERSONAL_DATA_KEYS")
    PERSONAL_DATA_HASH_KEY = env("PERSONAL_DATA_HASH_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "pgtrigger",
    "pghistory",
    "pghistory.admin",
    "axes",
    "django_htmx",
    "django_countries",
    "hetao",
    "zone",
    "customs",
    "funding",
    "projects",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "hetao.middleware.RequestIdMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Before any view: failed API authentication is throttled per address, and input no view
    # should see (NUL characters, broken UTF-8, an API body over its limit) is refused.
    "hetao.middleware.AuthFailureThrottleMiddleware",
    "hetao.middleware.RequestInputMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "hetao.middleware.AuditContextMiddleware",
    "hetao.middleware.RefusedOperationMiddleware",
    # django-axes must be last: it answers locked-out logins.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "hetao.urls"
WSGI_APPLICATION = "hetao.wsgi.application"
AUTH_USER_MODEL = "hetao.User"
# The tenants and their members (hetao/tenancy.py): the portal core reads them through these names.
PORTAL_INSTITUTION_MODEL = "zone.Institution"
PORTAL_MEMBERSHIP_MODEL = "zone.Membership"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "hetao.context_processors.portal",
            ],
        },
    },
    {
        # Plain text (e-mails, notifications): nothing is HTML-escaped here; pages escape what
        # they show once, when they render it.
        "NAME": "text",
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"autoescape": False},
    },
]

# PostgreSQL is the only database. Without DATABASE_URL, `hetao.devstack` starts an
# embedded server and exports the variable before Django starts.
DATABASES = {"default": env.db("DATABASE_URL", default="postgres://postgres@127.0.0.1:5432/hetao")}
DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env("REDIS_URL", default="redis://127.0.0.1:6379/0")
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="hetao"),
        "TIMEOUT": 300,
    }
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login brute force: lock the (username, IP) pair after AXES_FAILURE_LIMIT failures.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=30))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_IPWARE_PROXY_COUNT = env.int("PROXY_COUNT", default=0)

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("zh-hans", "简体中文"),
    ("zh-hant", "繁體中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# In development WhiteNoise serves files straight from static/, so edits show without collectstatic.
WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(BASE_DIR / "var" / "media")))
MEDIA_URL = "/media/"

# Uploads: Django keeps at most this much in memory; the portal refuses files above
# UPLOAD_MAX_BYTES (documents) and BATCH_MAX_BYTES (batch filings).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_MAX_BYTES = env.int("UPLOAD_MAX_BYTES", default=10 * 1024 * 1024)
BATCH_MAX_BYTES = env.int("BATCH_MAX_BYTES", default=200 * 1024 * 1024)

# Customs: the share of green declarations sent to yellow at random (0 to 1), and the seed that
# makes the selection reproducible from a declaration's number (keep it secret, like SECRET_KEY).
CUSTOMS_SELECTION_RATE = env.float("CUSTOMS_SELECTION_RATE", default=0.05)
CUSTOMS_SELECTION_SEED = env("CUSTOMS_SELECTION_SEED", default="") or f"customs-selection:{SECRET_KEY}"
# A release slip stays valid this many days after the planned date (or the consolidated period's
# end); releases whose goods have not crossed after this many days appear in the officers' queue.
CUSTOMS_SLIP_VALID_DAYS = env.int("CUSTOMS_SLIP_VALID_DAYS", default=7)
CUSTOMS_PASSAGE_OVERDUE_DAYS = env.int("CUSTOMS_PASSAGE_OVERDUE_DAYS", default=3)

# E-mail: SMTP in production, printed to the console in development (DEBUG on).
_EMAIL_BACKEND = env(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
MAILERS = {"default": {"BACKEND": _EMAIL_BACKEND}}
if _EMAIL_BACKEND.endswith("smtp.EmailBackend"):
    MAILERS["default"]["OPTIONS"] = {
        "host": env("EMAIL_HOST", default="localhost"),
        "port": env.int("EMAIL_PORT", default=25),
        "username": env("EMAIL_HOST_USER", default=""),
        "password": env("EMAIL_HOST_PASSWORD", default=""),
        "use_tls": env.bool("EMAIL_USE_TLS", default=False),
        "timeout": 30,
    }
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="Hetao Zone Portal <noreply@hetao.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security. Production (DEBUG off) is HTTPS-only; `manage.py check --deploy` is clean.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Celery on Redis. Tasks acknowledge late so a task lost with its worker runs again;
# time limits stay below the broker's visibility timeout.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL)
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL)
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="hetao")
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SOFT_TIME_LIMIT = 50 * 60
CELERY_TASK_TIME_LIMIT = 55 * 60
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 60 * 60}
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE = {
    "clear-expired-sessions": {"task": "hetao.tasks.clear_expired_sessions", "schedule": timedelta(hours=6)},
    "purge-idempotency-records": {"task": "hetao.tasks.purge_idempotency_records", "schedule": timedelta(days=1)},
    "whitelist-expire-and-remind": {"task": "zone.tasks.whitelist_expire_and_remind", "schedule": timedelta(hours=1)},
    "registered-persons-expire": {"task": "zone.tasks.registered_persons_expire", "schedule": timedelta(hours=1)},
    "requeue-orphaned-batches": {"task": "hetao.tasks.requeue_orphaned_batches", "schedule": timedelta(minutes=1)},
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "hetao.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["hetao.api.permissions.HasTokenScope"],
    "DEFAULT_FILTER_BACKENDS": [
        "hetao.api.filters.FilterBackend",
        "hetao.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "hetao.api.pagination.CursorPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["hetao.api.throttling.PrincipalRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "principal": env("API_THROTTLE_RATE", default="1200/min"),
        "anon": env("API_ANON_THROTTLE_RATE", default="120/min"),
    },
    "DEFAULT_SCHEMA_CLASS": "hetao.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "hetao.api.exceptions.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # Bounded parsers: JSON depth, finite numbers, no NUL, valid UTF-8, body size (hetao/limits.py).
    "DEFAULT_PARSER_CLASSES": [
        "hetao.api.parsers.JSONParser",
        "hetao.api.parsers.MultiPartParser",
        "hetao.api.parsers.FormParser",
    ],
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    # Trust X-Forwarded-For only for the proxies in front of the portal (throttling by client address).
    "NUM_PROXIES": env.int("PROXY_COUNT", default=0),
}
# Failed API authentications (401 answers) allowed per client address before it must wait (429):
# DRF's own throttles run only after a token was accepted.
API_AUTH_FAILURE_THROTTLE_RATE = env("API_AUTH_FAILURE_THROTTLE_RATE", default="30/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "Hetao Zone Portal API",
    "DESCRIPTION": (
        "Partner API of the Hetao Shenzhen-Hong Kong Science and Technology Innovation "
        "Cooperation Zone. Authenticate with `Authorization: Bearer <token>`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No calls to an outside validator: the page talks to this server only.
    "SWAGGER_UI_SETTINGS": {"validatorUrl": None, "deepLinking": True},
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ApplicationStatusEnum": "zone.models.whitelist.ApplicationStatus",
        "ApplicationKindEnum": "zone.models.whitelist.WhitelistApplication.Kind",
        "WhitelistScopeEnum": "zone.models.whitelist.WhitelistScope",
        "EntryStatusEnum": "zone.models.whitelist.EntryStatus",
        "DocumentKindEnum": "zone.models.whitelist.ApplicationDocument.Kind",
        "CommentVisibilityEnum": "zone.models.whitelist.ApplicationComment.Visibility",
        "SiteKindEnum": "zone.models.institutions.Site.Kind",
        "InstitutionKindEnum": "zone.models.institutions.Institution.Kind",
        "PersonStatusEnum": "zone.models.people.PersonStatus",
        "TravelDocumentTypeEnum": "zone.models.people.TravelDocumentType",
        "PassageCheckResultEnum": "customs.models.PassageCheck.Result",
        "DataCategoryEnum": "zone.models.data_exports.DataCategory",
        "DataDestinationEnum": "zone.models.data_exports.Destination",
        "DestinationScopeEnum": "zone.models.data_exports.DestinationScope",
        "ExportOutcomeEnum": "zone.models.data_exports.Outcome",
        "CustomsLineEnum": "customs.models.Line",
        "DeclarationStatusEnum": "customs.models.DeclarationStatus",
        "DeclarationDirectionEnum": "customs.choices.Direction",
        "TransportModeEnum": "customs.choices.TransportMode",
        "ItemCategoryEnum": "customs.choices.ItemCategory",
        "ItemUnitEnum": "customs.choices.Unit",
        "CurrencyEnum": "customs.choices.Currency",
        "CustomsRegimeEnum": "customs.choices.Regime",
        "CustomsLaneEnum": "customs.choices.Lane",
        "RuleConditionEnum": "customs.choices.Condition",
        "StockMovementKindEnum": "customs.models.StockMovement.Kind",
        "ExportStatusEnum": "zone.models.data_exports.ExportStatus",
    },
}

# Audit trail: pghistory records every change with the request context.
# Event tables carry database triggers that refuse UPDATE and DELETE.
PGHISTORY_APPEND_ONLY = True
# An event's copies of the record's foreign keys are not indexed: events are read by record
# (pgh_obj) and context, never by a copied key, and each index costs every audited write.
PGHISTORY_FOREIGN_KEY_FIELD = pghistory.ForeignKey(db_index=False)
PGHISTORY_ADMIN_MODEL = "pghistory.MiddlewareEvents"

API_TOKEN_PREFIX = "htz_"  # noqa: S105 - a public marker, not a secret

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

PORTAL_NAME = _("Hetao Zone Portal")
# Absolute address of the portal, for links in e-mails.
PORTAL_BASE_URL = env("PORTAL_BASE_URL", default="http://127.0.0.1:8000")
