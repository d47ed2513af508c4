"""Decomposition (目标拆解, DOMAIN.md §2): split a goal's target along one dimension at a time.

Parts are percentages that must sum to 100% or amounts that must sum to the target. Each
part becomes a child goal with one measure whose target is the part's amount and whose
`source` is the parent's measure, so the parts' current values add up to the parent's.
The parent's challenge target (挑战目标) is shared by the parts in proportion.

A goal that is already split is re-split by editing that split (re-decomposition): a part that
names its sub-goal (`goal_id`) keeps it — its id, check-ins and items — with a new share; a part
without one is added; a sub-goal of the split that no part names is removed. Removal soft-deletes
a draft (or in-consensus) part with nothing recorded on it (an admin can restore it from the
trash); a part with check-ins, action items or sub-goals, or an active one, is refused with the
reason — it is cancelled on its own page, which keeps its records. Every split and revision is
kept as a `Decomposition` row (its history); changed targets are written with the reason in the
measures' history. A round of consensus open on the split is re-opened for the revised parts
(the objection is answered by the revision). Everything happens in one transaction, or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Prefetch, Q
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, bump_version, validated_save
from lodestar.core.softdelete import mark_deleted
from lodestar.goals import domain
from lodestar.goals.access import can_manage_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import Decomposition, Goal, GoalKind, GoalStatus, Measure, MeasureUnit
from lodestar.goals.rollup import recompute_measure, rollup_from
from lodestar.goals.services import consensus
from lodestar.goals.services.common import measure_places, to_decimal
from lodestar.goals.services.goals import goal_create
from lodestar.org.models import Department, Person
from lodestar.org.permissions import person_of

MAX_PARTS = 60
CENT = Decimal("0.01")


def part_label(dimension: str, part: dict) -> str:
    label = (part.get("label") or "").strip()
    if label:
        return label
    for key in ("department", "owner", "period"):
        if part.get(key) is not None:
            return str(part[key].display_name if key == "owner" else part[key].name)
    return ""


def name_figures(measure: Measure) -> list[Decimal]:
    """The figures of `measure` a part's name leaves out (target, challenge, original; in 万 too)."""
    values = [v for v in (measure.target, measure.challenge, measure.original_target) if v is not None]
    if measure.unit == MeasureUnit.WAN_YUAN:
        values += [v * 10000 for v in values]
    return values


@dataclass(frozen=True)
class SplitPart:
    """One part of a split as it stands: its sub-goal and the sub-goal's measure of the split."""

    goal: Goal
    measure: Measure


def split_parts(goal: Goal, measure: Measure) -> list[SplitPart]:
    """The live parts of `goal`'s split of `measure`, in their order (two queries)."""
    children = (
        Goal.objects.filter(parent=goal, measures__source=measure)
        .exclude(status=GoalStatus.CANCELLED)
        .select_related("owner", "department", "period")
        .prefetch_related(
            Prefetch("measures", queryset=Measure.objects.filter(source=measure), to_attr="split")
        )
        .distinct()
        .order_by("sort_order", "id")
    )
    return [SplitPart(child, child.split[0]) for child in children]


def split_measure_of(goal: Goal) -> Measure | None:
    """The measure `goal`'s latest split divides (its first measure when it was never split)."""
    record = (
        Decomposition.objects.filter(goal=goal, measure__isnull=False).order_by("-created_at", "-id").first()
    )
    if record is not None and record.measure is not None and record.measure.goal_id == goal.pk:
        return record.measure
    return goal.measures.first()


def _labels(goal: Goal) -> dict[int, str]:
    """Each part's label in the latest split (goal id → label), to tell generated names from typed ones."""
    record = Decomposition.objects.filter(goal=goal).order_by("-created_at", "-id").first()
    return {p["goal_id"]: p.get("label", "") for p in (record.parts if record else []) if p.get("goal_id")}


def _description(goal: Goal, share: Decimal, target: Decimal) -> str:
    return _("Part of “%(goal)s”: %(share)s%% of %(target)s.") % {
        "goal": goal.name,
        "share": f"{share.quantize(CENT).normalize():f}",
        "target": f"{target.normalize():f}",
    }


