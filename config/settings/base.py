"""Settings shared by every environment; everything site-specific comes from the environment.

Environment variables: DATABASE_URL, SECRET_KEY, ALLOWED_HOSTS, LODESTAR_DATA_DIR,
EMAIL_URL-style settings (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER, EMAIL_HOST_PASSWORD,
EMAIL_USE_TLS, DEFAULT_FROM_EMAIL), and TASKS_BACKEND / REDIS_URL for the task queue.
"""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("LODESTAR_DATA_DIR", BASE_DIR / "var")).resolve()


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "django_filters",
    "django_tasks_db",
    "simple_history",
    "axes",
    "lodestar.core",
    "lodestar.org",
    "lodestar.exchange",
    "lodestar.goals",
    "lodestar.execution",
    "lodestar.tracking",
    "lodestar.metrics",
    "lodestar.budget",
    "lodestar.alerts",
    "lodestar.retrospectives",
    "lodestar.knowledge",
    "lodestar.appraisal",
    "lodestar.notifications",
    "lodestar.dashboards",
    "lodestar.trash",
    "lodestar.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "lodestar.core.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "lodestar.org.middleware.FirstRunMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
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
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "lodestar.dashboards.context_processors.navigation",
            ],
        },
    }
]

SQLITE_OPTIONS = {
    # WAL lets the web server read while the task worker writes; IMMEDIATE avoids
    # "database is locked" upgrades from read to write transactions.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}

# Our queries are short web requests, so two PostgreSQL defaults only cost time (EXPLAIN ANALYZE of the
# company dashboard's check-in counts at L, bench/README.md): JIT compiles a query whose estimated cost
# passes jit_above_cost (85 ms compiling for a 45 ms query), and a parallel plan gathered two workers'
# rows for 87 ms where one process's hash joins took 43 ms — with two cores serving every request.
# random_page_cost 1.1 (the default 4 is for spinning disks): on an SSD, or with the tables in memory, a
# random read costs about what a sequential one does, and the planner then reads the dashboards' overdue
# items from their covering index instead of every item due in the period (11.5 → 5.7 ms at L).
POSTGRES_OPTIONS = {"options": "-c jit=off -c max_parallel_workers_per_gather=0 -c random_page_cost=1.1"}


def database_from_env() -> dict:
    url = os.environ.get("DATABASE_URL")
    if url:
        config = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
        if config["ENGINE"] == "django.db.backends.sqlite3":
            config["OPTIONS"] = dict(SQLITE_OPTIONS)
        elif config["ENGINE"] == "django.db.backends.postgresql":
            config["OPTIONS"] = {**POSTGRES_OPTIONS, **config.get("OPTIONS", {})}
        return dict(config)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "lodestar.sqlite3",
        "OPTIONS": dict(SQLITE_OPTIONS),
    }


DATABASES = {"default": database_from_env()}
# Threads that run a dashboard's panels side by side, each on its own connection (core/side_by_side.py):
# one per core; 0 runs them one after the other in the request's thread.
SIDE_BY_SIDE_WORKERS = int(os.environ.get("SIDE_BY_SIDE_WORKERS", "2"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "lodestar.org.backends.PersonBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", 60 * 60 * 12))
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", 5))
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = DATA_DIR / "staticfiles"
MEDIA_URL = "/media/"
MEDIA_ROOT = DATA_DIR / "media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}

# Uploads (imports, attachments) are size-capped before any parsing.
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
LODESTAR_IMPORT_MAX_BYTES = int(os.environ.get("LODESTAR_IMPORT_MAX_BYTES", 5 * 1024 * 1024))
LODESTAR_IMPORT_MAX_ROWS = int(os.environ.get("LODESTAR_IMPORT_MAX_ROWS", 20000))

# Roll-up cap (DOMAIN.md): each measure counts at most this in its goal's achievement, and each child in
# its parent's; "" leaves it open. The uncapped figure is stored too (Goal.achievement_rate_uncapped).
LODESTAR_ROLLUP_CAP = os.environ.get("LODESTAR_ROLLUP_CAP", "1")

# Outgoing mail (Django 6.1 MAILERS), configured from the environment.
MAILERS = {
    "default": {
        "BACKEND": os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend"),
        "OPTIONS": {
            "host": os.environ.get("EMAIL_HOST", "localhost"),
            "port": int(os.environ.get("EMAIL_PORT", 25)),
            "username": os.environ.get("EMAIL_HOST_USER", ""),
            "password": os.environ.get("EMAIL_HOST_PASSWORD", ""),
            "use_tls": env_bool("EMAIL_USE_TLS", False),
            "timeout": int(os.environ.get("EMAIL_TIMEOUT", 20)),
        },
    }
}
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Lodestar <lodestar@localhost>")

# Background tasks: django.tasks with the database backend (worker: `manage.py db_worker`).
TASKS_BACKEND = os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
TASKS = {"default": {"BACKEND": TASKS_BACKEND}}

LODESTAR_API_TOKEN_DAYS = int(os.environ.get("LODESTAR_API_TOKEN_DAYS", 365))

# First start without the demo: while there is no organisation, pages lead to the setup wizard (/setup/).
LODESTAR_FIRST_RUN_REDIRECT = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
