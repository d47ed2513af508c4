"""Decomposition (目标拆解, DOMAIN.md §2): split a goal's target along one dimension at a time.

Parts are percentages that must sum to 100% or amounts that must sum to the target. Each
part becomes a child goal with one measure whose target is the part's amount and whose
`source` is the parent's measure, so the parts' current values add up to the parent's.
Everything is created in one transaction, or nothing is.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, validated_save
from lodestar.goals import domain
from lodestar.goals.access import can_manage_goal
from lodestar.goals.models import Decomposition, Goal, GoalKind, GoalStatus, Measure
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services.common import check_open_period, measure_places, to_decimal
from lodestar.goals.services.goals import goal_create
from lodestar.org.models import Department, Person
from lodestar.org.permissions import person_of

MAX_PARTS = 60


def part_label(dimension: str, part: dict) -> str:
    label = (part.get("label") or "").strip()
    if label:
        return label
    for key in ("department", "owner", "period"):
        if part.get(key) is not None:
            return str(part[key].display_name if key == "owner" else part[key].name)
    return ""


@transaction.atomic
def goal_decompose(
    *, actor: Actor, goal: Goal, dimension: str, measure: Measure | None, mode: str, parts: list[dict]
) -> list[Goal]:
    """Create one child goal per part. `parts`: [{"label", "share" | "amount", "owner", "department", "period"}]."""
    # of=self: PostgreSQL cannot lock the nullable side (owner) of the outer join.
    goal = (
        Goal.objects.select_for_update(of=("self",))
        .select_related("period", "department", "owner")
        .get(pk=goal.pk)
    )
    if not can_manage_goal(actor, goal):
        raise PermissionDeniedError(
            _("Only an admin or a manager of the goal's department can decompose it.")
        )
    check_open_period(goal.period)
    if goal.status in (GoalStatus.CLOSED, GoalStatus.CANCELLED):
        raise ConflictError(_("A closed or cancelled goal cannot be decomposed."), code="not_open")
    if dimension not in Decomposition.Dimension.values:
        raise ApplicationError(_("Choose a dimension."), field="dimension")
    if mode not in Decomposition.Mode.values:
        raise ApplicationError(_("Choose percentages or amounts."), field="mode")
    if not parts or len(parts) < 2:
        raise ApplicationError(_("A split needs at least two parts."), field="parts")
    if len(parts) > MAX_PARTS:
        raise ApplicationError(_("A split can have at most %(n)s parts.") % {"n": MAX_PARTS}, field="parts")
    if measure is None:
        measure = goal.measures.first()
    if measure is None or measure.goal_id != goal.pk:
        raise ApplicationError(_("Choose the measure whose target is split."), field="measure_id")
    target = measure.target
    if mode == Decomposition.Mode.PERCENT:
        shares = [to_decimal(p.get("share"), "parts", required=True) for p in parts]
        if any(s <= 0 for s in shares):
            raise ApplicationError(_("Every share must be above 0%."), field="parts")
        error = domain.shares_sum_error(shares)
        if error is not None:
            raise ApplicationError(
                _("The shares add up to %(total)s%%; they must add up to 100%%.")
                % {"total": f"{error.normalize():f}"},
                code="parts_not_100",
                field="parts",
            )
        exponent = target.normalize().as_tuple().exponent
        assert isinstance(exponent, int)  # a stored target is a finite number
        places = max(0, -exponent, 2)
        amounts = domain.split_amount(target, shares, places=min(places, 4))
        if any(a <= 0 for a in amounts):
            raise ApplicationError(_("The target is too small to split into these shares."), field="parts")
    else:
        # The parts must add up to the target as stored: no more places than its column keeps.
        places = measure_places("target")
        amounts = [to_decimal(p.get("amount"), "parts", required=True, places=places) for p in parts]
        if any(a <= 0 for a in amounts):
            raise ApplicationError(_("Every amount must be above 0."), field="parts")
        total = sum(amounts, Decimal(0))
        if total != target:
            raise ApplicationError(
                _("The amounts add up to %(total)s, not to the target %(target)s.")
                % {"total": f"{total.normalize():f}", "target": f"{target.normalize():f}"},
                code="parts_not_target",
                field="parts",
            )
        shares = [a / target * 100 for a in amounts]
    children = []
    for index, (part, amount, share) in enumerate(zip(parts, amounts, shares, strict=True)):
        period: Period = part.get("period") or goal.period
        department: Department = part.get("department") or goal.department
        owner: Person | None = part.get("owner") or (
            department.manager if part.get("department") else goal.owner
        )
        if dimension == Decomposition.Dimension.TIME and part.get("period") is None:
            raise ApplicationError(_("Choose the period of each part of a time split."), field="parts")
        if dimension == Decomposition.Dimension.DEPARTMENT and part.get("department") is None:
            raise ApplicationError(_("Choose the department of each part."), field="parts")
        if dimension == Decomposition.Dimension.PERSON and part.get("owner") is None:
            raise ApplicationError(_("Choose the person of each part."), field="parts")
        if (
            dimension == Decomposition.Dimension.PERSON
            and part.get("department") is None
            and owner is not None
            and owner.department
        ):
            department = owner.department
        label = part_label(dimension, part)
        if not label:
            raise ApplicationError(_("Name each part."), field="parts")
        name = f"{goal.name} · {label}"[:200]
        baseline = None
        if measure.baseline is not None and measure.direction == "higher":
            baseline = Decimal(0)
        try:
            child = goal_create(
                actor=actor,
                name=name,
                department=department,
                period=period,
                owner=owner,
                kind=GoalKind.KEY_RESULT if goal.kind == GoalKind.OBJECTIVE else goal.kind,
                goal_type=goal.goal_type,
                parent=goal,
                weight=share.quantize(Decimal("0.01")),
                visibility=goal.visibility,
                sort_order=index,
                description=_("Part of “%(goal)s”: %(share)s%% of %(target)s.")
                % {
                    "goal": goal.name,
                    "share": f"{share.quantize(Decimal('0.01')).normalize():f}",
                    "target": f"{target.normalize():f}",
                },
                measures=[],
            )
        except ApplicationError as exc:
            exc.message = _("Part %(n)s: %(message)s") % {"n": index + 1, "message": exc.message}
            exc.field = "parts"
            raise
        validated_save(
            Measure(
                goal=child,
                name=measure.name,
                unit=measure.unit,
                unit_label=measure.unit_label,
                direction=measure.direction,
                accumulates=measure.accumulates,
                baseline=baseline,
                target=amount,
                source=measure,
                original_target=amount if goal.status == GoalStatus.ACTIVE else None,
            )
        )
        children.append(child)
    _fix_child_weights(children)
    if goal.status == GoalStatus.ACTIVE:
        # Splitting an agreed target is part of executing it: the parts are active at once.
        Goal.objects.filter(pk__in=[c.pk for c in children]).update(status=GoalStatus.ACTIVE)
        for child in children:
            child.status = GoalStatus.ACTIVE
    validated_save(
        Decomposition(
            goal=goal,
            measure=measure,
            dimension=dimension,
            mode=mode,
            created_by=person_of(actor),
            parts=[
                {"label": part_label(dimension, p), "share": f"{s:.2f}", "amount": f"{a}", "goal_id": c.pk}
                for p, s, a, c in zip(parts, shares, amounts, children, strict=True)
            ],
        )
    )
    for child in children:
        rollup_from(child)
    return children


def _fix_child_weights(children: list[Goal]) -> None:
    """Rounded shares (33.33 × 3) are nudged so the children's weights sum to exactly 100."""
    # Every child was created with its share as its weight.
    weights = [c.weight for c in children if c.weight is not None]
    drift = Decimal(100) - sum(weights, Decimal(0))
    last = children[-1]
    if drift and abs(drift) < Decimal("1") and last.weight is not None:
        last.weight += drift
        Goal.objects.filter(pk=last.pk).update(weight=last.weight)
