"""Settings for pytest: the same as base, with fast hashing and tasks run inline."""

import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATA_DIR

SECRET_KEY = "lodestar-test-key-" + "x" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
# WhiteNoise wants STATIC_ROOT to exist; tests serve from the source folder.
STATIC_ROOT = BASE_DIR / "static"
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
MEDIA_ROOT = DATA_DIR / "test-media"
# Tests build their organisation in fixtures; the setup's own tests turn the redirect back on.
LODESTAR_FIRST_RUN_REDIRECT = False
# Dashboard panels one after the other: helper threads keep connections of their own open, and PostgreSQL
# will not drop a test database while one is. The tests of core/side_by_side.py turn them on and close
# their connections after each test.
SIDE_BY_SIDE_WORKERS = 0
