"""Appraisal at scale: close a fiscal year (its snapshot) and score a cycle of every person (issue #15).

Runs inside a transaction that is rolled back, so the bench database is left as it was. Timed:
- `period_close`: the close of last fiscal year, i.e. the snapshot of every goal in it;
- `start_appraisals`: creating every appraisal with its self and manager reviews (what the worker runs);
- `score_appraisals`: scoring the whole cycle from the snapshot and the submitted reviews (target < 10 s).
"""

from __future__ import annotations

import random
import statistics
import time
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

SCORE_TARGET_S = 10


class _Rollback(Exception):
    pass


def _setup_and_time() -> dict:
    from lodestar.appraisal.models import (
        Cycle,
        Indicator,
        IndicatorKind,
        PayBase,
        Rating,
        Review,
        ReviewStatus,
        StartStatus,
        Template,
    )
    from lodestar.appraisal.services.cycles import cycle_create, start_appraisals
    from lodestar.appraisal.services.scoring import score_appraisals
    from lodestar.core.models import Period
    from lodestar.goals.models import GoalType
    from lodestar.goals.services.closing import period_close
    from lodestar.org.models import Person, Position

    admin = get_user_model().objects.filter(is_superuser=True).first() or get_user_model().objects.get(
        person__role="admin"
    )
    year = Period.objects.filter(kind="year", is_closed=False).order_by("start").first()
    result: dict = {"period": year.name if year else None}
    started = time.perf_counter()
    period_close(actor=admin, period=year, withdraw_pending=True)
    result["close_s"] = round(time.perf_counter() - started, 2)

    position = Position.objects.create(name="市场岗-bench")
    Person.objects.filter(is_active=True).update(position=position)
    PayBase.objects.bulk_create(
        [PayBase(person_id=pk, amount=Decimal(10000)) for pk in Person.objects.values_list("pk", flat=True)],
        ignore_conflicts=True,
    )
    kpi_type = GoalType.objects.order_by("sort_order", "id").first()
    template = Template.objects.create(name="市场岗考核模板", position=position)
    Indicator.objects.create(
        template=template,
        name="个人KPI达成",
        kind=IndicatorKind.QUANTITATIVE,
        weight=70,
        goal_type=kpi_type,
        cap=Decimal("1.20"),
    )
    qualitative = [
        Indicator.objects.create(template=template, name=name, kind=IndicatorKind.QUALITATIVE, weight=15)
        for name in ("方案创新", "团队协作")
    ]
    cycle = cycle_create(actor=admin, period=year, name="bench")
    Cycle.objects.filter(pk=cycle.pk).update(start_status=StartStatus.QUEUED)
    started = time.perf_counter()
    result["appraisals"] = start_appraisals(cycle.pk)
    result["start_s"] = round(time.perf_counter() - started, 2)

    # Every self and manager review submitted with both ratings, as at the end of the review stages.
    rng = random.Random(15)
    reviews = list(Review.objects.filter(appraisal__cycle=cycle))
    Review.objects.filter(appraisal__cycle=cycle).update(
        status=ReviewStatus.SUBMITTED, submitted_at=timezone.now()
    )
    Rating.objects.bulk_create(
        [Rating(review=r, indicator=i, rating=rng.randint(2, 5)) for r in reviews for i in qualitative],
        batch_size=2000,
    )
    cycle.refresh_from_db()
    samples = []
    for _ in range(3):
        started = time.perf_counter()
        score_appraisals(cycle)
        samples.append(time.perf_counter() - started)
    result["score_median_s"] = round(statistics.median(samples), 2)
    result["score_max_s"] = round(max(samples), 2)
    from lodestar.appraisal.models import Appraisal

    scored = Appraisal.objects.filter(cycle=cycle, final_score__isnull=False).count()
    result["scored"] = scored
    return result


def time_appraisal() -> dict:
    """Close, start and score, then roll everything back; returns the timings and the target verdict."""
    result: dict = {}
    try:
        with transaction.atomic():
            result = _setup_and_time()
            raise _Rollback
    except _Rollback:
        pass
    result["target_s"] = SCORE_TARGET_S
    # People without a goal of the bound type in the year (the company's admin) stay unscored, as in use.
    result["met"] = result.get("score_median_s", SCORE_TARGET_S) < SCORE_TARGET_S
    return result