def _split_values(measure: Measure, mode: str, parts: list[dict]) -> tuple[list[Decimal], list[Decimal]]:
    """(amounts, shares) of the parts, by the domain's sum rules."""
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
        return amounts, shares
    # The parts must add up to the target as stored: no more places than its column keeps.
    places = measure_places("target")
    amounts = [to_decimal(p.get("amount"), "parts", required=True, places=places) for p in parts]
    if any(a <= 0 for a in amounts):
        raise ApplicationError(_("Every amount must be above 0."), field="parts")
    total = domain.amounts_sum_error(amounts, target)
    if total is not None:
        raise ApplicationError(
            _("The amounts add up to %(total)s, not to the target %(target)s.")
            % {"total": f"{total.normalize():f}", "target": f"{target.normalize():f}"},
            code="parts_not_target",
            field="parts",
        )
    return amounts, [a / target * 100 for a in amounts]


def _removal_refusal(child: Goal) -> str | None:
    """Why a part cannot leave the split, or None when it can go to the trash."""
    counts = Goal.objects.filter(pk=child.pk).aggregate(
        items=Count("items", filter=Q(items__deleted_at__isnull=True), distinct=True),
        subgoals=Count("children", filter=Q(children__deleted_at__isnull=True), distinct=True),
        checkins=Count(
            "measures__check_ins", filter=Q(measures__check_ins__deleted_at__isnull=True), distinct=True
        ),
    )
    if counts["checkins"] or counts["items"] or counts["subgoals"]:
        return _(
            "“%(name)s” has records (check-ins: %(checkins)s, action items: %(items)s, sub-goals: %(subgoals)s), "
            "so it cannot be removed from the split: keep it with a share, or cancel it on its page (its records stay)."
        ) % {"name": child.name, **counts}
    if child.status not in (GoalStatus.DRAFT, GoalStatus.CONSENSUS):
        return _(
            "“%(name)s” is %(status)s: cancel it on its page instead of removing it (its history stays)."
        ) % {
            "name": child.name,
            "status": child.get_status_display(),
        }
    return None


