"""Who sees and who settles the cross-verification of reported figures (数据交叉验证); pages and
API alike go through these helpers.

- A discrepancy is seen by whoever may see its measure's goal (`goals.access.visible_goals`).
- It is explained or resolved by those who report on the goal: its owner, a manager of its
  department (up the tree) and admins (`goals.access.can_report_on_goal`); viewers never.
- Spot checks are seen by everyone signed in with a person record (those on a measure only by
  who may see the measure); they are recorded by managers and admins.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound
from lodestar.goals.access import can_report_on_goal, visible_goals
from lodestar.metrics.models import Discrepancy, SpotCheck
from lodestar.org.permissions import can_write, is_admin, is_manager, person_of, require_person


def visible_discrepancies(user):
    return Discrepancy.objects.filter(measure__goal__in=visible_goals(user).values("pk"))


def access_discrepancy(user, discrepancy_id: int) -> Discrepancy:
    """A discrepancy the user may see, with its measure, goal and metric (404 otherwise)."""
    require_person(user)
    found = (
        visible_discrepancies(user)
        .select_related(
            "measure__goal__department", "measure__goal__owner", "metric__source", "resolved_by", "checkin"
        )
        .filter(pk=discrepancy_id)
        .first()
    )
    if found is None:
        raise NotFound(_("Discrepancy not found."), field="discrepancy_id")
    return found


def can_settle_discrepancy(user, discrepancy: Discrepancy) -> bool:
    """Explain or resolve: the goal's owner, its managers, admins."""
    return can_report_on_goal(user, discrepancy.measure.goal)


def can_record_spot_check(user) -> bool:
    return can_write(user) and (is_admin(user) or is_manager(user))


def visible_spot_checks(user):
    return SpotCheck.objects.filter(
        Q(measure__isnull=True) | Q(measure__goal__in=visible_goals(user).values("pk"))
    )


def goal_has_verification(user, goal) -> bool:
    """A source metric is bound to one of the goal's measures (the goal page's link to its
    verification); the reader already sees the goal."""
    from lodestar.metrics.models import SourceMetric

    return (is_admin(user) or person_of(user) is not None) and SourceMetric.objects.filter(
        measure__goal=goal
    ).exists()
