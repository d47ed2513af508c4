"""Strings Django renders that its own zh_Hans catalogue lacks.

Django 6.1 looks "- Select an option -" (every select's blank choice) up through gettext at render
time, but ships no Chinese for it. Naming it here keeps it in our catalogue: `make messages`
(makemessages --no-obsolete) would otherwise drop an entry no source file of ours mentions.
"""

from django.utils.translation import gettext_noop

DJANGO_STRINGS = (gettext_noop("- Select an option -"),)
