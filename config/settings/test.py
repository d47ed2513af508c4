"""Settings for pytest: the same as base, with fast hashing and tasks run inline."""

import os

from .base import *  # noqa: F403
from .base import DATA_DIR

SECRET_KEY = "lodestar-test-key-" + "x" * 40
DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = os.environ.get("AXES_ENABLED", "1") == "1"
MEDIA_ROOT = DATA_DIR / "test-media"
