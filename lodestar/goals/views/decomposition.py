"""The decomposition wizard: split a goal into sub-goals by department, person or time."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError
from lodestar.core.http import int_param, page_view
from lodestar.core.models import Period, PeriodKind
from lodestar.goals import selectors
from lodestar.goals.access import access_goal
from lodestar.goals.models import Decomposition, Goal
from lodestar.goals.services.decomposition import SplitPart, goal_decompose, split_measure_of, split_parts
from lodestar.org.models import Department, Person

# --- decomposition -----------------------------------------------------------------------


@page_view
def decompose(request, goal_id: int):
    """The decomposition wizard: one dimension, shares or amounts, a running total, one atomic save."""
    goal = access_goal(request.user, goal_id, manage=True)
    goal = selectors.goal_detail(goal.pk)
    measures = list(goal.measures.all())
    split_measure = split_measure_of(goal) if measures else None
    existing = split_parts(goal, split_measure) if split_measure else []
    history = list(
        Decomposition.objects.filter(goal=goal)
        .select_related("created_by")
        .order_by("-created_at", "-id")[:5]
    )
    latest = history[0] if history and existing else None
    dimension = (
        request.POST.get("dimension")
        or request.GET.get("dimension")
        or (latest.dimension if latest else "department")
    )
    if dimension not in Decomposition.Dimension.values:
        dimension = "department"
    by_id = {str(part.goal.pk): part for part in existing}
    error = None
    rows = []
    if request.method == "POST":
        mode = request.POST.get("mode", "percent")
        measure = next((m for m in measures if str(m.pk) == request.POST.get("measure")), None)
        labels = request.POST.getlist("label")
        values = request.POST.getlist("value")
        owners = request.POST.getlist("owner")
        departments = request.POST.getlist("department")
        periods = request.POST.getlist("period")
        goal_ids = request.POST.getlist("goal_id")
        parts = []
        people = {
            p.pk: p for p in Person.objects.filter(pk__in=[int_param(o) for o in owners if int_param(o)])
        }
        depts = {
            d.pk: d
            for d in Department.objects.filter(pk__in=[int_param(d) for d in departments if int_param(d)])
        }
        pers = {
            p.pk: p for p in Period.objects.filter(pk__in=[int_param(p) for p in periods if int_param(p)])
        }

        def at(values: list[str], index: int) -> str:
            return values[index] if index < len(values) else ""

        for index, label in enumerate(labels):
            value = at(values, index)
            if not (label.strip() or value.strip()):
                continue
            part = {
                "goal_id": at(goal_ids, index) or None,
                "label": label,
                "share" if mode == "percent" else "amount": value,
                "owner": people.get(int_param(at(owners, index)) or 0),
                "department": depts.get(int_param(at(departments, index)) or 0),
                "period": pers.get(int_param(at(periods, index)) or 0),
            }
            parts.append(part)
            rows.append(
                {
                    "label": label,
                    "value": value,
                    "owner": at(owners, index),
                    "department": at(departments, index),
                    "period": at(periods, index),
                    "part": by_id.get(at(goal_ids, index)),
                }
            )
        try:
            children = goal_decompose(
                actor=request.user,
                goal=goal,
                dimension=dimension,
                measure=measure,
                mode=mode,
                parts=parts,
                reason=request.POST.get("reason", ""),
            )
            if existing:
                messages.success(request, _("The split was revised: %(n)s parts.") % {"n": len(children)})
            else:
                messages.success(request, _("%(n)s sub-goals were created.") % {"n": len(children)})
            return redirect("goals:detail", goal_id=goal.pk)
        except ApplicationError as exc:
            error = exc.message
    elif existing:
        mode = latest.mode if latest else "percent"
        rows = _existing_rows(existing, latest, mode)
    else:
        mode = "percent"
        rows = _default_rows(goal, dimension)
    return render(
        request,
        "goals/decompose.html",
        {
            "goal": goal,
            "measures": [split_measure] if existing else measures,
            "existing": existing,
            "history": history,
            "reason": request.POST.get("reason", ""),
            "needs_reason": any(part.goal.status == "active" for part in existing),
            "dimension": dimension,
            "mode": mode,
            "rows": rows,
            "error": error,
            "dimensions": Decomposition.Dimension.choices,
            "people": list(
                Person.objects.filter(is_active=True)
                .select_related("department")
                .order_by("department__path", "display_name")
            ),
            "departments": list(
                Department.objects.filter(is_active=True, path__startswith=goal.department.path).order_by(
                    "path"
                )
            ),
            "periods": list(
                Period.objects.filter(start__gte=goal.period.start, end__lte=goal.period.end)
                .exclude(pk=goal.period_id)
                .exclude(kind=PeriodKind.WEEK)
                .order_by("kind", "start")
            ),
        },
    )


def _existing_rows(existing: list[SplitPart], latest: Decomposition | None, mode: str) -> list[dict]:
    """The split as it stands: one row per part, with its share (or amount) and its sub-goal."""
    labels = {p.get("goal_id"): p.get("label", "") for p in (latest.parts if latest else [])}
    rows = []
    for part in existing:
        value = (part.goal.weight or Decimal(0)) if mode == "percent" else part.measure.target
        rows.append(
            {
                "label": labels.get(part.goal.pk) or part.goal.name.rsplit(" · ", 1)[-1],
                "value": f"{value.normalize():f}",
                "owner": "",
                "department": "",
                "period": "",
                "part": part,
            }
        )
    return rows


def _default_rows(goal: Goal, dimension: str) -> list[dict]:
    """Suggested parts: sub-departments, team members, or the goal period's quarters/months (even shares)."""
    from lodestar.goals.domain import even_shares

    if dimension == "department":
        subs = list(goal.department.children.filter(is_active=True).order_by("sort_order", "name"))
        rows = [
            {"label": d.name, "department": str(d.pk), "owner": str(d.manager_id or ""), "period": ""}
            for d in subs
        ]
    elif dimension == "person":
        members = list(
            Person.objects.filter(department=goal.department, is_active=True).order_by("display_name")
        )
        rows = [
            {"label": p.display_name, "owner": str(p.pk), "department": str(p.department_id), "period": ""}
            for p in members
        ]
    elif dimension == "time":
        kind = PeriodKind.QUARTER if goal.period.kind == PeriodKind.YEAR else PeriodKind.MONTH
        spans = list(
            Period.objects.filter(kind=kind, start__gte=goal.period.start, end__lte=goal.period.end).order_by(
                "start"
            )
        )
        rows = [
            {"label": p.label, "period": str(p.pk), "owner": str(goal.owner_id or ""), "department": ""}
            for p in spans
        ]
    else:
        rows = [{"label": "", "owner": "", "department": "", "period": ""} for _i in range(3)]
    for row, share in zip(rows, even_shares(len(rows)), strict=True):
        row["value"] = f"{share.normalize():f}"
    return rows
