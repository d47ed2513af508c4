"""First start of a real company: the organisation, its calendar and its first admin in one go.

An install without the demo has no departments and no people. `company_setup` creates, in one
transaction, the company (the root department) with its first departments, the first admin as a
user *and* a person (role admin, in the root department, so they get API tokens and can own
goals), the company settings (name, fiscal year start month) and the current fiscal year's
periods, and optionally imports people from the org chart file (`lodestar.org.importing`, the
same importer as the import page). If anything is wrong nothing is written.

Once an organisation exists the setup is refused: it never takes over an existing install.
A superuser made with `createsuperuser` after the organisation exists becomes a person with
`admin_person_link`.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.domain import periods as calendar
from lodestar.core.errors import ApplicationError, ConflictError, ErrorItem
from lodestar.core.models import CompanySettings, Period
from lodestar.org.models import Department, Person, Role
from lodestar.org.services import _validate_username  # the same rule as people edited later

User = get_user_model()

ROOT_CODE = "HQ"
MAX_DEPARTMENTS = 100
_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
# "内容营销部 | CONTENT": a name with an optional code after a bar (ASCII or full-width) or a tab.
_LINE_SPLIT = re.compile(r"\s*[|｜\t]\s*")

# Set once an organisation is known to exist (post_save of a department or person, or a query):
# the first-run middleware then answers without a query. Never set back: the pages and the
# services of the setup check the database itself.
_known_to_exist = False


def organisation_exists() -> bool:
    """True when the database holds any department or person (the demo, a setup, an import…)."""
    return Department.objects.exists() or Person.objects.exists()


def organisation_known() -> bool:
    """`organisation_exists`, remembered in the process once it is true (for the middleware)."""
    global _known_to_exist
    if not _known_to_exist and organisation_exists():
        _known_to_exist = True
    return _known_to_exist


def mark_organisation_exists(**_kwargs) -> None:
    """Signal receiver (post_save of Department and Person): the middleware stops asking."""
    global _known_to_exist
    _known_to_exist = True


def forget_organisation() -> None:
    """For tests that empty the database: the middleware asks the database again."""
    global _known_to_exist
    _known_to_exist = False


def setup_open_to(user) -> bool:
    """Who may run the browser setup while there is no organisation.

    On a brand-new database (no accounts at all) whoever opens the site first sets it up, as
    with any self-hosted install. Once an account exists (`createsuperuser`), only a signed-in
    superuser may, so nobody can claim an install prepared by its operator.
    """
    if user is not None and user.is_authenticated and user.is_superuser:
        return True
    return not User.objects.exists()


# --- input -------------------------------------------------------------------------------


@dataclass(frozen=True)
class DepartmentSpec:
    name: str
    code: str = ""


@dataclass
class SetupResult:
    company: Department
    departments: list[Department]
    admin: Person
    fiscal_years: list[Period]
    people_created: int = 0
    people_updated: int = 0
    warnings: list[str] = field(default_factory=list)


def parse_department_lines(text: str) -> list[DepartmentSpec]:
    """One department a line, "名称" or "名称 | CODE"; blank lines are skipped.

    Raises ApplicationError (field "departments") naming the first bad line.
    """
    specs = []
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        parts = _LINE_SPLIT.split(line, maxsplit=1)
        name = parts[0].strip()
        code = parts[1].strip() if len(parts) > 1 else ""
        if not name:
            raise ApplicationError(
                _("Line %(line)s has a code but no department name.") % {"line": number}, field="departments"
            )
        specs.append(DepartmentSpec(name=name, code=code))
    return specs


def _validate_departments(company_name: str, specs: list[DepartmentSpec]) -> list[DepartmentSpec]:
    """Names and codes checked before anything is written; missing codes are generated (D01, D02…)."""
    if len(specs) > MAX_DEPARTMENTS:
        raise ApplicationError(
            _("Create at most %(n)s departments here; import the rest from a file.") % {"n": MAX_DEPARTMENTS},
            field="departments",
        )
    seen_names: set[str] = {company_name}
    seen_codes: set[str] = {ROOT_CODE}
    for spec in specs:
        if len(spec.name) > 80:
            raise ApplicationError(
                _("“%(name)s…”: a department name can be at most 80 characters.") % {"name": spec.name[:20]},
                field="departments",
            )
        if spec.name in seen_names:
            raise ApplicationError(
                _("The department “%(name)s” is listed twice.") % {"name": spec.name}, field="departments"
            )
        seen_names.add(spec.name)
        if spec.code:
            if len(spec.code) > 40 or not _CODE_RE.match(spec.code):
                raise ApplicationError(
                    _("“%(code)s” is not a valid code: use letters, digits, - _ or . (at most 40).")
                    % {"code": spec.code},
                    field="departments",
                )
            if spec.code.upper() in seen_codes:
                raise ApplicationError(
                    _("The code %(code)s is used twice.") % {"code": spec.code}, field="departments"
                )
            seen_codes.add(spec.code.upper())
    result, counter = [], 0
    for spec in specs:
        code = spec.code
        while not code:
            counter += 1
            candidate = f"D{counter:02d}"
            if candidate not in seen_codes:
                code = candidate
                seen_codes.add(candidate)
        result.append(DepartmentSpec(name=spec.name, code=code))
    return result


def _validate_admin(username: str, display_name: str, password: str | None, existing_user) -> str:
    if existing_user is not None:
        if not existing_user.is_superuser:
            raise ApplicationError(
                _("Only a superuser account can become the first admin."), field="username"
            )
        if Person.objects.filter(user=existing_user).exists():
            raise ApplicationError(_("This account is already a person."), field="username")
    else:
        username = _validate_username(username, instance=None)
        if not password:
            raise ApplicationError(_("Choose a password for the admin."), field="password")
        try:
            validate_password(password, User(username=username))
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from exc
    display_name = (display_name or "").strip()
    if not display_name:
        raise ApplicationError(_("Enter the person's name."), field="display_name")
    if len(display_name) > 60:
        raise ApplicationError(_("The name can be at most 60 characters."), field="display_name")
    return username


def validate_company(*, company_name: str, fiscal_year_start_month: int) -> str:
    company_name = (company_name or "").strip()
    if not company_name:
        raise ApplicationError(_("Enter the company's name."), field="company_name")
    if len(company_name) > 80:
        raise ApplicationError(_("The name can be at most 80 characters."), field="company_name")
    if not 1 <= int(fiscal_year_start_month) <= 12:
        raise ApplicationError(
            _("The start month must be between 1 and 12."), field="fiscal_year_start_month"
        )
    return company_name


def validate_departments(*, company_name: str, departments: list[DepartmentSpec]) -> list[DepartmentSpec]:
    """The departments of the wizard's second step, checked on their own."""
    return _validate_departments((company_name or "").strip(), departments)


