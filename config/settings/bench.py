"""Settings for `make bench`: production-like (no debug, cached templates) on a bench database.

DATABASE_URL names the database; the data dir holds the SQLite file. Tasks go to the database
queue as in production: a check-in write is timed with its roll-up and alert evaluation (which
run in the request) and with queueing the deliveries, which the worker sends later.
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = SECRET_KEY or "lodestar-bench-key-not-for-production"  # noqa: F405
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# Logging in is not what is measured; a fast hash keeps the setup short.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
