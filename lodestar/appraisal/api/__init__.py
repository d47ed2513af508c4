"""API of appraisal (API.md: /positions, /appraisal-templates, /appraisal-cycles, /appraisals, /composites,
/calibrations, /pips, /appeals, /competencies): one router per part of the loop, mounted together, every
operation behind the module's gate (the read-only guest gets a 403: `access.require_appraisal_user`)."""

from __future__ import annotations

from functools import wraps

from ninja import Router

from lodestar.appraisal import access
from lodestar.appraisal.api import cycles, outcomes, reviews, setup


def appraisal_gate(operation):
    """Run after authentication (and request validation): no appraisal for a read-only guest."""

    @wraps(operation)
    def gated(request, *args, **kwargs):
        access.require_appraisal_user(request.user)
        return operation(request, *args, **kwargs)

    return gated


router = Router()
router.add_router("/", setup.router)
router.add_router("/", cycles.router)
router.add_router("/", reviews.router)
router.add_router("/", outcomes.router)
router.add_decorator(appraisal_gate, mode="operation")