def _refuse_if_organisation_exists() -> None:
    if organisation_exists():
        raise ConflictError(
            _(
                "This install already has an organisation; the first-start setup runs only on an empty "
                "database. Manage departments and people on the Organisation pages."
            ),
            code="organisation_exists",
        )


# --- the setup ---------------------------------------------------------------------------


def fiscal_years_to_create(today: dt.date, start_month: int) -> list[int]:
    """The fiscal year containing today, and the next one too in its last quarter (planning season)."""
    year = calendar.fiscal_year_of(today, start_month)
    years = [year]
    if calendar.add_months(calendar.fiscal_year_span(year, start_month).start, 9) <= today:
        years.append(year + 1)
    return years


@transaction.atomic
def company_setup(
    *,
    company_name: str,
    fiscal_year_start_month: int,
    departments: list[DepartmentSpec],
    admin_username: str = "",
    admin_display_name: str,
    admin_password: str | None = None,
    admin_title: str = "",
    existing_user=None,
    people_file: tuple[bytes, str] | None = None,
    today: dt.date | None = None,
) -> SetupResult:
    """Create the organisation of a new install; refused when one exists. All or nothing.

    `existing_user` links a superuser made with `createsuperuser` instead of creating an
    account. `people_file` is (content, filename) of a people sheet for the org chart importer;
    its 部门编码 column names the codes of `departments` (or the root's, HQ).
    """
    from lodestar.org import importing
    from lodestar.org.periods_services import company_settings_update, period_generate_fiscal_year
    from lodestar.org.services import department_create

    # One setup at a time: the settings row is the lock, then the emptiness is checked again.
    CompanySettings.load()
    CompanySettings.objects.select_for_update().get(pk=1)
    _refuse_if_organisation_exists()
    company_name = validate_company(
        company_name=company_name, fiscal_year_start_month=fiscal_year_start_month
    )
    specs = _validate_departments(company_name, departments)
    username = _validate_admin(admin_username, admin_display_name, admin_password, existing_user)

    if existing_user is not None:
        user = existing_user
        if admin_password:
            user.set_password(admin_password)
    else:
        user = User(username=username)
        user.set_password(admin_password)
    # The first admin also keeps the Django admin site, to repair what the pages cannot.
    user.is_staff = True
    user.is_superuser = True
    user.save()
    admin = Person.objects.create(
        user=user,
        display_name=admin_display_name.strip(),
        title=(admin_title or "").strip()[:80],
        role=Role.ADMIN,
    )
    user._lodestar_person = admin  # the services below see the new person, not a cached None
    company = department_create(actor=user, name=company_name, parent=None, code=ROOT_CODE)
    created = [
        department_create(actor=user, name=spec.name, parent=company, code=spec.code, sort_order=index)
        for index, spec in enumerate(specs, start=1)
    ]
    admin.department = company
    admin.save(update_fields=["department", "updated_at"])

    settings_row = CompanySettings.load()
    company_settings_update(
        actor=user,
        company_name=company_name,
        fiscal_year_start_month=int(fiscal_year_start_month),
        version=settings_row.version,
    )
    years = [
        period_generate_fiscal_year(actor=user, year=year)
        for year in fiscal_years_to_create(today or timezone.localdate(), int(fiscal_year_start_month))
    ]
    result = SetupResult(company=company, departments=created, admin=admin, fiscal_years=years)
    if people_file is not None:
        data, filename = people_file
        imported = importing.org_import(actor=user, kind="people", data=data, filename=filename)
        if imported.errors:
            raise ApplicationError(
                _("The people file has problems; nothing was set up. Fix the rows and try again."),
                code="import_invalid",
                field="people",
                errors=imported.errors,
            )
        result.people_created, result.people_updated = imported.created, imported.updated
    return result


