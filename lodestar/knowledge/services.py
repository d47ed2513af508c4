"""Writing the knowledge library: cases (a lesson becomes a case, DOMAIN.md §4), SOPs and their versions,
and the SOP review reminder.

A case's figures are pulled from its goals' snapshots (the latest close snapshot, else the latest weekly
one) whenever the case is written: never typed. Permission checks use `lodestar.knowledge.access`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.models import Period
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.core.softdelete import mark_deleted, mark_restored
from lodestar.goals.domain import unit_display
from lodestar.goals.models import Goal, Snapshot, SnapshotKind
from lodestar.knowledge import access, domain
from lodestar.knowledge.models import Case, Sop, SopVersion, Tag
from lodestar.org.models import Department, Person
from lodestar.org.permissions import person_of, require_admin, require_person
from lodestar.retrospectives.models import Retrospective

MAX_GOALS = 20
MAX_TAGS = 20


def _text(value: object) -> str:
    return "" if value is None else str(value)


def figures_of(goals: Iterable[Goal]) -> list[dict]:
    """The frozen figures of `goals`: the rows of each goal's latest close snapshot, else of its latest
    weekly one (one row per measure), as JSON-ready dicts with decimal strings."""
    goal_ids = [g.pk for g in goals]
    if not goal_ids:
        return []
    rows = list(
        Snapshot.objects.filter(goal_id__in=goal_ids)
        .select_related("period")
        .order_by("goal_id", "-taken_at", "measure_id")
    )
    chosen: dict[int, list[Snapshot]] = {}
    for kind in (SnapshotKind.CLOSE, SnapshotKind.WEEKLY):
        for row in rows:
            if row.kind != kind or (row.goal_id in chosen and chosen[row.goal_id][0].kind != kind):
                continue
            current = chosen.setdefault(row.goal_id, [row])
            if current[0] is not row and current[0].taken_at == row.taken_at:
                current.append(row)
    figures = []
    for goal_id in goal_ids:
        for row in chosen.get(goal_id, []):
            figures.append(
                {
                    "goal_id": goal_id,
                    "goal": row.goal_name,
                    "measure": row.measure_name,
                    "unit": unit_display(row.unit, row.unit_label),
                    "period": row.period.name,
                    "kind": row.kind,
                    "taken_at": row.taken_at.isoformat(),
                    "target": _text(row.target),
                    "original_target": _text(row.original_target),
                    "actual": _text(row.actual),
                    "achievement_rate": _text(row.achievement_rate),
                    "original_achievement_rate": _text(row.original_achievement_rate),
                    "goal_achievement_rate": _text(row.goal_achievement_rate),
                }
            )
    return figures


def tags_by_name(names: Sequence[str], kind: str = Tag.Kind.SCENARIO) -> list[Tag]:
    """Existing tags by name, new ones created with `kind` (a tag keeps the kind it was first given)."""
    names = domain.tag_names(list(names))
    if len(names) > MAX_TAGS:
        raise ApplicationError(
            _("Give at most %(max)s tags.") % {"max": MAX_TAGS}, field="tags", code="too_many"
        )
    if kind not in Tag.Kind.values:
        raise ApplicationError(_("Unknown tag kind."), field="tags")
    existing = {t.name: t for t in Tag.objects.filter(name__in=names)}
    tags = []
    for name in names:
        tag = existing.get(name) or Tag.objects.get_or_create(name=name, defaults={"kind": kind})[0]
        tags.append(tag)
    return tags


def _tags_from(tags: Sequence[str] | dict[str, Sequence[str]] | None) -> list[Tag] | None:
    """`tags` as names (new ones are scenarios) or as {kind: names}."""
    if tags is None:
        return None
    if isinstance(tags, dict):
        found: list[Tag] = []
        for kind, names in tags.items():
            found.extend(t for t in tags_by_name(names, kind) if t not in found)
        return found
    return tags_by_name(tags)


def _check_goals(goals: Sequence[Goal] | None) -> list[Goal] | None:
    if goals is None:
        return None
    goals = list({g.pk: g for g in goals}.values())
    if len(goals) > MAX_GOALS:
        raise ApplicationError(
            _("Link at most %(max)s goals.") % {"max": MAX_GOALS}, field="goal_ids", code="too_many"
        )
    return goals


def _check_department(actor: Actor, department: Department) -> None:
    if not access.may_write_for(actor, department):
        raise PermissionDeniedError(
            _("You can file a case only for your own department or a department you manage."),
            field="department_id",
        )


def _check_outcome(outcome: str) -> None:
    if outcome not in Case.Outcome.values:
        raise ApplicationError(_("Choose success or failure."), field="outcome")


def case_initial_from_retrospective(retrospective: Retrospective) -> dict:
    """What a case written from a retrospective starts with: its title, department, period and goal;
    the context from its highlights and problems, the reasons from its root cause."""
    context = "\n\n".join(t for t in (retrospective.highlights, retrospective.problems) if t)
    goal_name = retrospective.goal.name if retrospective.goal is not None else ""
    return {
        "tags": tags_named_in(retrospective.title, goal_name),
        "title": retrospective.title,
        "department": retrospective.department,
        "period": retrospective.period,
        "goals": [retrospective.goal] if retrospective.goal_id else [],
        "context": context,
        "reasons": retrospective.root_cause,
        "outcome": (
            Case.Outcome.SUCCESS
            if retrospective.achievement_rate is not None and retrospective.achievement_rate >= 1
            else Case.Outcome.FAILURE
            if retrospective.achievement_rate is not None
            else ""
        ),
    }


def tags_named_in(*texts: str) -> list[Tag]:
    """The library's existing tags whose name appears in `texts` (a goal "Q2 618大促GMV" → 大促), so a
    case written from a goal or a retrospective starts tagged and is found by the goal pages' suggestions."""
    words = " ".join(t for t in texts if t)
    if not words:
        return []
    return [tag for tag in Tag.objects.order_by("kind", "name") if tag.name and tag.name in words]


