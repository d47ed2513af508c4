"""Who may see check-ins: those on measures of goals the user may see, or on items they may see.

Reporting rights are the goal's and the item's (`goals.access.can_report_on_goal`,
`execution.access.can_work_on_item`); this module only answers "which check-ins are visible".
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound
from lodestar.execution.access import visible_items
from lodestar.goals.access import visible_goals
from lodestar.org.permissions import can_write, is_admin, manages_department, person_of, require_person
from lodestar.tracking.models import CheckIn


def visible_checkins(user):
    """Check-ins on measures of goals the user may see, or on action items they may see."""
    return CheckIn.objects.select_related("measure", "item", "deviation_category").filter(
        Q(measure__goal__in=visible_goals(user).values("pk")) | Q(item__in=visible_items(user).values("pk"))
    )


def access_checkin(user, checkin_id: int) -> CheckIn:
    """A check-in the user may see (404 otherwise)."""
    require_person(user)
    checkin = visible_checkins(user).filter(pk=checkin_id).first()
    if checkin is None:
        raise NotFound(_("Check-in not found."), field="checkin_id")
    return checkin


def can_run_meeting(user, department) -> bool:
    """The meeting's manager: an admin, or a manager of the department (or of one above it).
    Reminds the missing reporters and ticks off any decision."""
    return can_write(user) and (is_admin(user) or manages_department(user, department))


def can_tick_decision(user, decision) -> bool:
    """Who may mark a meeting decision done or open again: the meeting's manager, or its owner."""
    if can_run_meeting(user, decision.department):
        return True
    person = person_of(user)
    return can_write(user) and person is not None and decision.owner_id == person.pk
