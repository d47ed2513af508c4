"""Improvement plans (绩效改进计划): opened for a C or D when a cycle is published (services.cycles) or when
an upheld appeal moves the grade to C or D (`pips_follow_regrade`, closing the plan when it moves up to B or
better), or by HR and line managers; goals, a mentor and check dates; the result of each check date; closed
with an outcome.

Check dates lie within the plan's start and end; a date whose result is recorded cannot be dropped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.models import Appraisal, Pip, PipCheck, PipOutcome
from lodestar.appraisal.services._outcomes import actor_person, clean_text, notify_on_commit
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.org.models import Person

PIP_DAYS = 90
CHECK_OFFSETS = (30, 60, 90)
MAX_CHECK_DATES = 24
CLOSING_OUTCOMES = (PipOutcome.IMPROVED, PipOutcome.EXTENDED, PipOutcome.NOT_IMPROVED)
UNSET: Any = object()


def pip_url(pip: Pip) -> str:
    return f"/appraisal/pips/{pip.pk}/"


def clean_check_dates(values: Iterable[Any], starts: dt.date, ends: dt.date) -> list[str]:
    """ISO dates within starts..ends, sorted, each once."""
    dates: set[dt.date] = set()
    for value in values:
        try:
            date = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))
        except ValueError as exc:
            raise ApplicationError(
                _("Give each check date as YYYY-MM-DD."), field="check_dates", code="invalid_date"
            ) from exc
        if not starts <= date <= ends:
            raise ApplicationError(
                _("Check dates lie between the plan's start (%(starts)s) and end (%(ends)s).")
                % {"starts": starts.isoformat(), "ends": ends.isoformat()},
                field="check_dates",
                code="outside_plan",
            )
        dates.add(date)
    if len(dates) > MAX_CHECK_DATES:
        raise ApplicationError(
            _("At most %(max)s check dates.") % {"max": MAX_CHECK_DATES}, field="check_dates"
        )
    return [d.isoformat() for d in sorted(dates)]


def _mentor(mentor: Person | None, person: Person) -> Person | None:
    if mentor is None:
        return None
    if mentor.pk == person.pk:
        raise ApplicationError(_("The mentor is someone other than the person."), field="mentor_id")
    if not mentor.is_active:
        raise ApplicationError(_("Choose an active person as mentor."), field="mentor_id")
    if not access.can_mentor(mentor):
        raise ApplicationError(
            _("%(name)s can only view, so cannot be a mentor.") % {"name": mentor.display_name},
            field="mentor_id",
            code="mentor_read_only",
        )
    return mentor


def _require_open(pip: Pip) -> None:
    if pip.closed_at is not None:
        raise ConflictError(_("This improvement plan is closed."), code="pip_closed")


def pip_create(
    *,
    actor: Actor,
    person: Person,
    goals: str = "",
    mentor: Person | None = None,
    starts: dt.date | None = None,
    ends: dt.date | None = None,
    check_dates: Iterable[Any] | None = None,
    appraisal: Appraisal | None = None,
) -> Pip:
    """Open a plan for someone the actor may appraise (HR and admins: anyone; a line manager: their people).
    Defaults: from today for 90 days, checks after 30, 60 and 90 days, the reviewing manager as mentor (when
    they may mentor: `access.can_mentor`). A mentor chosen is an active person who can write (`mentor_id`)."""
    me = actor_person(actor)
    if not access.can_open_pip_for(actor, person):
        raise PermissionDeniedError(
            _("Only HR, admins and the person's line managers open improvement plans.")
        )
    if appraisal is not None:
        if appraisal.person_id != person.pk:
            raise ApplicationError(_("This appraisal is someone else's."), field="appraisal_id")
        if not appraisal.cycle.is_published:
            raise ConflictError(
                _("A plan is opened from an appraisal once its result is published."),
                code="not_published",
                field="appraisal_id",
            )
    starts = starts or timezone.localdate()
    ends = ends or starts + dt.timedelta(days=PIP_DAYS)
    if ends < starts:
        raise ApplicationError(_("The plan ends on or after its start."), field="ends")
    if check_dates is None:
        check_dates = [starts + dt.timedelta(days=d) for d in CHECK_OFFSETS if d <= (ends - starts).days]
    if (
        mentor is None
        and appraisal is not None
        and appraisal.manager_id
        and appraisal.manager_id != person.pk
        and access.can_mentor(appraisal.manager)
    ):
        mentor = appraisal.manager
    pip = Pip(
        person=person,
        appraisal=appraisal,
        mentor=_mentor(mentor, person),
        goals=clean_text(goals, "goals"),
        starts=starts,
        ends=ends,
        check_dates=clean_check_dates(check_dates, starts, ends),
    )
    with transaction.atomic():
        if appraisal is not None:
            Appraisal.objects.select_for_update().filter(pk=appraisal.pk).first()
            if Pip.objects.filter(appraisal=appraisal, closed_at__isnull=True).exists():
                raise ConflictError(
                    _("This appraisal already has an improvement plan in progress."),
                    code="pip_open",
                    field="appraisal_id",
                )
        validated_save(pip)
        notify_on_commit(
            [person, pip.mentor],
            me,
            _("An improvement plan was opened for %(name)s.") % {"name": person.display_name},
            pip_url(pip),
        )
    return pip


def _locked(pip: Pip) -> Pip:
    locked = (
        Pip.objects.select_for_update(of=("self",))
        .select_related("person__department", "mentor", "appraisal")
        .get(pk=pip.pk)
    )
    return locked


def pip_update(
    *,
    actor: Actor,
    pip: Pip,
    version: int | None = None,
    goals: str | None = None,
    mentor: Any = UNSET,
    check_dates: Iterable[Any] | None = None,
    ends: dt.date | None = None,
) -> Pip:
    """Change the goals, the mentor (None: none), the check dates or the end of an open plan."""
    actor_person(actor)
    with transaction.atomic():
        pip = _locked(pip)
        check_version(pip, version)
        _require_open(pip)
        if not access.can_manage_pip(actor, pip):
            raise PermissionDeniedError(_("Only HR, admins and the person's line managers change this plan."))
        if goals is not None:
            pip.goals = clean_text(goals, "goals")
        if mentor is not UNSET:
            pip.mentor = _mentor(mentor, pip.person)
        if ends is not None:
            if ends < pip.starts:
                raise ApplicationError(_("The plan ends on or after its start."), field="ends")
            pip.ends = ends
        dates = clean_check_dates(
            check_dates if check_dates is not None else pip.check_dates, pip.starts, pip.ends
        )
        recorded = {d.isoformat() for d in PipCheck.objects.filter(pip=pip).values_list("date", flat=True)}
        dropped = sorted(recorded - set(dates))
        if dropped:
            raise ApplicationError(
                _("The result of %(date)s is recorded: keep that check date.") % {"date": dropped[0]},
                field="check_dates",
                code="check_recorded",
            )
        pip.check_dates = dates
        bump_version(pip)
        pip.save()
    return pip


def pip_check_record(*, actor: Actor, pip: Pip, date: dt.date, on_track: bool, note: str = "") -> PipCheck:
    """Record (or correct) the result of one of the plan's check dates."""
    me = actor_person(actor)
    with transaction.atomic():
        pip = _locked(pip)
        _require_open(pip)
        if not access.can_record_pip_check(actor, pip):
            raise PermissionDeniedError(
                _("Only the mentor, HR, admins and the person's line managers record check results.")
            )
        if date.isoformat() not in pip.check_dates:
            raise ApplicationError(_("This is not one of the plan's check dates."), field="date")
        check, _created = PipCheck.objects.update_or_create(
            pip=pip,
            date=date,
            defaults={"on_track": on_track, "note": clean_text(note, "note"), "recorded_by": me},
        )
        bump_version(pip)
        pip.save(update_fields=["version", "updated_at"])
    return check


