"""Goal consensus (目标共识, DOMAIN.md §1): a meeting record with minutes and sign-offs.

A manager puts one goal — or a department's set of goals for a period — into consensus,
naming the participants (owner, manager, collaborating departments' representatives) and
writing the minutes. Each participant agrees or objects with a comment. When every required
participant has agreed, the goals become active and their targets are frozen as the
original targets; from then on targets change only through adjustments.

A decomposition's parts can be agreed in one round (`round_goals`: the goal while a draft and its
draft sub-goals). Everyone concerned hears of each step, after commit: a new round asks each
participant to sign off; an objection reaches the goals' owners, their departments' managers and
the other participants; the resolution of an objection (the round withdrawn for revision, or
consensus reached over an optional participant's objection) reaches the objector.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Prefetch
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, validated, validated_save
from lodestar.goals import domain
from lodestar.goals.access import can_manage_goal
from lodestar.goals.closing_rules import check_goal_period_open
from lodestar.goals.models import ConsensusParticipant, ConsensusRecord, Goal, GoalStatus, Measure
from lodestar.goals.rollup import rollup_from
from lodestar.goals.services.goals import sibling_goals, sibling_key
from lodestar.goals.webhooks import emit_goal
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person
from lodestar.org.permissions import can_write, person_of


def _goals_text(goals: list[Goal]) -> str:
    names = [f"“{g.name}”" for g in goals[:3]]
    text = "、".join(names)
    if len(goals) > 3:
        text = _("%(names)s and %(n)s more") % {"names": text, "n": len(goals) - 3}
    return text


def _notify_later(
    recipients: Iterable[Person | None], actor: Person | None, verb: str, title: str, goal: Goal
) -> None:
    people = [p for p in recipients if p is not None]
    url = f"{reverse('goals:detail', args=[goal.pk])}#consensus"
    if people:
        transaction.on_commit(lambda: notify(recipients=people, actor=actor, verb=verb, title=title, url=url))


def round_goals(goal: Goal) -> list[Goal]:
    """The goals one consensus round covers for `goal`'s decomposition: the goal itself while it is
    a draft, and its draft sub-goals (the parts of its decomposition, in their order)."""
    children = list(
        Goal.objects.filter(parent=goal, status=GoalStatus.DRAFT)
        .select_related("owner", "department__manager")
        .order_by("sort_order", "id")
    )
    if not children:
        raise ConflictError(
            _("“%(name)s” has no draft sub-goals to agree.") % {"name": goal.name},
            code="no_draft_children",
            field="include_children",
        )
    return ([goal] if goal.status == GoalStatus.DRAFT else []) + children


def _check_weights_complete(goals: list[Goal]) -> None:
    """Sibling weights must sum to 100% before a set of goals is agreed (60/30/10)."""
    groups: dict = {}
    for goal in goals:
        groups.setdefault(sibling_key(goal), goal)
    for goal in groups.values():
        siblings = sibling_goals(
            parent_id=goal.parent_id,
            period_id=goal.period_id,
            department_id=goal.department_id,
            owner_id=goal.owner_id,
        )
        error = domain.weights_sum_error(list(siblings.values_list("weight", flat=True)))
        if error is not None:
            raise ApplicationError(
                _(
                    "The weights of “%(name)s” and its sibling goals add up to %(total)s%%; they must add up to 100%% "
                    "before consensus."
                )
                % {"name": goal.name, "total": f"{error.normalize():f}"},
                code="weights_not_100",
                field="weight",
            )


@transaction.atomic
def consensus_start(
    *, actor: Actor, goals: list[Goal], participants: list[dict], minutes: str
) -> ConsensusRecord:
    """Open a consensus record. `participants`: [{"person": Person, "required": bool, "role_note": str}]."""
    starter = person_of(actor)
    if starter is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    if not goals:
        raise ApplicationError(_("Choose at least one goal."), field="goal_ids")
    goals = list(
        Goal.objects.select_for_update()
        .select_related("period", "department")
        .filter(pk__in=[g.pk for g in goals])
    )
    for goal in goals:
        if not can_manage_goal(actor, goal):
            raise PermissionDeniedError(
                _("Only an admin or a manager of the goal's department can start consensus.")
            )
        check_goal_period_open(goal)
        if goal.status != GoalStatus.DRAFT:
            raise ConflictError(
                _("“%(name)s” is not a draft, so it cannot go into consensus.") % {"name": goal.name},
                code="not_draft",
                field="goal_ids",
            )
        if not goal.measures.exists() and not goal.children.exists():
            raise ApplicationError(
                _("“%(name)s” has no measure: add at least one before consensus.") % {"name": goal.name},
                code="no_measure",
                field="goal_ids",
            )
    _check_weights_complete(goals)
    people = {p["person"].pk: p for p in participants}
    viewers = [p["person"].display_name for p in people.values() if p["person"].role == "viewer"]
    if viewers:
        raise ApplicationError(
            _("%(names)s can only view, so cannot sign off.") % {"names": "、".join(viewers)},
            field="participants",
        )
    if not people:
        raise ApplicationError(_("Name at least one participant."), field="participants")
    if not any(p.get("required", True) for p in people.values()):
        raise ApplicationError(_("At least one participant must sign off."), field="participants")
    if len(minutes or "") > 20000:
        raise ApplicationError(_("The minutes can be at most 20,000 characters."), field="minutes")
    record = validated_save(ConsensusRecord(minutes=(minutes or "").strip(), started_by=starter))
    record.goals.set(goals)
    ConsensusParticipant.objects.bulk_create(
        [
            # One row per person: `people` is keyed by person.
            validated(
                ConsensusParticipant(
                    record=record,
                    person=p["person"],
                    required=p.get("required", True),
                    role_note=(p.get("role_note") or "")[:60],
                ),
                validate_constraints=False,
            )
            for p in people.values()
        ]
    )
    Goal.objects.filter(pk__in=[g.pk for g in goals]).update(status=GoalStatus.CONSENSUS)
    for goal in goals:
        goal.status = GoalStatus.CONSENSUS
        goal.version += 1
        goal.save(update_fields=["version"])  # records the status change in history
    goals.sort(key=lambda g: g.pk)
    _notify_later(
        [p["person"] for p in people.values()],
        starter,
        "consensus",
        _("%(who)s asks you to sign off %(goals)s")
        % {"who": starter.display_name, "goals": _goals_text(goals)},
        goals[0],
    )
    return record


@transaction.atomic
def consensus_decide(
    *, actor: Actor, record: ConsensusRecord, decision: str, comment: str = ""
) -> ConsensusParticipant:
    """A participant agrees or objects. All required agreements activate the goals."""
    person = person_of(actor)
    if not can_write(actor):
        raise PermissionDeniedError(_("Your role can view but not change data."))
    record = ConsensusRecord.objects.select_for_update().get(pk=record.pk)
    participant = record.participants.filter(person=person).first() if person else None
    if person is None or participant is None:
        # The caller may see the record (the API and pages check that first): 403, not 404.
        raise PermissionDeniedError(
            _("You are not a participant of this consensus."), code="not_a_participant", field="record_id"
        )
    if record.state != ConsensusRecord.State.OPEN:
        raise ConflictError(_("This consensus is already closed."), code="consensus_closed")
    for goal in record.goals.select_related("period", "department"):
        check_goal_period_open(goal)
    if decision not in (ConsensusParticipant.Decision.AGREED, ConsensusParticipant.Decision.OBJECTED):
        raise ApplicationError(_("Choose agree or object."), field="decision")
    comment = (comment or "").strip()
    if decision == ConsensusParticipant.Decision.OBJECTED and not comment:
        raise ApplicationError(
            _("Say why you object, so the owner can revise the goal."), field="comment", code="required"
        )
    participant.decision = decision
    participant.comment = comment[:4000]
    participant.decided_at = timezone.now()
    participant.save()
    if decision == ConsensusParticipant.Decision.OBJECTED:
        goals = _record_goals(record)
        others = [p.person for p in record.participants.select_related("person") if p.person_id != person.pk]
        _notify_later(
            others + _owners_and_managers(goals),
            person,
            "objection",
            _("%(who)s objects to %(goals)s: %(comment)s")
            % {"who": person.display_name, "goals": _goals_text(goals), "comment": participant.comment},
            goals[0],
        )
    pending = record.participants.filter(required=True).exclude(decision=ConsensusParticipant.Decision.AGREED)
    if not pending.exists():
        _activate(record)
        goals = _record_goals(record)
        _notify_later(
            _objectors(record),
            person,
            "resolved",
            _("Consensus on %(goals)s was reached over your objection; the goals are active.")
            % {"goals": _goals_text(goals)},
            goals[0],
        )
    return participant


def _record_goals(record: ConsensusRecord) -> list[Goal]:
    return list(record.goals.select_related("owner", "department__manager").order_by("id"))


def _owners_and_managers(goals: list[Goal]) -> list[Person | None]:
    return [g.owner for g in goals] + [g.department.manager for g in goals]


def _objectors(record: ConsensusRecord) -> list[Person]:
    return [
        p.person
        for p in record.participants.select_related("person").filter(
            decision=ConsensusParticipant.Decision.OBJECTED
        )
    ]


def _activate(record: ConsensusRecord) -> None:
    record.state = ConsensusRecord.State.AGREED
    record.completed_at = timezone.now()
    record.save(update_fields=["state", "completed_at", "updated_at"])
    goals = list(record.goals.all())
    for goal in goals:
        goal.status = GoalStatus.ACTIVE
        goal.version += 1
        goal.save(update_fields=["status", "version", "updated_at"])
    for measure in Measure.objects.filter(goal__in=goals, original_target__isnull=True):
        measure.original_target = measure.target
        measure.save(update_fields=["original_target"])
    for goal in goals:
        rollup_from(goal)
        emit_goal("goal.changed", goal)  # draft → active


@transaction.atomic
def consensus_withdraw(*, actor: Actor, record: ConsensusRecord) -> ConsensusRecord:
    """Withdraw an open consensus (e.g. after an objection): the goals return to draft for revision."""
    record = ConsensusRecord.objects.select_for_update().get(pk=record.pk)
    goals = list(record.goals.select_related("department"))
    if not all(can_manage_goal(actor, g) for g in goals):
        raise PermissionDeniedError(_("Only an admin or a manager of the goal's department can do this."))
    if record.state != ConsensusRecord.State.OPEN:
        raise ConflictError(_("This consensus is already closed."), code="consensus_closed")
    for goal in goals:
        check_goal_period_open(goal)
    record.state = ConsensusRecord.State.WITHDRAWN
    record.completed_at = timezone.now()
    record.save(update_fields=["state", "completed_at", "updated_at"])
    for goal in goals:
        goal.status = GoalStatus.DRAFT
        goal.version += 1
        goal.save(update_fields=["status", "version", "updated_at"])
    person = person_of(actor)
    goals = _record_goals(record)
    _notify_later(
        _objectors(record),
        person,
        "resolved",
        _(
            "%(who)s withdrew the consensus on %(goals)s after your objection: the goals are drafts again, to be revised."
        )
        % {"who": person.display_name if person else "", "goals": _goals_text(goals)},
        goals[0],
    )
    return record


@dataclass
class HeldRound:
    """An open round taken back while its goals are revised (see `consensus_hold`)."""

    record: ConsensusRecord
    goal_ids: list[int]
    participants: list[dict]
    objectors: list[Person]
    objections: list[str]  # "刘洋：“400万太高”", for the revised round's minutes


def open_records_of(goal_ids: Iterable[int]) -> list[ConsensusRecord]:
    """The open consensus rounds that cover any of these goals, oldest first."""
    return list(
        ConsensusRecord.objects.filter(state=ConsensusRecord.State.OPEN, goals__in=list(goal_ids))
        .distinct()
        .order_by("pk")
    )


@transaction.atomic
def consensus_hold(*, actor: Actor, record: ConsensusRecord) -> HeldRound:
    """Take an open round back to revise its goals (a re-split after an objection).

    The record is closed as withdrawn and its goals are drafts again, as a withdrawal does, but
    nobody is notified yet: `consensus_resume` opens the revised round in the same transaction and
    tells the objectors their objection was answered.
    """
    record = ConsensusRecord.objects.select_for_update().get(pk=record.pk)
    if record.state != ConsensusRecord.State.OPEN:
        raise ConflictError(_("This consensus is already closed."), code="consensus_closed")
    goals = list(record.goals.select_related("department").order_by("id"))
    if not all(can_manage_goal(actor, g) for g in goals):
        raise PermissionDeniedError(_("Only an admin or a manager of the goal's department can do this."))
    for goal in goals:
        check_goal_period_open(goal)
    participants = [
        {"person": p.person, "required": p.required, "role_note": p.role_note}
        for p in record.participants.select_related("person").order_by("id")
    ]
    objectors = _objectors(record)
    objections = [
        f"{p.person.display_name}：“{p.comment}”"
        for p in record.participants.select_related("person").filter(
            decision=ConsensusParticipant.Decision.OBJECTED
        )
    ]
    record.state = ConsensusRecord.State.WITHDRAWN
    record.completed_at = timezone.now()
    record.save(update_fields=["state", "completed_at", "updated_at"])
    for goal in goals:
        goal.status = GoalStatus.DRAFT
        goal.version += 1
        goal.save(update_fields=["status", "version", "updated_at"])
    return HeldRound(record, [g.pk for g in goals], participants, objectors, objections)


@transaction.atomic
def consensus_resume(*, actor: Actor, held: HeldRound, goals: list[Goal], note: str) -> ConsensusRecord:
    """Open the revised round of a held one: its participants (their decisions cleared) and the
    default participants of goals it did not cover sign off the revised goals; the minutes keep the
    earlier ones with `note` (what was revised) added; whoever objected hears the goals were revised."""
    known = {p["person"].pk for p in held.participants}
    added = [
        {"person": person, "required": True, "role_note": ""}
        for person in default_participants_of([g for g in goals if g.pk not in held.goal_ids])
        if person.pk not in known and person.role != "viewer"
    ]
    if held.objections:
        note = _("Answering the objections of %(objections)s. %(note)s") % {
            "objections": "；".join(held.objections),
            "note": note.strip(),
        }
    minutes = "\n\n".join(part for part in (held.record.minutes, note.strip()) if part)[:20000]
    record = consensus_start(
        actor=actor, goals=goals, participants=held.participants + added, minutes=minutes
    )
    person = person_of(actor)
    _notify_later(
        held.objectors,
        person,
        "resolved",
        _("%(who)s revised %(goals)s after your objection; please sign off the revised goals.")
        % {"who": person.display_name if person else "", "goals": _goals_text(goals)},
        goals[0],
    )
    return record


def default_participants(goal: Goal) -> list[Person]:
    """Owner, the department's manager, and each collaborating department's manager."""
    return default_participants_of([goal])


def default_participants_of(goals: list[Goal]) -> list[Person]:
    """`default_participants` of several goals (one round), each person once."""
    order = {goal.pk: index for index, goal in enumerate(goals)}
    loaded = sorted(
        Goal.objects.filter(pk__in=order)
        .select_related("owner", "department__manager")
        .prefetch_related(
            Prefetch("collaborating_departments", queryset=Department.objects.select_related("manager"))
        ),
        key=lambda goal: order[goal.pk],
    )  # a constant number of queries, however many goals a round covers
    people: list[Person | None] = []
    for goal in loaded:
        people += [goal.owner, goal.department.manager]
        people += [d.manager for d in goal.collaborating_departments.all()]
    seen, result = set(), []
    for person in people:
        if person is not None and person.pk not in seen:
            seen.add(person.pk)
            result.append(person)
    return result
