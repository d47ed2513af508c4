"""The demo's dashboards: check-ins dated as people enter them, so completion reads true figures."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from itertools import pairwise

from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from lodestar.core.models import Period
from lodestar.goals.models import Measure
from lodestar.tracking.models import CheckIn


def test_demo_has_a_year_of_weekly_checkins_that_add_up_to_its_figures(demo):
    today = timezone.localdate()
    year = Period.objects.get(key=f"FY{today.year}")
    measures = Measure.objects.filter(
        goal__period__start__gte=year.start,
        goal__period__end__lte=year.end,
        goal__status="active",
        parts__isnull=True,
    ).select_related("goal__period")
    assert measures.count() > 40
    for measure in measures:
        weeks = list(measure.check_ins.order_by("period_start"))
        assert weeks, measure
        if measure.name == "单篇平均点赞":  # fed by its platform (来源数据): the weeks the source covers
            continue
        period = measure.goal.period
        # Every week of the goal's period that has ended is reported, none twice, none missing.
        first = period.start + dt.timedelta(days=(7 - period.start.weekday()) % 7)
        if len(weeks) > 8:  # the hand-written stories (tracking.py, reviews.py) keep their own weeks
            assert weeks[0].period_start == first
            assert all(b.period_start - a.period_start == dt.timedelta(weeks=1) for a, b in pairwise(weeks))
            assert weeks[-1].period_end >= min(period.end, today) - dt.timedelta(days=13)
        assert weeks[-1].cumulative == measure.current, measure  # the figure is where the weeks end
        if measure.accumulates and weeks[0].period_start == first:
            assert sum(w.actual for w in weeks) == measure.current, measure  # the weeks add up exactly
    behind = CheckIn.objects.exclude(deviation_reason="").count()
    assert behind > 20  # weeks more than 15% behind their plan say why


def test_demo_checkins_are_entered_the_monday_after_their_week_some_late(demo):
    # Weeks that ended in the last three days may not be due yet: the seed dates those "now".
    settled = timezone.localdate() - dt.timedelta(days=3)
    checkins = list(CheckIn.objects.filter(measure__isnull=False, origin="reported", period_end__lt=settled))
    assert len(checkins) > 500
    days = Counter((timezone.localtime(c.created_at).date() - c.period_end).days for c in checkins)
    assert set(days) <= {1, 3}  # the Monday after the week, or late on the Wednesday
    assert 0.05 < days[3] / len(checkins) < 0.25
    client = Client()
    client.force_login(get_user_model().objects.get(username="zhaomin"))
    for language in ("zh-hans", "en"):
        response = client.get("/dashboards/company/", headers={"accept-language": language})
        assert response.status_code == 200
        panels = {p["panel"].key: p["panel"] for p in response.context["panels"]}
        assert panels["achievement"].rows and panels["heatmap"].rows
        assert response.context["period"].kind == "quarter"