@transaction.atomic
def goal_decompose(
    *,
    actor: Actor,
    goal: Goal,
    dimension: str,
    measure: Measure | None,
    mode: str,
    parts: list[dict],
    reason: str = "",
) -> list[Goal]:
    """Split a goal's target, or revise its split; returns the parts' goals in the parts' order.

    `parts`: [{"goal_id" (an existing part, else None), "label", "share" | "amount", "owner",
    "department", "period"}]. An existing part keeps its owner, department and period.
    """
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
    check_goal_period_open(goal)
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
        measure = split_measure_of(goal)
    if measure is None or measure.goal_id != goal.pk:
        raise ApplicationError(_("Choose the measure whose target is split."), field="measure_id")
    amounts, shares = _split_values(measure, mode, parts)
    places = max(2, min(4, -min(0, int(measure.target.normalize().as_tuple().exponent))))
    challenges = domain.part_challenges(measure.target, measure.challenge, amounts, places=places)
    reason = (reason or "").strip()[:300]
    parts_now = {part.goal.pk: part for part in split_parts(goal, measure)}
    existing = {pk: part.goal for pk, part in parts_now.items()}
    kept = _kept_parts(parts, existing)
    removed = [child for pk, child in existing.items() if pk not in kept.values()]
    for child in removed:
        refusal = _removal_refusal(child)
        if refusal:
            raise ConflictError(refusal, code="part_has_records", field="parts")
    figures = name_figures(measure)
    labels = _labels(goal) if existing else {}
    changes, notes = {}, []
    for index, child in ((i, existing[pk]) for i, pk in kept.items()):
        change = _part_change(parts_now[child.pk], parts[index], amounts[index], challenges[index])
        change["weight"] = shares[index].quantize(CENT)
        change["name"] = _renamed(
            goal, child, labels.get(child.pk), part_label(dimension, parts[index]), figures
        )
        if change["changed"] or change["weight"] != child.weight or change["name"] != child.name:
            changes[index] = change
            notes.append(
                _("%(part)s %(old)s%% → %(new)s%%")
                % {
                    "part": part_label(dimension, parts[index]) or child.name,
                    "old": f"{(child.weight or Decimal(0)).normalize():f}",
                    "new": f"{change['weight'].normalize():f}",
                }
            )
    if (
        any(c["changed"] and existing[kept[i]].status == GoalStatus.ACTIVE for i, c in changes.items())
        and not reason
    ):
        raise ApplicationError(
            _("Say why the targets of active parts change: the reason is kept in their history."),
            field="reason",
            code="required",
        )
    revising = bool(existing)
    notes += [_("%(part)s removed") % {"part": c.name} for c in removed]
    notes += [
        _("%(part)s added") % {"part": part_label(dimension, parts[i])}
        for i in range(len(parts))
        if i not in kept
    ]
    held = []
    if revising and (changes or removed or len(kept) < len(parts)):
        for record in consensus.open_records_of([goal.pk, *existing]):
            held.append(consensus.consensus_hold(actor=actor, record=record))
    person = person_of(actor)
    for child in removed:
        child._change_reason = (reason or _("removed from the split"))[:100]
        mark_deleted(child, actor=actor, person=person)
    children: list[Goal | None] = [None] * len(parts)
    for index, change in changes.items():
        _apply_change(goal, parts_now[kept[index]], change, index, shares[index], measure.target, reason)
    for index, pk in kept.items():
        children[index] = existing[pk]
    for index, part in enumerate(parts):
        if index not in kept:
            children[index] = _create_part(
                actor,
                goal,
                measure,
                dimension,
                part,
                index,
                amounts[index],
                challenges[index],
                shares[index],
                figures,
            )
    created = [c for c in children if c is not None]
    _fix_child_weights(created)
    validated_save(
        Decomposition(
            goal=goal,
            measure=measure,
            dimension=dimension,
            mode=mode,
            created_by=person,
            reason=reason,
            parts=[
                {"label": part_label(dimension, p), "share": f"{s:.2f}", "amount": f"{a}", "goal_id": c.pk}
                for p, s, a, c in zip(parts, shares, amounts, created, strict=True)
            ],
        )
    )
    for child in created:
        rollup_from(child)
    if removed:
        recompute_measure(measure)
        rollup_from(goal)
    _resume(actor, held, goal, created, removed, "；".join(str(n) for n in notes), reason)
    return created


def _kept_parts(parts: list[dict], existing: dict[int, Goal]) -> dict[int, int]:
    """Part index → the existing sub-goal it keeps."""
    kept: dict[int, int] = {}
    for index, part in enumerate(parts):
        goal_id = part.get("goal_id")
        if goal_id in (None, ""):
            continue
        try:
            goal_id = int(goal_id)
        except (TypeError, ValueError):
            goal_id = -1
        if goal_id not in existing or goal_id in kept.values():
            raise ApplicationError(
                _("Part %(n)s: it is not a part of this goal's split (reload the page).") % {"n": index + 1},
                code="unknown_part",
                field="parts",
            )
        kept[index] = goal_id
    return kept


def _part_change(now: SplitPart, part: dict, amount: Decimal, challenge: Decimal | None) -> dict:
    """What a re-split changes of a kept part's measure (its place stays: owner, department, period)."""
    child, m = now.goal, now.measure
    for key, current in (("owner", child.owner), ("department", child.department), ("period", child.period)):
        if part.get(key) is not None and part[key] != current:
            raise ApplicationError(
                _("“%(name)s” keeps its owner, department and period in a re-split: change them on its page.")
                % {"name": child.name},
                code="part_moved",
                field="parts",
            )
    changed = amount != m.target or challenge != m.challenge
    if changed and m.adjustments.filter(status="pending").exists():
        raise ConflictError(
            _("“%(name)s” has a pending target adjustment: decide it before re-splitting.")
            % {"name": child.name},
            code="adjustment_pending",
            field="parts",
        )
    return {"changed": changed, "target": amount, "challenge": challenge}


