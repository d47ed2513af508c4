"""Who may see and change budgets — the one set of rules for the budget pages and API.

- See: admins and HR partners every line; a department manager (a director is the manager of a
  department high in the tree) the lines of the departments they manage and those below; a member
  (specialist) the lines of their own department. Guests (role viewer) see no budget at all: the
  pages and endpoints answer 403.
- Change (create, edit, delete lines; record, import and delete spend; set attribution; accept a
  reallocation): admins everywhere, a department manager in the departments they manage and below.
  HR partners and members read only.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _

from lodestar.budget.models import BudgetLine, Spend
from lodestar.core.errors import NotFound, PermissionDeniedError
from lodestar.core.permission_checks import register
from lodestar.org.models import Department
from lodestar.org.permissions import (
    can_write,
    is_admin,
    is_hr,
    managed_paths,
    manages_department,
    person_of,
    require_person,
    subtree_q,
)


def can_see_budgets(user) -> bool:
    """Anyone in the organisation but a guest (role viewer); admins always."""
    if is_admin(user):
        return True
    person = person_of(user)
    return person is not None and person.role != "viewer"


def require_budget_reader(user) -> None:
    require_person(user)
    if not can_see_budgets(user):
        raise PermissionDeniedError(_("Your role cannot see budgets."))


def visible_department_q(user, field: str = "department") -> Q:
    """Q on rows carrying a department that the user may see the budget of."""
    if is_admin(user) or is_hr(user):
        return Q()
    if not can_see_budgets(user):
        return Q(pk__in=[])
    person = person_of(user)
    q = subtree_q(managed_paths(user), f"{field}__path")
    if person is not None and person.department_id:
        q |= Q(**{field: person.department_id})
    return q


def visible_lines(user):
    return BudgetLine.objects.filter(visible_department_q(user))


def can_manage_department_budget(user, department: Department | None) -> bool:
    """Admins; managers of the department or of one above it."""
    if department is None or not can_write(user):
        return False
    return is_admin(user) or manages_department(user, department)


def can_plan_budgets(user) -> bool:
    """Whether the user manages any budget at all (shows the "new line" and import controls)."""
    return can_write(user) and (is_admin(user) or bool(managed_paths(user)))


def manageable_departments(user):
    """The departments the user may plan budgets for."""
    qs = Department.objects.filter(is_active=True)
    if is_admin(user):
        return qs
    if not can_write(user):
        return qs.none()
    return qs.filter(subtree_q(managed_paths(user)))


def can_see_department(user, department: Department) -> bool:
    if is_admin(user) or is_hr(user):
        return True
    if not can_see_budgets(user):
        return False
    person = person_of(user)
    if manages_department(user, department):
        return True
    return person is not None and person.department_id == department.pk


def access_budget_department(user, department_id: int, *, write: bool = False) -> Department:
    """A department whose budget the user may read (or manage, with write)."""
    require_budget_reader(user)
    department = Department.objects.filter(pk=department_id).first()
    if department is None or not can_see_department(user, department):
        raise NotFound(_("Department not found."), field="department_id")
    if write and not can_manage_department_budget(user, department):
        raise PermissionDeniedError(_("Only an admin or a manager of this department can change its budget."))
    return department


def access_line(user, line_id: int, *, write: bool = False) -> BudgetLine:
    """Fetch a budget line the user may see; with write, one they may change."""
    require_budget_reader(user)
    line = (
        visible_lines(user)
        .select_related("period", "department", "category", "channel", "created_by")
        .filter(pk=line_id)
        .first()
    )
    if line is None:
        raise NotFound(_("Budget line not found."), field="line_id")
    if write and not can_manage_department_budget(user, line.department):
        raise PermissionDeniedError(_("Only an admin or a manager of this department can change its budget."))
    return line


def access_spend(user, spend_id: int, *, write: bool = False) -> Spend:
    require_budget_reader(user)
    spend = (
        Spend.objects.select_related("line__department", "line__period")
        .filter(visible_department_q(user, "line__department"), pk=spend_id)
        .first()
    )
    if spend is None:
        raise NotFound(_("Spend entry not found."), field="spend_id")
    if write and not can_manage_department_budget(user, spend.line.department):
        raise PermissionDeniedError(_("Only an admin or a manager of this department can change its budget."))
    return spend


def register_template_checks() -> None:
    """`{% may "budget.plan" %}` and `{% may "budget.manage" line_or_department %}` in templates."""
    register("budget.read", lambda user, _obj=None: can_see_budgets(user))
    register("budget.plan", lambda user, _obj=None: can_plan_budgets(user))

    def manage(user, obj=None) -> bool:
        department = getattr(obj, "department", obj)
        return can_manage_department_budget(user, department)

    register("budget.manage", manage)
