"""`{% appraisal_outcomes_panel appraisal %}`: the feedback meeting, the appeal and the improvement plan of one
appraisal for its page, with only the controls the reader may use — in a fixed number of queries (the
meeting, the appeals, the visible plans; the access checks read what the appraisal page already loaded)."""

from __future__ import annotations

from django import template

from lodestar.appraisal import access, outcome_selectors
from lodestar.appraisal.views.outcomes import FeedbackForm, feedback_initial

register = template.Library()


@register.inclusion_tag("appraisal/outcomes/_panel_body.html", takes_context=True)
def appraisal_outcomes_panel(context, appraisal) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or appraisal is None:
        return {"show": False}
    panel = outcome_selectors.appraisal_panel(user, appraisal)
    meeting = panel.feedback
    can_write_feedback = access.can_write_feedback(user, appraisal)
    return {
        "show": appraisal.cycle.is_published or bool(panel.pips),
        "request": request,
        "appraisal": appraisal,
        "meeting": meeting,
        "acknowledged": meeting is not None
        and meeting.person_ack_at is not None
        and meeting.manager_ack_at is not None,
        "can_acknowledge": meeting is not None and access.can_acknowledge_feedback(user, meeting),
        "feedback_form": FeedbackForm(initial=feedback_initial(meeting)) if can_write_feedback else None,
        "appeals": panel.appeals,
        "can_appeal": panel.open_appeal is None and access.can_appeal(user, appraisal),
        "pips": panel.pips,
        "can_open_pip": not any(p.closed_at is None for p in panel.pips)
        and access.can_open_pip_on(user, appraisal),
        "next": request.get_full_path() if request is not None else "",
    }