def case_initial_from_goal(goal: Goal) -> dict:
    return {
        "title": goal.name,
        "department": goal.department,
        "period": goal.period,
        "goals": [goal],
        "tags": tags_named_in(goal.name),
    }


@transaction.atomic
def case_create(
    *,
    actor: Actor,
    title: str,
    outcome: str,
    department: Department,
    context: str = "",
    body: str = "",
    reasons: str = "",
    tags: Sequence[str] | dict[str, Sequence[str]] | None = None,
    goals: Sequence[Goal] | None = None,
    retrospective: Retrospective | None = None,
    period: Period | None = None,
) -> Case:
    person = require_person(actor)
    access.require_case_creator(actor)
    _check_department(actor, department)
    _check_outcome(outcome)
    goals = _check_goals(goals) or []
    if retrospective is not None:
        if period is None:
            period = retrospective.period
        goal = retrospective.goal
        if goal is not None and all(g.pk != goal.pk for g in goals):
            goals.append(goal)
    author = person
    if author is None:
        raise ApplicationError(_("A case needs an author in the organisation."))
    case = Case(
        title=(title or "").strip(),
        outcome=outcome,
        department=department,
        context=context or "",
        body=body or "",
        reasons=reasons or "",
        retrospective=retrospective,
        period=period,
        author=author,
        figures=figures_of(goals),
    )
    if not case.title:
        raise ApplicationError(_("Give the case a title."), field="title", code="required")
    validated_save(case)
    case.goals.set(goals)
    case.tags.set(_tags_from(tags) or [])
    return case


