"""The company, department and person dashboards (看板) and their xlsx exports.

Thin views: the access helper (dashboards/access.py), the scope and panels (dashboards/selectors.py),
the same panels the API returns (dashboards/api.py). `?period=<id>` picks the period (default: the
current quarter), `?present=1` the projector mode (large type, no navigation, a full-screen button).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlencode

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.budget import access as budget_access
from lodestar.core.http import int_param, page_view, url_pattern
from lodestar.core.numbers import exact_figure, money_text
from lodestar.core.pdf import report_response
from lodestar.dashboards import access, selectors, table_html
from lodestar.dashboards.exports import panel_workbook

LINKS = {
    "goal": "goals:detail",
    "department": "dashboards:department",
    "person": "dashboards:person",
    "alert": "alerts:detail",
    "item": "execution:detail",
    "measure": "tracking:measure",
    "discrepancy": "verification:detail",
}

# How wide a panel is on the page's 12-column grid (a new panel takes a third unless named here).
WIDTHS = {
    "achievement": "col-xl-6",
    "heatmap": "col-xl-6",
    "plan": "col-12",
    "budget": "col-xl-6",
    "channel_roi": "col-xl-6",
    "verification": "col-12",
}


def display(value, kind: str) -> str:
    """A panel figure for people: rates as percentages with one decimal, amounts and money as
    "5,000,000.00" (`money_text`, the xlsx export's #,##0.00), counts as "12,345" (`exact_figure`),
    ratios (ROI) with two decimals, empty as "—". Display only: the API and the xlsx keep the raw figures."""
    if value is None or value == "":
        return "—"
    # Half up, as every figure of ours (core.numbers): half-even showed −1.85% (a 4-place −0.0185) as −1.8%.
    if kind == "rate":
        return f"{(Decimal(value) * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"
    if kind in ("money", "amount"):
        return money_text(value) or "—"
    if kind == "int":
        return exact_figure(value) or "—"
    if kind == "ratio":
        return f"{Decimal(value).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}"
    return str(value)


def _panel_link(panel, scope: selectors.Scope) -> dict | None:
    """A link under a panel to the page where its figures are acted on: the channel ROI panel → the
    budget's channel page (the reallocation), for the period and, on a department's dashboard, the
    department when the reader may read its budget there."""
    if panel.key != "channel_roi":
        return None
    query = {"period": scope.period.pk}
    if scope.department is not None and budget_access.can_see_department(scope.user, scope.department):
        query["department"] = scope.department.pk
    return {
        "href": f"{reverse('budget:channels')}?{urlencode(query)}",
        "label": _("Reallocate budget by ROI"),
    }


def _cells(columns, rows, patterns: dict[str, str]) -> list[list[dict]]:
    table = []
    for row in rows:
        cells = []
        for column in columns:
            href = None
            ref = row.get(f"{column.link}_id") if column.link else None
            if ref is not None:
                href = patterns[column.link].format(ref)
            cells.append(
                {"text": display(row.get(column.key), column.kind), "href": href, "kind": column.kind}
            )
        table.append(cells)
    return table


def _scope(request, kind: str, **objects) -> selectors.Scope | None:
    today = timezone.localdate()
    period = selectors.resolve_period(int_param(request.GET.get("period")), today)
    if period is None:
        return None
    return selectors.build_scope(kind, request.user, period, today=today, **objects)


def _unlink_what_the_reader_cannot_open(scope: selectors.Scope, panels) -> None:
    """Panels name departments and people; only those whose dashboards the reader may open stay links
    (a member sees every department's figures on the company board but opens only their own
    department's dashboard, and colleagues' check-in completion but not their personal dashboards)."""
    rows = [row for p in panels for row in (*p.rows, *p.items)]
    people = [row for row in rows if row.get("person_id") is not None]
    allowed = access.person_dashboards_visible(scope.user, {row["person_id"] for row in people})
    for row in people:
        if row["person_id"] not in allowed:
            row["person_id"] = None
    departments = [row for row in rows if row.get("department_id") is not None]
    known = scope.department_paths
    paths = {
        row["department_id"]: known[row["department_id"]]
        for row in departments
        if row["department_id"] in known
    }
    allowed = access.department_dashboards_visible(scope.user, paths)
    for row in departments:
        if row["department_id"] not in allowed:
            row["department_id"] = None


def _shown_panels(request, kind: str, **objects):
    """The scope, the panels and their cells as people read them: the dashboard and its printed
    period report show the same figures (`display`)."""
    scope = _scope(request, kind, **objects)
    patterns = {link: url_pattern(name) for link, name in LINKS.items()}
    panels = selectors.dashboard_panels(scope) if scope else []
    if scope is not None:
        _unlink_what_the_reader_cannot_open(scope, panels)
    shown = []
    for p in panels:
        shown.append(
            {
                "panel": p,
                "table_body": table_html.table_body(_cells(p.columns, p.rows, patterns)),
                "items_body": table_html.items_body(_cells(p.item_columns, p.items, patterns)),
                "width": WIDTHS.get(p.key, "col-xl-4"),
                "link": _panel_link(p, scope) if scope else None,
            }
        )
    return scope, patterns, panels, shown


def _render(request, kind: str, *, title: str, export_url: str, **objects):
    scope, patterns, panels, shown = _shown_panels(request, kind, **objects)
    return render(
        request,
        "dashboards/board.html",
        {
            "kind": kind,
            "title": title,
            "scope": scope,
            "period": scope.period if scope else None,
            "periods": selectors.period_choices(),
            "panels": shown,
            "chart_data": {
                "panels": {p.key: {"rows": p.rows, "title": p.title} for p in panels},
                "links": patterns,
                "labels": _chart_labels(),
            },
            "export_url": export_url,
            "present": request.GET.get("present") == "1",
            **objects,
        },
    )


def _chart_labels() -> dict[str, str]:
    return {
        "achievement": _("Achievement"),
        "progress": _("Progress"),
        "plan_to_date": _("Plan to date"),
        "actual": _("Actual"),
        "forecast": _("Forecast"),
        "band": _("80% band"),
        "health_score": _("Health score"),
        "open": _("Open"),
        "acknowledged": _("Acknowledged"),
        "overdue": _("Overdue items"),
        "on_time_rate": _("On-time rate"),
        "reported_rate": _("Reported rate"),
        "planned": _("Planned amount"),
        "spent": _("Spent"),
        "cumulative_planned": _("Planned to date"),
        "cumulative_spent": _("Spent to date"),
        "roi": _("ROI"),
        "roi_break_even": _("ROI 1 (break-even)"),
        "flagged": _("Flagged for cutting (ROI below 1)"),
        "reported": _("Reported"),
        "source": _("Source"),
        "open_discrepancies": _("Open discrepancies"),
    }


@page_view
def index(request):
    """`/dashboards/` is the company dashboard, the one every signed-in reader may open; the
    query string (a chosen period) goes with it."""
    access.require_company_dashboard(request.user)
    url = reverse("dashboards:company")
    query = request.GET.urlencode()
    return redirect(f"{url}?{query}" if query else url)


@page_view
def company(request):
    access.require_company_dashboard(request.user)
    return _render(
        request, "company", title=_("Company dashboard"), export_url=reverse("dashboards:company_export")
    )


@page_view
def department(request, department_id: int):
    dept = access.access_department_dashboard(request.user, department_id)
    return _render(
        request,
        "department",
        title=dept.name,
        export_url=reverse("dashboards:department_export", args=[dept.pk]),
        department=dept,
    )


@page_view
def person(request, person_id: int):
    who = access.access_person_dashboard(request.user, person_id)
    return _render(
        request,
        "person",
        title=who.display_name,
        export_url=reverse("dashboards:person_export", args=[who.pk]),
        person=who,
    )


@page_view
def department_report(request, department_id: int, as_pdf: bool = False):
    """The department's period report (`?period=`, default the current quarter): the dashboard's
    panels as tables, as a PDF or a printable page, for the dashboard's readers."""
    dept = access.access_department_dashboard(request.user, department_id)
    scope, _patterns, _panels, shown = _shown_panels(request, "department", department=dept)
    if scope is None:
        raise Http404(_("No period to show."))
    return report_response(
        request,
        "dashboards/department_report.html",
        {"department": dept, "period": scope.period, "panels": shown, "generated_at": timezone.localtime()},
        as_pdf=as_pdf,
        filename=f"department-{dept.pk}-period-{scope.period.pk}.pdf",
        back_url=f"{reverse('dashboards:department', args=[dept.pk])}?period={scope.period.pk}",
    )


def _export(request, kind: str, name: str, **objects) -> HttpResponse:
    """`?panel=<key>`: that panel's figures; without it, every panel of the dashboard, a sheet each."""
    key = request.GET.get("panel", "")
    if key and key not in selectors.SCOPE_PANELS[kind]:
        raise Http404(_("No such panel."))
    scope = _scope(request, kind, **objects)
    if scope is None:
        raise Http404(_("No period to show."))
    panels = selectors.dashboard_panels(scope, only=key or None)
    if key and not panels:
        raise Http404(_("No such panel."))  # not one the reader may see (a budget panel for a guest)
    response = HttpResponse(
        panel_workbook(panels, scope),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    suffix = f"-{key}" if key else ""
    response["Content-Disposition"] = (
        f'attachment; filename="dashboard-{name}{suffix}-{scope.period.pk}.xlsx"'
    )
    return response


@page_view
def company_export(request):
    access.require_company_dashboard(request.user)
    return _export(request, "company", "company")


@page_view
def department_export(request, department_id: int):
    dept = access.access_department_dashboard(request.user, department_id)
    return _export(request, "department", f"department-{dept.pk}", department=dept)


@page_view
def person_export(request, person_id: int):
    who = access.access_person_dashboard(request.user, person_id)
    return _export(request, "person", f"person-{who.pk}", person=who)
