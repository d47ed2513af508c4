"""First start: while the database has no organisation, every page leads to the setup wizard.

Exempt are the setup pages themselves, sign-in and sign-out, the language switch, static files,
the API (its docs included: it answers JSON, never a redirect) and the Django admin site.
Once an organisation exists, a superuser without a person record (made with `createsuperuser`)
who opens the home page is offered to become the admin person (once per session).
`LODESTAR_FIRST_RUN_REDIRECT = False` turns the redirects off (the test settings do).
"""

from __future__ import annotations

from django.conf import settings
from django.shortcuts import redirect

from lodestar.org import setup

EXEMPT_PREFIXES = ("/setup/", "/accounts/login/", "/accounts/logout/", "/i18n/", "/api/", "/admin/")
LINK_SKIPPED = "lodestar_setup_link_skipped"


class FirstRunMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.exempt = (*EXEMPT_PREFIXES, settings.STATIC_URL, "/favicon.ico")

    def __call__(self, request):
        if getattr(settings, "LODESTAR_FIRST_RUN_REDIRECT", True) and not request.path_info.startswith(
            self.exempt
        ):
            if not setup.organisation_known():
                return redirect("setup:start")
            if request.path_info == "/" and self._superuser_without_person(request):
                return redirect("setup:link")
        return self.get_response(request)

    @staticmethod
    def _superuser_without_person(request) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_superuser:
            return False
        if request.session.get(LINK_SKIPPED):
            return False
        from lodestar.org.permissions import person_of

        return person_of(user) is None
