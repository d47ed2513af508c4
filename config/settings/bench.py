"""Settings for `make bench`: production-like (no debug, cached templates) on a bench database.

DATABASE_URL names the database; the data dir holds the SQLite file. Tasks run in-process so a
check-in write is timed with its alert evaluation, as one request of a real deployment would be
followed by the worker's.
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = SECRET_KEY or "lodestar-bench-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Logging in is not what is measured; a fast hash keeps the setup short.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AXES_ENABLED = False
