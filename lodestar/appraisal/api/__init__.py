"""API of appraisal (API.md: /positions, /appraisal-templates, /appraisal-cycles, /appraisals, /composites,
/calibrations, /pips, /appeals, /competencies): one router per part of the loop, mounted together."""

from __future__ import annotations

from ninja import Router

from lodestar.appraisal.api import cycles, outcomes, reviews, setup

router = Router()
router.add_router("/", setup.router)
router.add_router("/", cycles.router)
router.add_router("/", reviews.router)
router.add_router("/", outcomes.router)
