"""Pages of the cross-verification of reported figures (/data/verification/): the discrepancies
(open or all, by department, goal or measure), one discrepancy with the reported and the source
series side by side, its explain/resolve actions, and the spot checks of the sources."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.core.forms import DateInput, VersionField
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.goals.access import access_goal, access_measure
from lodestar.goals.models import Measure
from lodestar.metrics import domain, verification
from lodestar.metrics.models import (
    DataSource,
    Discrepancy,
    MetricPoint,
    SourceMetric,
    SpotCheck,
    percent_text,
)
from lodestar.metrics.verification_access import (
    access_discrepancy,
    can_record_spot_check,
    can_settle_discrepancy,
    visible_discrepancies,
    visible_spot_checks,
)
from lodestar.org.models import Department
from lodestar.org.permissions import access_department, require_person
from lodestar.tracking.models import CheckIn, CheckInOrigin


class SettleForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Status"), choices=Discrepancy.Status.choices)
    note = forms.CharField(
        label=gettext_lazy("Note"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = VersionField()


class SpotCheckForm(forms.Form):
    source = forms.ModelChoiceField(label=gettext_lazy("Data source"), queryset=DataSource.objects.none())
    metric = forms.ModelChoiceField(
        label=gettext_lazy("Source metric"), queryset=SourceMetric.objects.none(), required=False
    )
    period_start = forms.DateField(label=gettext_lazy("Period start"), widget=DateInput)
    period_end = forms.DateField(label=gettext_lazy("Period end"), widget=DateInput)
    result = forms.ChoiceField(label=gettext_lazy("Result"), choices=SpotCheck.Result.choices)
    note = forms.CharField(label=gettext_lazy("Note"), required=False, max_length=4000)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["source"].queryset = DataSource.objects.filter(is_active=True)
        self.fields["metric"].queryset = SourceMetric.objects.select_related("source")


def _filtered(request):
    """The discrepancies of the list's filters (status open by default; department, goal, measure)."""
    user = request.user
    queryset = visible_discrepancies(user).select_related(
        "measure__goal__department", "metric__source", "resolved_by"
    )
    status = request.GET.get("status") or "open"
    if status in Discrepancy.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = "all"
    filters = {"status": status, "department": None, "goal": None, "measure": None}
    department_id = int_param(request.GET.get("department"))
    if department_id is not None:
        filters["department"] = access_department(user, department_id)
        queryset = queryset.filter(measure__goal__department__path__startswith=filters["department"].path)
    goal_id = int_param(request.GET.get("goal"))
    if goal_id is not None:
        filters["goal"] = access_goal(user, goal_id)
        queryset = queryset.filter(measure__goal=filters["goal"])
    measure_id = int_param(request.GET.get("measure"))
    if measure_id is not None:
        filters["measure"] = access_measure(user, measure_id)
        queryset = queryset.filter(measure=filters["measure"])
    return queryset.order_by("-period_start", "-id"), filters


@page_view
def discrepancy_list(request):
    require_person(request.user)
    return _list_page(request)


def _list_page(request, spot_form: SpotCheckForm | None = None):
    """The list with its spot-check form: empty, or as the reader sent it, with its errors."""
    queryset, filters = _filtered(request)
    page = Paginator(queryset, 50).get_page(request.GET.get("page"))
    may_check = can_record_spot_check(request.user)
    checks = visible_spot_checks(request.user).select_related("source", "metric", "measure", "checked_by")[
        :20
    ]
    return render(
        request,
        "metrics/verification/list.html",
        {
            "page": page,
            "filters": filters,
            "departments": Department.objects.filter(is_active=True).order_by("path"),
            "spot_checks": checks,
            "spot_form": (spot_form or SpotCheckForm()) if may_check else None,
            "statuses": [("open", _("Open")), ("all", _("All")), *Discrepancy.Status.choices[1:]],
        },
    )


def pair_series(measure: Measure, metric: SourceMetric) -> list[dict]:
    """Per reported check-in period of the measure: the reported figure, the source's, the rate
    (for the chart and the table of a discrepancy's page). Two queries."""
    checkins = list(
        CheckIn.objects.filter(measure=measure, origin=CheckInOrigin.REPORTED, actual__isnull=False).order_by(
            "period_start"
        )
    )
    if not checkins:
        return []
    days = domain.day_totals(
        MetricPoint.objects.filter(
            metric=metric, date__gte=checkins[0].period_start, date__lte=max(c.period_end for c in checkins)
        ).values_list("date", "channel_id", "value")
    )
    rows = []
    for checkin in checkins:
        values = [v for d, v in days.items() if checkin.period_start <= d <= checkin.period_end]
        source = domain.aggregate(values, metric.aggregation)
        rate = domain.difference_rate(checkin.actual, source) if source is not None else None
        rows.append(
            {
                "start": checkin.period_start,
                "end": checkin.period_end,
                "reported": checkin.actual,
                "source": source,
                "rate": None if source is None else percent_text(rate),
                "flagged": source is not None and domain.is_discrepancy(rate, metric.tolerance),
            }
        )
    return rows


@page_view
def discrepancy_detail(request, pk: int):
    return _detail_page(request, access_discrepancy(request.user, pk))


def _pair(found: Discrepancy) -> tuple[list[dict], dict]:
    """Both series of the pair, as rows for the table and as the chart's data."""
    rows = pair_series(found.measure, found.metric)
    chart = {
        "periods": [r["start"].isoformat() for r in rows],
        "series": [
            {"name": _("Reported"), "data": [float(r["reported"]) for r in rows]},
            {
                "name": f"{found.metric.source.name} · {found.metric.name}",
                "data": [None if r["source"] is None else float(r["source"]) for r in rows],
            },
        ],
    }
    return rows, chart


def _detail_page(request, found: Discrepancy, form: SettleForm | None = None):
    """The pair with its settle form: the discrepancy's own values, or as the reader sent them."""
    rows, chart = _pair(found)
    may_settle = can_settle_discrepancy(request.user, found)
    if form is None:
        form = SettleForm(initial={"status": found.status, "note": found.note, "version": found.version})
    return render(
        request,
        "metrics/verification/detail.html",
        {"d": found, "rows": rows, "chart": chart, "form": form if may_settle else None},
    )


@require_POST
@page_view
def discrepancy_settle(request, pk: int):
    found = access_discrepancy(request.user, pk)
    if not can_settle_discrepancy(request.user, found):
        raise PermissionDenied  # the page shows no settle form to this reader
    form = SettleForm(request.POST)
    if form.is_valid():
        with service_errors(form):
            verification.discrepancy_update(
                actor=request.user,
                discrepancy=found,
                status=form.cleaned_data["status"],
                note=form.cleaned_data["note"],
                version=form.cleaned_data["version"],
            )
            messages.success(request, _("Discrepancy updated."))
            return redirect("verification:detail", pk=found.pk)
    return _detail_page(request, found, form)  # what was typed stays, with its errors


@require_POST
@page_view
def spot_check_create(request):
    require_person(request.user)
    if not can_record_spot_check(request.user):
        raise PermissionDenied  # the page shows no spot-check form to this reader
    form = SpotCheckForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        with service_errors(form):  # the service's rules (a period ending before it starts …) on their fields
            verification.spot_check_record(
                actor=request.user,
                source=data["source"],
                metric=data["metric"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                result=data["result"],
                note=data["note"],
            )
            messages.success(request, _("Spot check recorded."))
            return redirect("verification:list")
    return _list_page(request, spot_form=form)  # what was typed stays, with its errors