@transaction.atomic
def admin_person_link(*, user, display_name: str, department: Department | None, title: str = "") -> Person:
    """Make a superuser without a person record (made with `createsuperuser`) the admin person.

    Only the superuser themselves, and only while they have no person: they can then get API
    tokens and own goals. Without a department they sit in the root department.
    """
    if user is None or not user.is_authenticated or not user.is_superuser:
        raise ApplicationError(_("Only a superuser account can become an admin person."), code="forbidden")
    if Person.objects.filter(user=user).exists():
        raise ConflictError(_("This account is already a person."), code="already_linked")
    display_name = (display_name or "").strip()
    if not display_name:
        raise ApplicationError(_("Enter the person's name."), field="display_name")
    if len(display_name) > 60:
        raise ApplicationError(_("The name can be at most 60 characters."), field="display_name")
    if len(title or "") > 80:
        raise ApplicationError(_("The title can be at most 80 characters."), field="title")
    if department is None:
        department = Department.objects.filter(parent__isnull=True, is_active=True).order_by("path").first()
    person = Person.objects.create(
        user=user,
        display_name=display_name,
        title=(title or "").strip(),
        department=department,
        role=Role.ADMIN,
    )
    user._lodestar_person = person
    return person


def import_errors_as_text(errors: list[ErrorItem]) -> list[str]:
    """The importer's problems as lines ("row 3 · department_code: …") for the command and pages."""
    lines = []
    for error in errors:
        where = _("row %(row)s") % {"row": error.row} if error.row else ""
        column = f" · {error.field}" if error.field else ""
        lines.append(f"{where}{column}: {error.message}")
    return lines