def pip_close(*, actor: Actor, pip: Pip, outcome: str, outcome_note: str, version: int | None = None) -> Pip:
    """Close the plan: improved, extended (a new plan follows) or not improved, with a note."""
    me = actor_person(actor)
    if outcome not in CLOSING_OUTCOMES:
        raise ApplicationError(_("Choose improved, extended or not improved."), field="outcome")
    note = clean_text(outcome_note, "outcome_note", required=True)
    with transaction.atomic():
        pip = _locked(pip)
        check_version(pip, version)
        _require_open(pip)
        if not access.can_manage_pip(actor, pip):
            raise PermissionDeniedError(_("Only HR, admins and the person's line managers close this plan."))
        pip.outcome = outcome
        pip.outcome_note = note
        pip.closed_at = timezone.now()
        bump_version(pip)
        pip.save()
        notify_on_commit(
            [pip.person, pip.mentor],
            me,
            _("The improvement plan of %(name)s is closed: %(outcome)s.")
            % {"name": pip.person.display_name, "outcome": pip.get_outcome_display()},
            pip_url(pip),
        )
    return pip


def plan_for_grade(appraisal: Appraisal, *, today: dt.date | None = None) -> Pip | None:
    """The plan a C or D opens (`domain.grades.opens_pip`) when the cycle says so (`pip_on_c`), unsaved:
    from today for 90 days, checks after 30, 60 and 90 days, the reviewing manager as mentor. None when
    the grade opens no plan."""
    if not appraisal.cycle.pip_on_c or not grade_rules.opens_pip(appraisal.effective_grade):
        return None
    today = today or timezone.localdate()
    manager_id = appraisal.manager_id if appraisal.manager_id != appraisal.person_id else None
    return Pip(
        person_id=appraisal.person_id,
        appraisal=appraisal,
        mentor_id=manager_id,
        starts=today,
        ends=today + dt.timedelta(days=PIP_DAYS),
        check_dates=[(today + dt.timedelta(days=d)).isoformat() for d in CHECK_OFFSETS],
    )


