"""Who reads and who changes the knowledge library (pages and API alike go through these helpers).

- Cases and SOPs are the company's shared knowledge: everyone signed in with an active person record
  reads them (viewers — the guests of the demo — too: like the org directory, they read, never write).
  The goals a case links to are shown only where the reader may see them (`visible_goals`).
- A case is written by anyone who writes (not viewers) for their own department or one they manage; it
  is changed by its author, a manager of its department's subtree, or an admin.
- An SOP is created by an admin or a manager (for a department of their subtree); it is changed (new
  versions, metadata) by its owner, a manager of its department's subtree, or an admin; deleted by the
  managers and admins only.
- The annual report of a department: admins and HR partners for every department and the whole
  company; managers for their subtree; members for their own department.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.goals.access import access_goal
from lodestar.knowledge.models import Case, Sop, SopVersion
from lodestar.org.models import Department
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    is_manager,
    manages_department,
    person_of,
    require_person,
)
from lodestar.retrospectives.access import visible_retrospectives


def can_read(user) -> bool:
    return is_admin(user) or person_of(user) is not None


def may_write_for(user, department: Department | None) -> bool:
    """May the user file a case under `department`: their own, one they manage, any (admin)."""
    if department is None or not can_write(user):
        return False
    if is_admin(user) or manages_department(user, department):
        return True
    person = person_of(user)
    return person is not None and person.department_id == department.pk


def can_create_case(user) -> bool:
    return can_write(user) and (is_admin(user) or person_of(user) is not None)


def can_edit_case(user, case: Case) -> bool:
    if not can_write(user):
        return False
    if is_admin(user) or manages_department(user, case.department):
        return True
    person = person_of(user)
    return person is not None and case.author_id == person.pk


def can_create_sop(user) -> bool:
    return is_admin(user) or (can_write(user) and is_manager(user))


def can_edit_sop(user, sop: Sop) -> bool:
    if not can_write(user):
        return False
    if is_admin(user) or manages_department(user, sop.department):
        return True
    person = person_of(user)
    return person is not None and sop.owner_id == person.pk


def can_delete_sop(user, sop: Sop) -> bool:
    return is_admin(user) or (can_write(user) and manages_department(user, sop.department))


def can_read_report(user, department: Department | None) -> bool:
    if is_admin(user) or is_hr(user):
        return True
    if department is None:
        return False
    if manages_department(user, department):
        return True
    person = person_of(user)
    return person is not None and person.department_id == department.pk


def _require_reader(user) -> None:
    require_person(user)


def access_case(user, case_id: int, *, write: bool = False) -> Case:
    _require_reader(user)
    case = (
        Case.objects.select_related("department", "author", "period", "retrospective")
        .filter(pk=case_id)
        .first()
    )
    if case is None:
        raise NotFound(_("Case not found."), field="case_id")
    if write and not can_edit_case(user, case):
        raise PermissionDeniedError(
            _("Only the case's author, a manager of its department or an admin can change it.")
        )
    return case


def access_sop(user, sop_id: int, *, write: bool = False, delete: bool = False) -> Sop:
    _require_reader(user)
    sop = Sop.objects.select_related("department", "owner").filter(pk=sop_id).first()
    if sop is None:
        raise NotFound(_("SOP not found."), field="sop_id")
    if delete and not can_delete_sop(user, sop):
        raise PermissionDeniedError(_("Only a manager of the SOP's department or an admin can delete it."))
    if write and not can_edit_sop(user, sop):
        raise PermissionDeniedError(
            _("Only the SOP's owner, a manager of its department or an admin can change it.")
        )
    return sop


def access_sop_version(user, sop: Sop, number: int) -> SopVersion:
    version = SopVersion.objects.select_related("author").filter(sop=sop, number=number).first()
    if version is None:
        raise NotFound(_("SOP version not found."), field="number")
    return version


def require_case_creator(user) -> None:
    require_person(user)
    if not can_create_case(user):
        raise PermissionDeniedError(_("Your role can view but not change data."))


def require_sop_creator(user) -> None:
    require_person(user)
    if not can_create_sop(user):
        raise PermissionDeniedError(_("Only an admin or a department manager can create an SOP."))


def require_report_reader(user, department: Department | None) -> None:
    require_person(user)
    if not can_read_report(user, department):
        raise PermissionDeniedError(
            _("The annual report of a department is for its managers and members, HR partners and admins.")
        )


def register_checks() -> None:
    from lodestar.core.permission_checks import register

    register("knowledge.create_case", can_create_case)
    register("knowledge.edit_case", can_edit_case)
    register("knowledge.create_sop", can_create_sop)
    register("knowledge.edit_sop", can_edit_sop)
    register("knowledge.delete_sop", can_delete_sop)


def access_source_retrospective(user, retrospective_id: int):
    """The retrospective a case is written from, only if `user` may read it (the retrospectives app's
    `visible_retrospectives`): its highlights, problems and root cause fill the case form, so one the
    reader may not open is "not found" (404), never a prefill."""
    require_person(user)
    retrospective = (
        visible_retrospectives(user)
        .select_related("goal", "department", "period")
        .filter(pk=retrospective_id)
        .first()
    )
    if retrospective is None:
        raise NotFound(_("Retrospective not found or not visible to you."), field="retrospective_id")
    if retrospective.goal_id:
        # The case will link its goal and cite its figures: the goal must be visible too (404 otherwise).
        access_goal(user, retrospective.goal_id)
    return retrospective


def can_read_retrospective(user, retrospective_id: int | None) -> bool:
    return retrospective_id is not None and visible_retrospectives(user).filter(pk=retrospective_id).exists()