def _renamed(goal: Goal, child: Goal, old_label: str | None, label: str, figures: list[Decimal]) -> str:
    """A part's name follows its label when it is the generated one; a name typed by hand stays."""
    old_label = old_label if old_label is not None else child.name.rsplit(" · ", 1)[-1]
    generated = {f"{goal.name} · {old_label}"[:200], domain.part_goal_name(goal.name, old_label, figures)}
    if child.name in generated and label:
        return domain.part_goal_name(goal.name, label, figures)
    return child.name


def _apply_change(
    goal: Goal, now: SplitPart, change: dict, index: int, share: Decimal, target: Decimal, reason: str
) -> None:
    child = now.goal
    why = (reason or _("re-split of “%(goal)s”") % {"goal": goal.name})[:100]
    if child.description == _description(goal, child.weight or Decimal(0), target):  # the generated one
        child.description = _description(goal, share, target)
    child.weight, child.name, child.sort_order = change["weight"], change["name"], index
    bump_version(child)
    child._change_reason = why
    child.full_clean(exclude=["collaborating_departments"])
    # Only the split's fields: a held consensus round has just changed the status in the database.
    child.save(update_fields=["weight", "name", "sort_order", "description", "version", "updated_at"])
    if change["changed"]:
        m = now.measure
        m.target, m.challenge = change["target"], change["challenge"]
        m.version += 1
        m._change_reason = why
        m.full_clean()
        m.save(update_fields=["target", "challenge", "version", "updated_at"])


def _create_part(
    actor: Actor,
    goal: Goal,
    measure: Measure,
    dimension: str,
    part: dict,
    index: int,
    amount: Decimal,
    challenge: Decimal | None,
    share: Decimal,
    figures: list[Decimal],
) -> Goal:
    period: Period = part.get("period") or goal.period
    department: Department = part.get("department") or goal.department
    owner: Person | None = part.get("owner") or (department.manager if part.get("department") else goal.owner)
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
    baseline = None
    if measure.baseline is not None and measure.direction == "higher":
        baseline = Decimal(0)
    try:
        child = goal_create(
            actor=actor,
            name=domain.part_goal_name(goal.name, label, figures),
            department=department,
            period=period,
            owner=owner,
            kind=GoalKind.KEY_RESULT if goal.kind == GoalKind.OBJECTIVE else goal.kind,
            goal_type=goal.goal_type,
            parent=goal,
            weight=share.quantize(CENT),
            visibility=goal.visibility,
            sort_order=index,
            description=_description(goal, share, measure.target),
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
            challenge=challenge,
            source=measure,
            original_target=amount if goal.status == GoalStatus.ACTIVE else None,
        )
    )
    if goal.status == GoalStatus.ACTIVE:
        # Splitting an agreed target is part of executing it: the parts are active at once.
        Goal.objects.filter(pk=child.pk).update(status=GoalStatus.ACTIVE)
        child.status = GoalStatus.ACTIVE
    return child


def _resume(
    actor: Actor,
    held: list[consensus.HeldRound],
    goal: Goal,
    children: list[Goal],
    removed: list[Goal],
    notes: str,
    reason: str,
) -> None:
    """Re-open each held round on the revised split: its goals less the removed parts, plus the new ones."""
    gone = {c.pk for c in removed}
    for round_ in held:
        covered = set(round_.goal_ids) - gone
        covered |= {c.pk for c in children if c.status == GoalStatus.DRAFT}
        goals = list(Goal.objects.filter(pk__in=covered).order_by("sort_order", "id"))
        if not goals:
            continue
        note = _("Split revised: %(changes)s.") % {"changes": notes}
        if reason:
            note += " " + _("Reason: %(reason)s") % {"reason": reason}
        consensus.consensus_resume(actor=actor, held=round_, goals=goals, note=note)


def _fix_child_weights(children: list[Goal]) -> None:
    """Rounded shares (33.33 × 3) are nudged so the children's weights sum to exactly 100."""
    # Every child was created with its share as its weight.
    weights = [c.weight for c in children if c.weight is not None]
    drift = Decimal(100) - sum(weights, Decimal(0))
    last = children[-1]
    if drift and abs(drift) < Decimal("1") and last.weight is not None:
        last.weight += drift
        Goal.objects.filter(pk=last.pk).update(weight=last.weight)
