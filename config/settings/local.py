"""Settings for `make run`: a trial on one machine with SQLite under the data dir."""

from .base import *  # noqa: F403
from .base import DATA_DIR, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = SECRET_KEY or "lodestar-local-development-key-not-for-production"  # noqa: F405
# Mail is written to files under the data dir instead of being sent.
MAILERS = {
    "default": {
        "BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "OPTIONS": {"file_path": str(DATA_DIR / "outbox")},
    }
}

# A trial must start with nothing prepared: make the data dir on first use.
DATA_DIR.mkdir(parents=True, exist_ok=True)
