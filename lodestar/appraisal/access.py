"""Who may see and do what in appraisal (issue #15 "Privacy") — the one set of rules for pages and API.

- An appraisal is visible to the person, their managers up the line (its reviewing manager, and the
  managers of its department and of every department above), HR partners and admins; nobody else.
- Peers see only what they wrote: a peer reviewer reads their own review, never the appraisal.
- Pay bases, bonus amounts: HR partners and admins only (`can_see_pay`).
- Cycles, templates, positions, pay bases, competencies and the committee are run by HR partners and admins.
- Calibration: HR and admins for the whole scope; a department manager for the appraisals under the
  departments they manage — never their own.
- Nobody acts as manager or calibrator on their own appraisal.
- The read-only guest (role viewer) has no part in appraisal: every page and endpoint answers 403 and the
  navigation hides the module (`can_use_appraisal`, `require_appraisal_user`).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.appraisal.models import Appraisal, Cycle, Review, ReviewRole, ReviewStatus, Stage
from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.org.models import Role
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    managed_paths,
    path_in_subtrees,
    person_of,
    require_person,
    subtree_q,
)

REVIEW_STAGES = (Stage.SELF, Stage.MANAGER, Stage.PEER)


def is_hr_or_admin(user) -> bool:
    return is_admin(user) or is_hr(user)


def is_guest(user) -> bool:
    """A read-only guest (role viewer, never an admin): signed in with an active person who cannot write."""
    return person_of(user) is not None and not can_write(user)


def can_use_appraisal(user) -> bool:
    """Whether appraisal exists for the user at all (its pages, endpoints and navigation entry): everyone
    with an active person record (and superusers) except the read-only guest."""
    if is_admin(user):
        return True
    return person_of(user) is not None and not is_guest(user)


def require_appraisal_user(user):
    """The gate of every appraisal page and endpoint: a signed-in person who is not a read-only guest (403)."""
    person = require_person(user)
    if is_guest(user):
        raise PermissionDeniedError(
            _("Read-only guests have no access to appraisal."), code="read_only_guest"
        )
    return person


def can_run_appraisal(user) -> bool:
    """Set up positions, templates, cycles, pay bases, competencies and the committee; start and publish."""
    return can_write(user) and is_hr_or_admin(user)


def can_see_pay(user) -> bool:
    """Performance-pay bases and bonus amounts."""
    return is_hr_or_admin(user)


def visible_appraisals(user):
    qs = Appraisal.objects.all()
    if is_hr_or_admin(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    return qs.filter(
        Q(person=person) | Q(manager=person) | subtree_q(managed_paths(user), "department__path")
    )


def is_own(user, appraisal: Appraisal) -> bool:
    person = person_of(user)
    return person is not None and appraisal.person_id == person.pk


def is_line_manager(user, appraisal: Appraisal) -> bool:
    """Its reviewing manager or a manager of its department or above — and not the person themself."""
    person = person_of(user)
    if person is None or appraisal.person_id == person.pk:
        return False
    if appraisal.manager_id == person.pk:
        return True
    return path_in_subtrees(appraisal.department.path, managed_paths(user))


def can_see_appraisal(user, appraisal: Appraisal) -> bool:
    return is_hr_or_admin(user) or is_own(user, appraisal) or is_line_manager(user, appraisal)


def can_request_peers(user, appraisal: Appraisal) -> bool:
    """Name cross-department reviewers: the line managers and HR, while reviews are open."""
    if not can_write(user) or appraisal.cycle.stage not in REVIEW_STAGES:
        return False
    return is_hr_or_admin(user) or is_line_manager(user, appraisal)


def can_write_review(user, review: Review) -> bool:
    """Only the reviewer, while the cycle is in its review stages and the review is not yet submitted."""
    person = person_of(user)
    if person is None or not can_write(user) or review.reviewer_id != person.pk:
        return False
    if review.role != ReviewRole.SELF and review.appraisal.person_id == person.pk:
        return False
    return review.status == ReviewStatus.PENDING and review.appraisal.cycle.stage in REVIEW_STAGES


def can_add_evidence(user, appraisal: Appraisal) -> bool:
    """The evidence pack is the person's own, built while reviews are open."""
    return can_write(user) and is_own(user, appraisal) and appraisal.cycle.stage in REVIEW_STAGES