@transaction.atomic
def case_update(
    *,
    actor: Actor,
    case: Case,
    version: int | None = None,
    tags: Sequence[str] | dict[str, Sequence[str]] | None = None,
    goals: Sequence[Goal] | None = None,
    **fields: Any,
) -> Case:
    case = Case.objects.select_for_update().select_related("department").get(pk=case.pk)
    if not access.can_edit_case(actor, case):
        raise PermissionDeniedError(
            _("Only the case's author, a manager of its department or an admin can change it.")
        )
    check_version(case, version)
    allowed = {"title", "outcome", "context", "body", "reasons", "department", "retrospective", "period"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("This field of a case or SOP cannot be changed."), field=sorted(unknown)[0])
    if "department" in fields and fields["department"].pk != case.department_id:
        _check_department(actor, fields["department"])
    if "outcome" in fields:
        _check_outcome(fields["outcome"])
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise ApplicationError(_("Give the case a title."), field="title", code="required")
    for key, value in fields.items():
        setattr(case, key, "" if value is None and key in {"context", "body", "reasons"} else value)
    goals = _check_goals(goals)
    if goals is not None:
        case.goals.set(goals)
    current_goals = goals if goals is not None else list(case.goals.all())
    case.figures = figures_of(current_goals)
    if tags is not None:
        case.tags.set(_tags_from(tags) or [])
    bump_version(case)
    case.full_clean(exclude=["department", "author", "period", "retrospective"])
    case.save()
    return case


@transaction.atomic
def case_delete(*, actor: Actor, case: Case) -> None:
    case = Case.objects.select_for_update().select_related("department").get(pk=case.pk)
    if not access.can_edit_case(actor, case):
        raise PermissionDeniedError(
            _("Only the case's author, a manager of its department or an admin can change it.")
        )
    mark_deleted(case, actor=actor, person=person_of(actor))


@transaction.atomic
def case_restore(*, actor: Actor, case_id: int) -> Case:
    """Bring a deleted case back from the trash (admins only), with its tags, goals and SOP links."""
    require_admin(actor)
    case = Case.all_objects.select_for_update().filter(pk=case_id, deleted_at__isnull=False).first()
    if case is None:
        raise NotFound(_("There is no deleted case with this id."), field="case_id")
    mark_restored(case, actor=actor)
    return case


# --- SOPs --------------------------------------------------------------------------------------


def _check_sop_department(actor: Actor, department: Department) -> None:
    from lodestar.org.permissions import is_admin, manages_department

    if not (is_admin(actor) or manages_department(actor, department)):
        raise PermissionDeniedError(_("An SOP belongs to a department you manage."), field="department_id")


def _check_body(body_markdown: str) -> str:
    body = body_markdown or ""
    if not body.strip():
        raise ApplicationError(_("Write the SOP's text."), field="body_markdown", code="required")
    return body


@transaction.atomic
def sop_create(
    *,
    actor: Actor,
    title: str,
    owner: Person,
    department: Department,
    review_date: dt.date,
    body_markdown: str,
    change_note: str = "",
    cases: Sequence[Case] = (),
) -> Sop:
    person = require_person(actor)
    access.require_sop_creator(actor)
    _check_sop_department(actor, department)
    if not owner.is_active:
        raise ApplicationError(_("The owner must be an active person."), field="owner_id")
    sop = Sop(
        title=(title or "").strip(),
        owner=owner,
        department=department,
        review_date=review_date,
    )
    if not sop.title:
        raise ApplicationError(_("Give the SOP a title."), field="title", code="required")
    validated_save(sop)
    sop.cases.set(list(cases))
    validated_save(
        SopVersion(
            sop=sop,
            number=1,
            body_markdown=_check_body(body_markdown),
            change_note=change_note or _("First version"),
            author=person or owner,
        ),
        validate_constraints=False,
    )
    return sop


@transaction.atomic
def sop_add_version(*, actor: Actor, sop: Sop, body_markdown: str, change_note: str = "") -> SopVersion:
    """A new version of the SOP's text: number + 1, with a note on what changed."""
    person = require_person(actor)
    sop = Sop.objects.select_for_update().select_related("department").get(pk=sop.pk)
    if not access.can_edit_sop(actor, sop):
        raise PermissionDeniedError(
            _("Only the SOP's owner, a manager of its department or an admin can change it.")
        )
    latest = sop.versions.order_by("-number").first()
    body = _check_body(body_markdown)
    if latest is not None and latest.body_markdown == body:
        raise ApplicationError(
            _("The text is the same as the latest version."), field="body_markdown", code="unchanged"
        )
    version = validated_save(
        SopVersion(
            sop=sop,
            number=(latest.number if latest else 0) + 1,
            body_markdown=body,
            change_note=change_note or "",
            author=person or sop.owner,
        ),
        validate_constraints=False,
    )
    bump_version(sop)
    sop.save(update_fields=["version", "updated_at"])
    return version


