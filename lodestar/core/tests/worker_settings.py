"""Settings of the `run_worker` processes that the worker tests start: the test settings, with the
database queue instead of running tasks inline. DATABASE_URL points them at the test database."""

from config.settings.test import *  # noqa: F403

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# The test settings serve static files from the source folder (STATIC_ROOT = a STATICFILES_DIRS
# entry); a worker never serves them, but `manage.py` runs the system checks, which object.
SILENCED_SYSTEM_CHECKS = ["staticfiles.E002"]