def can_see_reviewer(user, review: Review) -> bool:
    """A peer review marked anonymous hides its author from the person appraised (only from them)."""
    if review.role != ReviewRole.PEER or not review.anonymous:
        return True
    return not is_own(user, review.appraisal)


def can_calibrate(user, appraisal: Appraisal) -> bool:
    if not can_write(user) or appraisal.cycle.stage != Stage.CALIBRATION:
        return False
    if is_hr_or_admin(user):
        return True
    person = person_of(user)
    if person is None or appraisal.person_id == person.pk:
        return False
    return path_in_subtrees(appraisal.department.path, managed_paths(user))


def is_direct_manager(user, appraisal: Appraisal) -> bool:
    """The appraisal's reviewing (direct) manager — not a manager of a department above, never the person."""
    person = person_of(user)
    return (
        person is not None
        and appraisal.manager_id is not None
        and appraisal.manager_id == person.pk
        and appraisal.person_id != person.pk
    )


def can_write_feedback(user, appraisal: Appraisal) -> bool:
    """Feedback meeting notes: the direct manager (`appraisal.manager`, not a skip-level manager) or HR
    and admins, once the result is published."""
    if not can_write(user) or not appraisal.cycle.is_published:
        return False
    return is_hr_or_admin(user) or is_direct_manager(user, appraisal)


def can_appeal(user, appraisal: Appraisal) -> bool:
    return can_write(user) and is_own(user, appraisal) and appraisal.cycle.is_published


def access_appraisal(user, appraisal_id: int) -> Appraisal:
    """An appraisal the user may see (404 otherwise: its existence is private too)."""
    require_appraisal_user(user)
    appraisal = (
        visible_appraisals(user)
        .select_related("cycle__period", "person", "department", "position", "template", "manager")
        .filter(pk=appraisal_id)
        .first()
    )
    if appraisal is None:
        raise NotFound(_("Appraisal not found."), field="appraisal_id")
    return appraisal


def access_review(user, review_id: int, *, write: bool = False) -> Review:
    """A review its reader may open: its reviewer, or whoever may see the appraisal (404 otherwise)."""
    person = require_appraisal_user(user)
    review = (
        Review.objects.select_related(
            "appraisal__cycle__period",
            "appraisal__department",
            "appraisal__person",
            "appraisal__template",
            "reviewer",
        )
        .filter(pk=review_id)
        .first()
    )
    if review is None or not (
        (person is not None and review.reviewer_id == person.pk) or can_see_appraisal(user, review.appraisal)
    ):
        raise NotFound(_("Review not found."), field="review_id")
    if write and not can_write_review(user, review):
        raise PermissionDeniedError(_("You may not change this review."))
    return review


def require_runner(user) -> None:
    if not can_run_appraisal(user):
        raise PermissionDeniedError(_("Only HR partners and admins run appraisal cycles."))


# --- cycles and calibration -------------------------------------------------------------------------