@transaction.atomic
def sop_update(
    *,
    actor: Actor,
    sop: Sop,
    version: int | None = None,
    cases: Sequence[Case] | None = None,
    **fields: Any,
) -> Sop:
    sop = Sop.objects.select_for_update().select_related("department").get(pk=sop.pk)
    if not access.can_edit_sop(actor, sop):
        raise PermissionDeniedError(
            _("Only the SOP's owner, a manager of its department or an admin can change it.")
        )
    check_version(sop, version)
    allowed = {"title", "owner", "department", "review_date"}
    unknown = set(fields) - allowed
    if unknown:
        raise ApplicationError(_("This field of a case or SOP cannot be changed."), field=sorted(unknown)[0])
    if "department" in fields and fields["department"].pk != sop.department_id:
        _check_sop_department(actor, fields["department"])
    if "title" in fields:
        fields["title"] = (fields["title"] or "").strip()
        if not fields["title"]:
            raise ApplicationError(_("Give the SOP a title."), field="title", code="required")
    if "owner" in fields and not fields["owner"].is_active:
        raise ApplicationError(_("The owner must be an active person."), field="owner_id")
    if "review_date" in fields and fields["review_date"] != sop.review_date:
        sop.review_reminded_at = None  # a new review date is reminded of again
    for key, value in fields.items():
        setattr(sop, key, value)
    if cases is not None:
        sop.cases.set(list(cases))
    bump_version(sop)
    sop.save()
    return sop


@transaction.atomic
def sop_delete(*, actor: Actor, sop: Sop) -> None:
    sop = Sop.objects.select_for_update().select_related("department").get(pk=sop.pk)
    if not access.can_delete_sop(actor, sop):
        raise PermissionDeniedError(_("Only a manager of the SOP's department or an admin can delete it."))
    mark_deleted(sop, actor=actor, person=person_of(actor))


@transaction.atomic
def sop_restore(*, actor: Actor, sop_id: int) -> Sop:
    """Bring a deleted SOP back from the trash (admins only), with all its versions."""
    require_admin(actor)
    sop = Sop.all_objects.select_for_update().filter(pk=sop_id, deleted_at__isnull=False).first()
    if sop is None:
        raise NotFound(_("There is no deleted SOP with this id."), field="sop_id")
    mark_restored(sop, actor=actor)
    return sop


def send_review_reminders(today: dt.date | None = None) -> int:
    """Tell each SOP's owner once that its review date has come (`review_reminded_at` marks it)."""
    from lodestar.notifications.delivery import languages_of
    from lodestar.notifications.services import notify

    today = today or timezone.localdate()
    sent = 0
    due = list(
        Sop.objects.filter(review_date__lte=today, review_reminded_at__isnull=True).select_related("owner")
    )
    languages = languages_of([sop.owner for sop in due])
    for sop in due:
        with transaction.atomic():
            # Claim the row first: two workers never remind twice.
            claimed = Sop.objects.filter(pk=sop.pk, review_reminded_at__isnull=True).update(
                review_reminded_at=timezone.now()
            )
            if not claimed:
                continue
            with translation.override(languages[sop.owner.pk]):  # the owner's language for reminders
                title = _("SOP due for review: %(title)s (%(date)s)") % {
                    "title": sop.title,
                    "date": sop.review_date.isoformat(),
                }
            sent += notify(
                recipients=[sop.owner] if sop.owner.is_active else [],
                actor=None,
                verb="sop_review",
                title=title,
                url=reverse("knowledge:sop_detail", args=[sop.pk]),
            )
    return sent
