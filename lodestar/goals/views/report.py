"""A goal's one-pager: its figures, measures and sub-goals as a PDF or a printable page.

The same reader as the goal's page (404 unless visible), the same selector and the same partials
(`goals/_measures_table.html`, `goals/_children_table.html`), so the figures match the page.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from lodestar.core.http import page_view
from lodestar.core.pdf import report_response
from lodestar.goals import selectors
from lodestar.org.permissions import require_person


@page_view
def goal_report(request, goal_id: int, as_pdf: bool = False):
    require_person(request.user)
    goal = selectors.goal_detail(goal_id, visible_to=request.user)  # 404 unless visible
    context = {
        "goal": goal,
        "children": list(goal.children.all()),  # the visible ones (goal_detail)
        "printing": True,
        "generated_at": timezone.localtime(),
    }
    return report_response(
        request,
        "goals/report_print.html",
        context,
        as_pdf=as_pdf,
        filename=f"goal-{goal.pk}.pdf",
        back_url=reverse("goals:detail", args=[goal.pk]),
    )
