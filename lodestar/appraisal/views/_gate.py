"""The one decorator of appraisal's pages: `page_view` behind the module's gate (no read-only guests)."""

from __future__ import annotations

from functools import wraps

from lodestar.appraisal import access
from lodestar.core.http import page_view


def appraisal_page(view):
    """A signed-in appraisal page (`page_view`): the read-only guest gets a 403 before anything is read
    (`access.require_appraisal_user`). Put `require_POST` above it, as with `page_view`."""

    @wraps(view)
    def gated(request, *args, **kwargs):
        access.require_appraisal_user(request.user)
        return view(request, *args, **kwargs)

    return page_view(gated)