def visible_cycles(user):
    """HR partners and admins see every cycle; others the cycles where they are appraised, have a review
    to write, or have a team appraisal as line manager."""
    qs = Cycle.objects.all()
    if is_hr_or_admin(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    involved = Appraisal.objects.filter(
        Q(person=person)
        | Q(manager=person)
        | Q(reviews__reviewer=person)
        | subtree_q(managed_paths(user), "department__path")
    ).values("cycle_id")
    return qs.filter(pk__in=involved)


def access_cycle(user, cycle_id: int) -> Cycle:
    """A cycle the user may see (404 otherwise)."""
    require_appraisal_user(user)
    cycle = visible_cycles(user).select_related("period").filter(pk=cycle_id).first()
    if cycle is None:
        raise NotFound(_("Appraisal cycle not found."), field="cycle_id")
    return cycle


def calibration_appraisals(user, cycle: Cycle):
    """The appraisals of a cycle the user calibrates (or will, once the stage comes): all for HR
    partners and admins, those under the departments they manage for a manager — never their own."""
    qs = Appraisal.objects.filter(cycle=cycle)
    if is_hr_or_admin(user):
        return qs
    person = person_of(user)
    paths = managed_paths(user)
    if person is None or not paths:
        return qs.none()
    return qs.filter(subtree_q(paths, "department__path")).exclude(person=person)


def can_import_results(user, cycle: Cycle) -> bool:
    """The appraisal table (考核表) back from Excel (exchange's appraisal table) for what its importer may
    write there: a reviewing manager with a pending manager review in the cycle while reviews are open, or
    during calibration whoever may calibrate one of its appraisals (`can_calibrate`, the check of the
    calibration the import's grade column goes through) — not a manager who opens the cycle as a peer
    reviewer or as its appraisee, with nothing of it under their departments; never once published."""
    if not can_write(user) or cycle.is_published:
        return False
    if cycle.stage == Stage.CALIBRATION:
        # `calibration_appraisals` narrows to the candidates; `can_calibrate` decides, as for a row.
        candidate = calibration_appraisals(user, cycle).select_related("cycle", "department").first()
        return candidate is not None and can_calibrate(user, candidate)
    if cycle.stage not in REVIEW_STAGES:
        return False
    person = person_of(user)
    return (
        person is not None
        and Review.objects.filter(
            appraisal__cycle=cycle, reviewer=person, role=ReviewRole.MANAGER, status=ReviewStatus.PENDING
        ).exists()
    )


def can_see_calibration(user) -> bool:
    """The calibration board: HR partners, admins and department managers."""
    return is_hr_or_admin(user) or bool(managed_paths(user))


def require_calibration_reader(user) -> None:
    if not can_see_calibration(user):
        raise PermissionDeniedError(_("Only HR partners, admins and department managers calibrate grades."))


def register_template_checks() -> None:
    from lodestar.core.permission_checks import register

    register("appraisal.run", lambda user, _obj=None: can_run_appraisal(user))
    register("appraisal.see_pay", lambda user, _obj=None: can_see_pay(user))
    register("appraisal.request_peers", can_request_peers)
    register("appraisal.write_review", can_write_review)
    register("appraisal.add_evidence", can_add_evidence)
    register("appraisal.calibrate", can_calibrate)
    register("appraisal.write_feedback", can_write_feedback)
    register("appraisal.appeal", can_appeal)
    register("appraisal.see_calibration", lambda user, _obj=None: can_see_calibration(user))
    register("appraisal.see_result", can_see_result)
    register("appraisal.rate_competencies", can_rate_competencies)
    register("appraisal.remove_peer", can_remove_peer)
    register_outcome_checks()


# --- reviews (the person-facing side of an appraisal) ---------------------------------------------

RESULT_STAGES = (Stage.CALIBRATION, Stage.PUBLISHED, Stage.FEEDBACK)


def can_see_result(user, appraisal: Appraisal) -> bool:
    """Final score and grade: the person once the cycle is published; line managers and HR from calibration."""
    if is_own(user, appraisal):
        return appraisal.cycle.is_published
    return appraisal.cycle.stage in RESULT_STAGES and (
        is_hr_or_admin(user) or is_line_manager(user, appraisal)
    )


def can_read_review(user, review: Review) -> bool:
    """Its reviewer; HR and the line managers; the person their own review, and the others' once published."""
    person = person_of(user)
    if person is not None and review.reviewer_id == person.pk:
        return True
    if is_hr_or_admin(user) or is_line_manager(user, review.appraisal):
        return True
    return (
        is_own(user, review.appraisal)
        and review.appraisal.cycle.is_published
        and (review.status == ReviewStatus.SUBMITTED)
    )


def can_remove_peer(user, review: Review) -> bool:
    return (
        review.role == ReviewRole.PEER
        and review.status == ReviewStatus.PENDING
        and can_request_peers(user, review.appraisal)
    )


def can_rate_competencies(user, appraisal: Appraisal) -> bool:
    """The line manager during the manager stage or calibration; HR and admins until publishing."""
    if not can_write(user) or appraisal.cycle.is_published or appraisal.cycle.stage == Stage.SETUP:
        return False
    if is_hr_or_admin(user) and not is_own(user, appraisal):
        return True
    return appraisal.cycle.stage in (Stage.MANAGER, Stage.CALIBRATION) and is_line_manager(user, appraisal)


# --- outcomes: improvement plans, feedback meetings, appeals, composites, promotion candidates -------


def _manages_person(user, person) -> bool:
    """A line manager of `person` as they stand today: their direct manager or a manager of their
    department or above — never the person themself."""
    me = person_of(user)
    if me is None or person is None or person.pk == me.pk:
        return False
    if person.manager_id == me.pk:
        return True
    department = person.department if person.department_id else None
    return department is not None and path_in_subtrees(department.path, managed_paths(user))


def can_mentor(person) -> bool:
    """A plan's mentor records check results, so they must be able to write: an active person whose user
    `can_write` (a system admin, or any role but the read-only viewer — the demo's guest)."""
    if person is None or not person.is_active:
        return False
    return person.role != Role.VIEWER or person.user.is_superuser


def mentor_candidates():
    """The people `can_mentor`, as a query (the choices of the plan forms)."""
    from lodestar.org.models import Person

    return Person.objects.filter(is_active=True).filter(~Q(role=Role.VIEWER) | Q(user__is_superuser=True))


def can_open_pip_for(user, person) -> bool:
    """Open an improvement plan: HR and admins for anyone, a line manager for the people they appraise."""
    if not can_write(user):
        return False
    return is_hr_or_admin(user) or _manages_person(user, person)


def can_open_pips(user) -> bool:
    """May open improvement plans by hand at all (the "open a plan" page and its button): HR, admins and
    whoever manages people (a department, or direct reports). Which people: `can_open_pip_for`."""
    if not can_write(user):
        return False
    if is_hr_or_admin(user) or managed_paths(user):
        return True
    from lodestar.org.models import Person

    me = person_of(user)
    return me is not None and Person.objects.filter(manager=me, is_active=True).exists()


def can_open_pip_on(user, appraisal: Appraisal) -> bool:
    """Open a plan by hand from an appraisal: its result is published and the user may open a plan for its
    person (`can_open_pip_for`)."""
    return appraisal.cycle.is_published and can_open_pip_for(user, appraisal.person)


def pip_openable_appraisals(user):
    """The published appraisals the user may open a plan from (`can_open_pip_on`, as a query): all for HR
    and admins; for a line manager those of their direct reports and of the departments they manage —
    never their own."""
    qs = Appraisal.objects.filter(cycle__stage__in=(Stage.PUBLISHED, Stage.FEEDBACK), person__is_active=True)
    if not can_write(user):
        return qs.none()
    if is_hr_or_admin(user):
        return qs
    me = person_of(user)
    if me is None:
        return qs.none()
    return qs.filter(
        Q(person__manager=me) | subtree_q(managed_paths(user), "person__department__path")
    ).exclude(person=me)


def visible_pips(user):
    """Improvement plans: the person, the mentor, their line managers, HR partners and admins."""
    from lodestar.appraisal.models import Pip

    qs = Pip.objects.all()
    if is_hr_or_admin(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    return qs.filter(
        Q(person=person)
        | Q(mentor=person)
        | Q(person__manager=person)
        | Q(appraisal__manager=person)
        | subtree_q(managed_paths(user), "person__department__path")
    )


def can_manage_pip(user, pip) -> bool:
    """Change the plan (goals, mentor, check dates, end) and close it: HR, admins and the person's line
    managers, while it is open."""
    if pip.closed_at is not None or not can_write(user):
        return False
    if is_hr_or_admin(user):
        return True
    me = person_of(user)
    if me is not None and pip.appraisal_id and pip.appraisal.manager_id == me.pk and pip.person_id != me.pk:
        return True
    return _manages_person(user, pip.person)


def can_record_pip_check(user, pip) -> bool:
    """Record the result of a check date: whoever manages the plan, and its mentor."""
    if can_manage_pip(user, pip):
        return True
    me = person_of(user)
    return (
        pip.closed_at is None
        and can_write(user)
        and me is not None
        and pip.mentor_id == me.pk
        and pip.person_id != me.pk
    )


def access_pip(user, pip_id: int):

    require_appraisal_user(user)
    pip = (
        visible_pips(user)
        .select_related("person__department", "mentor", "appraisal__cycle__period")
        .filter(pk=pip_id)
        .first()
    )
    if pip is None:
        raise NotFound(_("Improvement plan not found."), field="pip_id")
    return pip


def is_feedback_party(user, appraisal: Appraisal) -> bool:
    """Who acknowledges the feedback meeting: the person and their direct manager (`appraisal.manager`)."""
    return is_own(user, appraisal) or is_direct_manager(user, appraisal)


def can_acknowledge_feedback(user, feedback) -> bool:
    """The person and the direct manager (`appraisal.manager`, not a skip-level manager) each acknowledge
    the meeting notes once."""
    if not can_write(user):
        return False
    appraisal = feedback.appraisal
    if is_own(user, appraisal):
        return feedback.person_ack_at is None
    if is_direct_manager(user, appraisal):
        return feedback.manager_ack_at is None
    return False


def is_committee_member(user) -> bool:
    from lodestar.appraisal.models import CommitteeMember

    person = person_of(user)
    if person is None:
        return False
    cached = getattr(person, "_appraisal_committee", None)
    if cached is None:
        cached = CommitteeMember.objects.filter(person=person).exists()
        person._appraisal_committee = cached  # type: ignore[attr-defined]
    return cached


def sees_all_appeals(user) -> bool:
    return is_admin(user) or is_committee_member(user)


def visible_appeals(user):
    """Appeals: the committee and admins see them all; a person their own."""
    from lodestar.appraisal.models import Appeal

    qs = Appeal.objects.all()
    if sees_all_appeals(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    return qs.filter(appraisal__person=person)


def can_decide_appeal(user, appeal) -> bool:
    """The committee (and admins) decide an open appeal — never their own."""
    from lodestar.appraisal.models import AppealStatus

    if appeal.status != AppealStatus.OPEN or not can_write(user) or not sees_all_appeals(user):
        return False
    return not is_own(user, appeal.appraisal)


def access_appeal(user, appeal_id: int):
    require_appraisal_user(user)
    appeal = (
        visible_appeals(user)
        .select_related(
            "appraisal__cycle__period", "appraisal__person", "appraisal__department", "decided_by"
        )
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound(_("Appeal not found."), field="appeal_id")
    return appeal


def visible_composites(user):
    """Annual composites: the person, their line managers (department subtree), HR partners and admins."""
    from lodestar.appraisal.models import Composite

    qs = Composite.objects.all()
    if is_hr_or_admin(user):
        return qs
    person = person_of(user)
    if person is None:
        return qs.none()
    return qs.filter(
        Q(person=person)
        | Q(person__manager=person)
        | subtree_q(managed_paths(user), "person__department__path")
    )


def can_compute_composites(user) -> bool:
    return can_run_appraisal(user)


def can_see_promotions(user) -> bool:
    return is_hr_or_admin(user)


def register_outcome_checks() -> None:
    from lodestar.core.permission_checks import register

    register("appraisal.open_pip", can_open_pip_for)
    register("appraisal.open_pip_on", can_open_pip_on)
    register("appraisal.open_pips", lambda user, _obj=None: can_open_pips(user))
    register("appraisal.manage_pip", can_manage_pip)
    register("appraisal.record_pip_check", can_record_pip_check)
    register("appraisal.acknowledge_feedback", can_acknowledge_feedback)
    register("appraisal.decide_appeal", can_decide_appeal)
    register("appraisal.compute_composites", lambda user, _obj=None: can_compute_composites(user))
    register("appraisal.see_promotions", lambda user, _obj=None: can_see_promotions(user))