def pips_follow_regrade(*, appraisal: Appraisal, old_grade: str, by: Person, reason: str) -> list[Pip]:
    """After an upheld appeal moved the grade of `appraisal` (already saved with its new grade), inside the
    appeal's transaction (`domain.grades.pip_after_regrade`):

    - moved to C or D: a plan opens just as publishing opens one (`plan_for_grade`), unless the appraisal
      already has a plan in progress;
    - moved from C or D up to B or better: the plans in progress of the appraisal are closed, the reason
      recorded in the outcome note. The plan model has no "cancelled" outcome: the closest, "improved", is
      used, and the note says the appeal changed the grade.

    The person and the mentor are notified. Returns the plans opened or closed."""
    new_grade = appraisal.effective_grade
    effect = grade_rules.pip_after_regrade(old_grade, new_grade)
    if effect == "open":
        if Pip.objects.filter(appraisal=appraisal, closed_at__isnull=True).exists():
            return []
        pip = plan_for_grade(appraisal)
        if pip is None:
            return []
        validated_save(pip)
        notify_on_commit(
            [appraisal.person, pip.mentor],
            by,
            _("An improvement plan was opened for %(name)s.") % {"name": appraisal.person.display_name},
            pip_url(pip),
        )
        return [pip]
    if effect != "close":
        return []
    closed = []
    note = _("Closed: an upheld appeal moved the grade from %(old)s to %(new)s. %(reason)s") % {
        "old": old_grade,
        "new": new_grade,
        "reason": reason,
    }
    for pip in (
        Pip.objects.select_for_update(of=("self",))
        .select_related("person", "mentor")
        .filter(appraisal=appraisal, closed_at__isnull=True)
        .order_by("id")
    ):
        pip.outcome = PipOutcome.IMPROVED
        pip.outcome_note = note.strip()
        pip.closed_at = timezone.now()
        bump_version(pip)
        pip.save()
        notify_on_commit(
            [pip.person, pip.mentor],
            by,
            _("The improvement plan of %(name)s is closed: %(outcome)s.")
            % {"name": pip.person.display_name, "outcome": pip.get_outcome_display()},
            pip_url(pip),
        )
        closed.append(pip)
    return closed
