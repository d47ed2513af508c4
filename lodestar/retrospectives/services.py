"""Writing retrospectives: open (pre-filled from the snapshot), the team's table, the 5-why chain, the
improvement plan and its promotion into the next period, complete, sign off, reopen, comments and
attachments, and the cadence worker's `open_due_for_closing`.

Every service is keyword-only, runs in one transaction and raises the project's ApplicationError types.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.domain.periods import fiscal_year_of
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.execution.models import Phase
from lodestar.execution.services import comments as execution_comments
from lodestar.execution.services.items import item_create
from lodestar.goals.closing_rules import check_period_open
from lodestar.goals.models import Goal, GoalStatus, PeriodClosing
from lodestar.goals.services.goals import goal_create
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person
from lodestar.org.periods_services import period_generate_fiscal_year
from lodestar.org.permissions import is_admin, person_of, require_person
from lodestar.retrospectives import access, domain, selectors
from lodestar.retrospectives.models import (
    Cadence,
    ImprovementAction,
    Retrospective,
    RetrospectiveAttachment,
    RetrospectiveComment,
    Scope,
    Status,
    Why,
)
from lodestar.retrospectives.webhooks import emit_completed

MAX_WHYS = 10
TEXT_LIMIT = 4000


def _person(actor: Actor) -> Person:
    person = require_person(actor)
    if person is None:
        raise PermissionDeniedError(_("Your account is not linked to a person in the organisation."))
    return person


def _url(retrospective: Retrospective) -> str:
    return f"/retrospectives/{retrospective.pk}/"


def _notify_on_commit(
    people: Iterable[Person | None], actor: Person | None, verb: str, title: str, retrospective: Retrospective
) -> None:
    recipients = [p for p in people if p is not None]
    if recipients:
        url = _url(retrospective)
        transaction.on_commit(
            lambda: notify(recipients=recipients, actor=actor, verb=verb, title=title, url=url)
        )


def _locked(retrospective: Retrospective) -> Retrospective:
    locked = (
        Retrospective.objects.select_for_update(of=("self",))
        .select_related("goal__owner", "goal__department", "department__manager", "period", "owner")
        .get(pk=retrospective.pk)
    )
    return locked


def _require_edit(actor: Actor, retrospective: Retrospective) -> None:
    if not access.can_edit_retrospective(actor, retrospective):
        if retrospective.status != Status.OPEN:
            raise ConflictError(
                _("This retrospective is completed: reopen it to change it."), code="retrospective_completed"
            )
        raise PermissionDeniedError(_("You may view this retrospective but not change it."))


def _text(value: str | None, field: str, *, limit: int = TEXT_LIMIT, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("This field is required."), field=field, code="required")
    if len(value) > limit:
        raise ApplicationError(
            _("Enter at most %(max)s characters.") % {"max": limit}, field=field, code="too_long"
        )
    return value


def _title(goal: Goal | None, department: Department, phase: Phase | None, period: Period) -> str:
    subject = phase.name if phase is not None else (goal.name if goal is not None else department.name)
    return f"{period.label} · {subject}"[:200]


# --- open -------------------------------------------------------------------------------------


def _existing(
    scope: str,
    goal: Goal | None,
    department: Department | None,
    phase: Phase | None,
    period: Period,
    cadence: str,
) -> Retrospective | None:
    qs = Retrospective.objects.filter(scope=scope, period=period, cadence=cadence)
    if scope == Scope.GOAL:
        return qs.filter(goal=goal).first()
    if scope == Scope.PHASE:
        return qs.filter(phase=phase).first()
    return qs.filter(department=department).first()


def _headline(headline: dict) -> dict:
    """The prefill's headline strings as the model's decimals, rates rounded to their stored places."""
    values = {k: (Decimal(v) if v is not None else None) for k, v in headline.items()}
    for key in ("achievement_rate", "original_achievement_rate"):
        values[key] = domain.stored_rate(values.get(key))
    return values


@transaction.atomic
def retrospective_open(
    *,
    actor: Actor,
    period: Period,
    goal: Goal | None = None,
    department: Department | None = None,
    phase: Phase | None = None,
    cadence: str | None = None,
    owner: Person | None = None,
    due: dt.date | None = None,
    title: str = "",
) -> Retrospective:
    """Open a retrospective of a goal, a department's goal set or a campaign phase for a period, with the
    seeds' table pre-filled from the period's snapshot (frozen: later changes to the goal do not alter it).

    `actor` None is the cadence worker. A second one for the same subject, period and cadence → 409."""
    chosen = [x for x in (goal, phase) if x is not None]
    if len(chosen) > 1:
        raise ApplicationError(_("Choose a goal or a campaign phase, not both."), field="goal_id")
    if goal is not None:
        scope, department = Scope.GOAL, goal.department
    elif phase is not None:
        scope, department = Scope.PHASE, phase.department
    elif department is not None:
        scope = Scope.DEPARTMENT
    else:
        raise ApplicationError(
            _("Choose the goal, department or campaign phase to review."), field="goal_id", code="required"
        )
    cadence = cadence or domain.cadence_of(period.kind) or Cadence.QUARTER
    if cadence not in Cadence.values:
        raise ApplicationError(_("Choose a valid cadence."), field="cadence")
    person = None
    if actor is not None:
        person = _person(actor)
        allowed = (
            access.can_open_for_goal(actor, goal)
            if goal is not None
            else access.can_open_for_department(actor, department)
        )
        if not allowed:
            raise PermissionDeniedError(
                _(
                    "Only the goal's owner, a manager of its department or an admin can open its retrospective."
                )
            )
    if _existing(scope, goal, department, phase, period, cadence) is not None:
        raise ConflictError(
            _("A retrospective of this for this period and cadence already exists."),
            code="retrospective_exists",
            field="period_id",
        )
    if owner is None:
        owner = (goal.owner if goal is not None else None) or department.manager or person
    if owner is None:
        raise ApplicationError(_("Choose who owns the retrospective."), field="owner_id", code="required")
    filled = selectors.prefill(goal=goal, department=department, phase=phase, period=period)
    headline = filled["headline"]
    retrospective = Retrospective(
        scope=scope,
        goal=goal,
        department=department,
        phase=phase,
        period=period,
        cadence=cadence,
        title=_text(title, "title", limit=200) or _title(goal, department, phase, period),
        owner=owner,
        due=due or domain.due_date(period.end, cadence, opened_on=timezone.localdate()),
        figures=filled["figures"],
        snapshot_taken_at=(
            dt.datetime.fromisoformat(filled["figures"]["taken_at"])
            if filled["figures"]["taken_at"]
            else None
        ),
        created_by=person,
        **_headline(headline),
    )
    validated_save(retrospective, validate_constraints=False)
    if person is None or owner.pk != person.pk:
        _notify_on_commit(
            [owner],
            person,
            "retrospective_opened",
            _("Retrospective due %(due)s: “%(title)s”")
            % {"due": retrospective.due, "title": retrospective.title},
            retrospective,
        )
    return retrospective


# --- the team's table -------------------------------------------------------------------------

EDITABLE = ("title", "highlights", "problems", "root_cause", "owner", "due")


@transaction.atomic
def retrospective_update(
    *, actor: Actor, retrospective: Retrospective, version: int | None, **fields: Any
) -> Retrospective:
    retrospective = _locked(retrospective)
    _require_edit(actor, retrospective)
    check_version(retrospective, version)
    for key, value in fields.items():
        if key not in EDITABLE:
            raise ApplicationError(_("This field cannot be changed."), field=key)
        if key in ("owner", "due"):
            if value is None:
                raise ApplicationError(
                    _("This field cannot be empty."), field=f"{key}_id" if key == "owner" else key
                )
            if (
                key == "owner"
                and value.pk != retrospective.owner_id
                and not access.can_manage_retrospective(actor, retrospective)
            ):
                raise PermissionDeniedError(
                    _("Only a manager of the department can hand it to someone else.")
                )
            setattr(retrospective, key, value)
        elif key == "title":
            retrospective.title = _text(value, "title", limit=200, required=True)
        else:
            setattr(retrospective, key, _text(value, key))
    bump_version(retrospective)
    retrospective.save()
    return retrospective


# --- 5 whys -------------------------------------------------------------------------------------


def _why_texts(question: str | None, answer: str | None) -> tuple[str, str]:
    return (
        _text(question, "question", limit=300, required=True),
        _text(answer, "answer", limit=300, required=True),
    )


@transaction.atomic
def why_add(*, actor: Actor, retrospective: Retrospective, question: str, answer: str) -> Why:
    retrospective = _locked(retrospective)
    _require_edit(actor, retrospective)
    question, answer = _why_texts(question, answer)
    last = retrospective.whys.aggregate(last=Max("position"))["last"] or 0
    if last >= MAX_WHYS:
        raise ApplicationError(
            _("A chain has at most %(max)s steps.") % {"max": MAX_WHYS}, field="position", code="too_many"
        )
    return validated_save(
        Why(retrospective=retrospective, position=last + 1, question=question, answer=answer),
        validate_constraints=False,
    )


@transaction.atomic
def why_update(*, actor: Actor, why: Why, question: str | None = None, answer: str | None = None) -> Why:
    retrospective = _locked(why.retrospective)
    _require_edit(actor, retrospective)
    why = Why.objects.select_for_update().get(pk=why.pk)
    why.question, why.answer = _why_texts(
        why.question if question is None else question, why.answer if answer is None else answer
    )
    why.save(update_fields=["question", "answer"])
    return why


def _renumber(retrospective: Retrospective, ordered: list[Why]) -> None:
    # Two passes so the unique (retrospective, position) never collides.
    offset = 1000
    for index, why in enumerate(ordered, start=1):
        Why.objects.filter(pk=why.pk).update(position=offset + index)
    for index, why in enumerate(ordered, start=1):
        Why.objects.filter(pk=why.pk).update(position=index)
        why.position = index


@transaction.atomic
def why_delete(*, actor: Actor, why: Why) -> None:
    retrospective = _locked(why.retrospective)
    _require_edit(actor, retrospective)
    why.delete()
    _renumber(retrospective, list(retrospective.whys.order_by("position")))


@transaction.atomic
def why_reorder(*, actor: Actor, retrospective: Retrospective, why_ids: list[int]) -> list[Why]:
    retrospective = _locked(retrospective)
    _require_edit(actor, retrospective)
    whys = {w.pk: w for w in retrospective.whys.all()}
    if sorted(why_ids) != sorted(whys):
        raise ApplicationError(_("Give every step of the chain exactly once."), field="why_ids")
    ordered = [whys[pk] for pk in why_ids]
    _renumber(retrospective, ordered)
    return ordered


@transaction.atomic
def why_move(*, actor: Actor, why: Why, position: int) -> list[Why]:
    """Move one step to `position` (1-based) of its chain."""
    ordered = list(why.retrospective.whys.order_by("position"))
    ids = [w.pk for w in ordered if w.pk != why.pk]
    position = max(1, min(position, len(ordered)))
    ids.insert(position - 1, why.pk)
    return why_reorder(actor=actor, retrospective=why.retrospective, why_ids=ids)


# --- improvement plan ------------------------------------------------------------------------


def _action_fields(
    title: str | None, owner: Person | None, due: dt.date | None, promote_as: str | None
) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if title is not None:
        data["title"] = _text(title, "title", limit=200, required=True)
    if owner is not None:
        data["owner"] = owner
    if due is not None:
        data["due"] = due
    if promote_as is not None:
        if promote_as not in ("", *ImprovementAction.PromoteAs.values):
            raise ApplicationError(_("Choose item or goal."), field="promote_as")
        data["promote_as"] = promote_as
    return data


@transaction.atomic
def action_add(
    *,
    actor: Actor,
    retrospective: Retrospective,
    title: str,
    owner: Person | None,
    due: dt.date | None,
    promote_as: str = "",
) -> ImprovementAction:
    retrospective = _locked(retrospective)
    _require_edit(actor, retrospective)
    if owner is None:
        raise ApplicationError(_("Choose who is responsible."), field="owner_id", code="required")
    if due is None:
        raise ApplicationError(_("Give a deadline."), field="due", code="required")
    data = _action_fields(title, owner, due, promote_as)
    last = retrospective.actions.aggregate(last=Max("position"))["last"] or 0
    action = validated_save(ImprovementAction(retrospective=retrospective, position=last + 1, **data))
    _notify_on_commit(
        [owner],
        person_of(actor),
        "assigned",
        _("Improvement action for you: “%(title)s”") % {"title": action.title},
        retrospective,
    )
    return action


@transaction.atomic
def action_update(
    *,
    actor: Actor,
    action: ImprovementAction,
    version: int | None = None,
    title: str | None = None,
    owner: Person | None = None,
    due: dt.date | None = None,
    promote_as: str | None = None,
    status: str | None = None,
) -> ImprovementAction:
    retrospective = action.retrospective
    action = ImprovementAction.objects.select_for_update().get(pk=action.pk)
    # The plan's follow-up (marking a promoted action done) stays possible after completion.
    if status is not None and title is None and owner is None and due is None and promote_as is None:
        if not access.can_follow_up_action(actor, action):
            raise PermissionDeniedError(_("You may view this retrospective but not change it."))
    else:
        _require_edit(actor, retrospective)
    check_version(action, version)
    data = _action_fields(title, owner, due, promote_as)
    if (
        action.status == ImprovementAction.ActionStatus.PROMOTED
        and "promote_as" in data
        and data["promote_as"] != action.promote_as
    ):
        raise ConflictError(_("This action is already in next period's work."), field="promote_as")
    if status is not None:
        if status not in ImprovementAction.ActionStatus.values:
            raise ApplicationError(_("Choose a valid status."), field="status")
        if status == ImprovementAction.ActionStatus.PROMOTED and not (action.item_id or action.goal_id):
            raise ApplicationError(_("Promote the action to set this status."), field="status")
        data["status"] = status
    for key, value in data.items():
        setattr(action, key, value)
    bump_version(action)
    action.save()
    return action


@transaction.atomic
def action_delete(*, actor: Actor, action: ImprovementAction) -> None:
    _require_edit(actor, action.retrospective)
    if action.status == ImprovementAction.ActionStatus.PROMOTED:
        raise ConflictError(
            _("This action is already in next period's work; delete the item or goal instead."),
            code="action_promoted",
        )
    action.delete()


def next_period(period: Period) -> Period | None:
    """The period of the same kind that starts the day after `period` ends."""
    return (
        Period.objects.filter(kind=period.kind, start=domain.next_period_start(period.end))
        .order_by("id")
        .first()
    )


def next_period_fiscal_year(period: Period) -> int | None:
    """The fiscal year to generate so that the next period exists (None: cannot be generated)."""
    if period.kind not in (PeriodKind.YEAR, PeriodKind.QUARTER, PeriodKind.MONTH):
        return None
    start_month = CompanySettings.load().fiscal_year_start_month
    return fiscal_year_of(domain.next_period_start(period.end), start_month)


def ensure_next_period(*, actor: Actor, period: Period, create: bool) -> Period:
    found = next_period(period)
    if found is not None:
        return found
    year = next_period_fiscal_year(period)
    if not create or year is None:
        if year is None:
            message = _("The period after %(period)s does not exist. Ask an admin to create it.") % {
                "period": period.label
            }
        else:
            message = _(
                "The period after %(period)s does not exist yet. Confirm to create fiscal year FY%(year)s "
                "with its quarters and months."
            ) % {"period": period.label, "year": year}
        raise ApplicationError(message, code="next_period_missing", field="create_next_period")
    if not is_admin(actor):
        raise PermissionDeniedError(
            _("Only an admin can create periods: ask an admin to create fiscal year FY%(year)s.")
            % {"year": year}
        )
    period_generate_fiscal_year(actor=actor, year=year)
    created = next_period(period)
    if created is None:  # a calendar whose periods do not line up
        raise ApplicationError(
            _("The period after %(period)s could not be created.") % {"period": period.label},
            code="next_period_missing",
            field="create_next_period",
        )
    return created


@transaction.atomic
def action_promote(
    *,
    actor: Actor,
    action: ImprovementAction,
    promote_as: str | None = None,
    create_next_period: bool = False,
) -> ImprovementAction:
    """Make an improvement action an action item or a goal of the next period of the same kind, linked
    both ways (the action's `item`/`goal`; the item's or goal's `improvement_actions`).

    The next period must exist: without it → 422 `next_period_missing`, unless `create_next_period`
    (the user confirmed), which generates it (admins only)."""
    retrospective = action.retrospective
    if not (access.can_work_on_plan(actor, retrospective)):
        raise PermissionDeniedError(_("You may view this retrospective but not change it."))
    if not access.can_edit_retrospective(actor, retrospective) and retrospective.status == Status.OPEN:
        raise PermissionDeniedError(_("You may view this retrospective but not change it."))
    action = ImprovementAction.objects.select_for_update().select_related("owner").get(pk=action.pk)
    if action.item_id or action.goal_id:
        raise ConflictError(_("This action is already in next period's work."), code="action_promoted")
    promote_as = promote_as or action.promote_as
    if promote_as not in ImprovementAction.PromoteAs.values:
        raise ApplicationError(_("Choose item or goal."), field="promote_as", code="required")
    target_period = ensure_next_period(actor=actor, period=retrospective.period, create=create_next_period)
    # An item carries no goal to be checked through: the next period itself must be open for the work.
    check_period_open(target_period, department=retrospective.department, field="promote_as")
    note = _("From the retrospective “%(title)s”.") % {"title": retrospective.title}
    if promote_as == ImprovementAction.PromoteAs.ITEM:
        due = action.due if target_period.start <= action.due <= target_period.end else target_period.end
        item = item_create(
            actor=actor,
            department=retrospective.department,
            title=action.title,
            description=note,
            responsible=[action.owner],
            start=target_period.start,
            due=due,
            goal=None,
        )
        action.item = item
    else:
        goal = goal_create(
            actor=actor,
            name=action.title,
            department=retrospective.department,
            period=target_period,
            owner=action.owner,
            description=note,
        )
        action.goal = goal
    action.promote_as = promote_as
    action.status = ImprovementAction.ActionStatus.PROMOTED
    bump_version(action)
    action.save()
    return action


# --- complete, sign off, reopen ----------------------------------------------------------------


@transaction.atomic
def retrospective_complete(
    *, actor: Actor, retrospective: Retrospective, version: int | None = None
) -> Retrospective:
    """Needs the highlights or the problems written and at least one step of the 5-why chain."""
    retrospective = _locked(retrospective)
    _require_edit(actor, retrospective)
    check_version(retrospective, version)
    if not (retrospective.highlights.strip() or retrospective.problems.strip()):
        raise ApplicationError(
            _("Write the key highlights or the main problems before completing."),
            field="highlights",
            code="required",
        )
    if not retrospective.whys.exists():
        raise ApplicationError(
            _("Add at least one step of the 5-why chain before completing."), field="whys", code="required"
        )
    person = _person(actor)
    retrospective.status = Status.COMPLETED
    retrospective.completed_at = timezone.now()
    retrospective.completed_by = person
    bump_version(retrospective)
    retrospective.save()
    emit_completed(retrospective)
    manager = _accountable_manager(retrospective)
    _notify_on_commit(
        [manager],
        person,
        "retrospective_completed",
        _("Retrospective completed, please sign off: “%(title)s”") % {"title": retrospective.title},
        retrospective,
    )
    return retrospective


def _accountable_manager(retrospective: Retrospective) -> Person | None:
    """The nearest active manager of the department or above who is not the owner (who never signs
    off their own review)."""
    department: Department | None = retrospective.department
    while department is not None:
        manager = department.manager
        if manager is not None and manager.is_active and manager.pk != retrospective.owner_id:
            return manager
        department = department.parent
    return None


@transaction.atomic
def retrospective_sign_off(
    *, actor: Actor, retrospective: Retrospective, version: int | None = None
) -> Retrospective:
    retrospective = _locked(retrospective)
    check_version(retrospective, version)
    if retrospective.status != Status.COMPLETED:
        raise ConflictError(_("Complete the retrospective before signing it off."), code="not_completed")
    if retrospective.signed_off_at is not None:
        raise ConflictError(_("This retrospective is already signed off."), code="already_signed_off")
    if not access.can_sign_off_retrospective(actor, retrospective):
        raise PermissionDeniedError(
            _("Only the accountable manager (a manager of the department or above) or an admin can sign off.")
        )
    person = _person(actor)
    retrospective.signed_off_at = timezone.now()
    retrospective.signed_off_by = person
    bump_version(retrospective)
    retrospective.save()
    _notify_on_commit(
        [retrospective.owner],
        person,
        "retrospective_signed_off",
        _("Retrospective signed off: “%(title)s”") % {"title": retrospective.title},
        retrospective,
    )
    return retrospective


@transaction.atomic
def retrospective_reopen(
    *, actor: Actor, retrospective: Retrospective, version: int | None = None
) -> Retrospective:
    retrospective = _locked(retrospective)
    check_version(retrospective, version)
    if not access.can_manage_retrospective(actor, retrospective):
        raise PermissionDeniedError(_("Only a manager of the department or an admin can reopen it."))
    if retrospective.status != Status.COMPLETED:
        raise ConflictError(_("This retrospective is open already."), code="not_completed")
    if not access.can_reopen_retrospective(actor, retrospective):
        raise PermissionDeniedError(
            _("It is signed off: only a manager above its owner or an admin can reopen it.")
        )
    retrospective.status = Status.OPEN
    retrospective.completed_at = retrospective.completed_by = None
    retrospective.signed_off_at = retrospective.signed_off_by = None
    bump_version(retrospective)
    retrospective.save()
    return retrospective


# --- comments and attachments ------------------------------------------------------------------


@transaction.atomic
def comment_add(*, actor: Actor, retrospective: Retrospective, body: str) -> RetrospectiveComment:
    """A comment; people named @username or @显示名 who may see the retrospective are notified."""
    person = _person(actor)
    if not access.can_comment_on_retrospective(actor, retrospective):
        raise PermissionDeniedError(_("You may not comment on this retrospective."))
    body = _text(body, "body", required=True)
    comment = validated_save(RetrospectiveComment(retrospective=retrospective, author=person, body=body))
    named = execution_comments.mentioned_people(body)
    mentioned = [
        p for p in named if access.visible_retrospectives(p.user).filter(pk=retrospective.pk).exists()
    ]
    comment.mentions.set(mentioned)
    comment.not_notified = [p for p in named if p not in mentioned]
    _notify_on_commit(
        mentioned,
        person,
        "mentioned",
        _("%(name)s mentioned you on “%(title)s”")
        % {"name": person.display_name, "title": retrospective.title},
        retrospective,
    )
    return comment


@transaction.atomic
def attachment_add(
    *, actor: Actor, retrospective: Retrospective, upload: UploadedFile
) -> RetrospectiveAttachment:
    """The execution app's limits: its file types and 10 MB."""
    person = _person(actor)
    if not (access.can_work_on_plan(actor, retrospective)):
        raise PermissionDeniedError(_("You may view this retrospective but not change it."))
    name = (upload.name or "").rsplit("/", 1)[-1][:200]
    extension = ("." + name.rsplit(".", 1)[-1].lower()) if "." in name else ""
    if extension not in execution_comments.ALLOWED_EXTENSIONS:
        raise ApplicationError(
            _("Files of type “%(ext)s” are not accepted.") % {"ext": extension or "?"},
            field="file",
            code="file_type",
        )
    if upload.size is None or upload.size > execution_comments.MAX_ATTACHMENT_BYTES:
        raise ApplicationError(_("A file can be at most 10 MB."), field="file", code="file_too_large")
    return validated_save(
        RetrospectiveAttachment(
            retrospective=retrospective,
            file=upload,
            name=name,
            size=upload.size,
            content_type=(getattr(upload, "content_type", "") or "")[:100],
            uploaded_by=person,
        )
    )


# --- the cadence worker ------------------------------------------------------------------------


def open_due_for_closing(closing_id: int) -> list[Retrospective]:
    """Open the retrospectives a period close calls for (`domain.due_reviews`), idempotently: one that
    exists already is left as it is. Returns the ones opened; their owners are notified."""
    closing = PeriodClosing.objects.select_related("period", "department").filter(pk=closing_id).first()
    if closing is None or closing.reopened_at is not None:
        return []
    period = closing.period
    cadence = domain.cadence_of(period.kind)
    if cadence is None:
        return []
    goals = Goal.objects.filter(period=period).exclude(status__in=(GoalStatus.DRAFT, GoalStatus.CANCELLED))
    if closing.department is not None:
        goals = goals.filter(department__path__startswith=closing.department.path)
    rows = [
        domain.GoalInScope(g.pk, g.department_id, g.owner_id, g.depth)
        for g in goals.only("pk", "department_id", "owner_id", "depth")
    ]
    managers: dict[int, int | None] = dict(
        Department.objects.filter(pk__in={r.department_id for r in rows}).values_list("pk", "manager_id")
    )
    opened = []
    for review in domain.due_reviews(rows, managers):
        with transaction.atomic():
            goal = (
                Goal.objects.select_related("department__manager", "owner").get(pk=review.goal_id)
                if review.goal_id
                else None
            )
            department = (
                goal.department
                if goal
                else Department.objects.select_related("manager").get(pk=review.department_id)
            )
            scope = Scope.GOAL if goal else Scope.DEPARTMENT
            if _existing(scope, goal, department, None, period, cadence) is not None:
                continue
            owner = Person.objects.filter(pk=review.owner_id, is_active=True).first()
            if owner is None:
                continue
            opened.append(
                retrospective_open(
                    actor=None,
                    period=period,
                    goal=goal,
                    department=None if goal else department,
                    cadence=cadence,
                    owner=owner,
                )
            )
    return opened
