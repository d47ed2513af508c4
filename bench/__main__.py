"""`python -m bench generate|run …` — Django is set up before the harness imports any model."""

import os
import sys

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
django.setup()

from bench.cli import main  # noqa: E402  (needs the app registry)

sys.exit(main(sys.argv[1:]))
