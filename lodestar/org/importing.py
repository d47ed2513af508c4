"""Bulk import of departments and people from xlsx/csv.

Every row is validated first, against the database *and* the other rows of the file (a
department may name a parent that appears further down; a person may name a manager
imported in the same file). If any row is invalid nothing is written and the caller gets
one error per problem, with its spreadsheet row number. Otherwise all rows are written in
one transaction. Existing records are matched by department code or username and updated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from lodestar.core.errors import ApplicationError, ErrorItem
from lodestar.exchange.readers import Table, read_table
from lodestar.org.models import Department, Person, Position, Role
from lodestar.org.permissions import require_admin
from lodestar.org.services import _move_subtree

User = get_user_model()

DEPARTMENT_COLUMNS = {
    "code": ("部门编码", "编码", "code", "department_code"),
    "name": ("部门名称", "名称", "name", "department_name"),
    "parent_code": ("上级部门编码", "上级编码", "parent_code", "parent"),
    "manager_username": ("负责人账号", "负责人", "manager_username", "manager"),
    "sort_order": ("排序", "sort_order", "order"),
}
DEPARTMENT_REQUIRED = ("code", "name")

PEOPLE_COLUMNS = {
    "username": ("账号", "用户名", "username", "login"),
    "display_name": ("姓名", "display_name", "name"),
    "department_code": ("部门编码", "部门", "department_code", "department"),
    "title": ("职位", "职务", "title"),
    "position": ("岗位", "岗位名称", "position"),
    "email": ("邮箱", "email"),
    "phone": ("手机", "电话", "phone"),
    "manager_username": ("直属上级账号", "直属上级", "manager_username", "manager"),
    "role": ("角色", "role"),
    "is_manager": ("是否部门负责人", "部门负责人", "is_manager"),
}
PEOPLE_REQUIRED = ("username", "display_name", "department_code")

ROLE_WORDS = {
    "admin": Role.ADMIN,
    "管理员": Role.ADMIN,
    "系统管理员": Role.ADMIN,
    "member": Role.MEMBER,
    "成员": Role.MEMBER,
    "员工": Role.MEMBER,
    "": Role.MEMBER,
    "hr": Role.HR,
    "hr partner": Role.HR,
    "hrbp": Role.HR,
    "人力": Role.HR,
    "hr伙伴": Role.HR,
    "viewer": Role.VIEWER,
    "只读": Role.VIEWER,
    "访客": Role.VIEWER,
}
YES_WORDS = {"是", "y", "yes", "true", "1", "√"}
NO_WORDS = {"否", "n", "no", "false", "0", ""}

KIND_LABELS = {"departments": gettext_lazy("Departments"), "people": gettext_lazy("People")}


@dataclass
class ImportResult:
    kind: str
    rows_total: int = 0
    rows_ok: int = 0
    created: int = 0
    updated: int = 0
    errors: list[ErrorItem] = field(default_factory=list)
    encoding: str = ""
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors


def _map_columns(
    table: Table, columns: dict, required: tuple[str, ...]
) -> tuple[dict[str, int], list[ErrorItem]]:
    lookup = {}
    for key, aliases in columns.items():
        for index, header in enumerate(table.headers):
            if header.strip().lower() in {a.lower() for a in aliases}:
                lookup.setdefault(key, index)
    missing = [key for key in required if key not in lookup]
    errors = [
        ErrorItem(
            code="missing_column",
            message=_("Column “%(column)s” is missing.") % {"column": columns[key][0]},
            field=key,
            row=1,
        )
        for key in missing
    ]
    return lookup, errors


def _records(table: Table, lookup: dict[str, int]) -> list[tuple[int, dict[str, str]]]:
    records = []
    for offset, row in enumerate(table.rows):
        if not any(cell.strip() for cell in row):
            continue
        record = {key: (row[index].strip() if index < len(row) else "") for key, index in lookup.items()}
        records.append((offset + 2, record))
    return records


def _error(errors: list[ErrorItem], row: int, field_name: str, message: str, code: str = "invalid") -> None:
    errors.append(ErrorItem(code=code, message=message, field=field_name, row=row))


# --- departments -------------------------------------------------------------------------


def _validate_departments(records) -> tuple[list[ErrorItem], dict[str, Department]]:
    errors: list[ErrorItem] = []
    existing = {d.code: d for d in Department.objects.exclude(code__isnull=True)}
    file_codes: dict[str, int] = {}
    for row, rec in records:
        code = rec["code"]
        if not code:
            _error(errors, row, "code", _("The department code is empty."), "required")
        elif len(code) > 40:
            _error(errors, row, "code", _("The code can be at most 40 characters."))
        elif code in file_codes:
            _error(
                errors,
                row,
                "code",
                _("Code %(code)s also appears in row %(other)s.") % {"code": code, "other": file_codes[code]},
                "duplicate",
            )
        else:
            file_codes[code] = row
        if not rec["name"]:
            _error(errors, row, "name", _("The department name is empty."), "required")
        elif len(rec["name"]) > 80:
            _error(errors, row, "name", _("The name can be at most 80 characters."))
        sort_order = rec.get("sort_order", "")
        if sort_order and not re.fullmatch(r"-?[0-9]{1,9}", sort_order):
            _error(errors, row, "sort_order", _("The sort order must be a whole number."))
    managers = {
        p.user.username: p
        for p in Person.objects.select_related("user").filter(
            user__username__in=[
                rec.get("manager_username", "") for _r, rec in records if rec.get("manager_username")
            ]
        )
    }
    parents = {rec["code"]: rec.get("parent_code", "") for _r, rec in records if rec["code"]}
    for row, rec in records:
        parent_code = rec.get("parent_code", "")
        if parent_code and parent_code not in file_codes and parent_code not in existing:
            _error(
                errors,
                row,
                "parent_code",
                _("Parent department %(code)s does not exist.") % {"code": parent_code},
                "unknown_parent",
            )
        manager_username = rec.get("manager_username", "")
        if manager_username and manager_username not in managers:
            _error(
                errors,
                row,
                "manager_username",
                _("No person has the username %(username)s. Import people first, then set managers.")
                % {"username": manager_username},
                "unknown_person",
            )
        # A cycle in the parent chain: follow file parents first, then existing ones.
        seen = {rec["code"]}
        current = parent_code
        while current:
            if current in seen:
                _error(
                    errors,
                    row,
                    "parent_code",
                    _("The parent chain of %(code)s loops back on itself.") % {"code": rec["code"]},
                    "cycle",
                )
                break
            seen.add(current)
            if current in parents:
                current = parents[current]
            elif current in existing:
                parent = existing[current].parent
                current = parent.code if parent and parent.code else ""
            else:
                break
    return errors, managers


def _write_departments(records, managers) -> tuple[int, int]:
    created = updated = 0
    by_code = {d.code: d for d in Department.objects.exclude(code__isnull=True)}
    # Create or rename first, then link parents so order in the file does not matter.
    for _row, rec in records:
        department = by_code.get(rec["code"])
        manager = managers.get(rec.get("manager_username", ""))
        if department is None:
            department = Department.objects.create(
                code=rec["code"],
                name=rec["name"],
                manager=manager,
                sort_order=int(rec.get("sort_order") or 0),
            )
            department.path = f"/{department.pk}/"
            department.save(update_fields=["path"])
            by_code[rec["code"]] = department
            created += 1
        else:
            department.name = rec["name"]
            if rec.get("manager_username"):
                department.manager = manager
            if rec.get("sort_order"):
                department.sort_order = int(rec["sort_order"])
            department.version += 1
            department.save()
            updated += 1
    # Link parents top-down: a department is placed after its parent has its final path.
    pending = [rec for _row, rec in records]
    placed: set[str] = set()
    while pending:
        progress = False
        for rec in list(pending):
            parent_code = rec.get("parent_code", "")
            if parent_code and parent_code in {r["code"] for r in pending} and parent_code not in placed:
                continue
            if "parent_code" not in rec and by_code[rec["code"]].parent_id is not None:
                # No parent column in the file: an existing department stays where it is.
                placed.add(rec["code"])
                pending.remove(rec)
                progress = True
                continue
            department = Department.objects.get(pk=by_code[rec["code"]].pk)
            parent = Department.objects.get(pk=by_code[parent_code].pk) if parent_code else None
            if (
                parent != department.parent
                or department.path != f"{parent.path if parent else '/'}{department.pk}/"
            ):
                _move_subtree(department, parent)
                department.save()
            placed.add(rec["code"])
            pending.remove(rec)
            progress = True
        if not progress:  # validation refuses cycles; this guards against an endless loop anyway
            raise ApplicationError(_("The parent chain loops back on itself."), field="parent_code")
    return created, updated


# --- people ------------------------------------------------------------------------------


def _validate_people(records) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    departments = set(Department.objects.exclude(code__isnull=True).values_list("code", flat=True))
    file_usernames: dict[str, int] = {}
    for row, rec in records:
        username = rec["username"]
        if not username:
            _error(errors, row, "username", _("The username is empty."), "required")
        else:
            try:
                User.username_validator(username)
            except ValidationError:
                _error(
                    errors, row, "username", _("Usernames may contain only letters, digits and @/./+/-/_.")
                )
            if len(username) > 150:
                _error(errors, row, "username", _("The username can be at most 150 characters."))
            key = username.lower()
            if key in file_usernames:
                _error(
                    errors,
                    row,
                    "username",
                    _("Username %(username)s also appears in row %(other)s.")
                    % {"username": username, "other": file_usernames[key]},
                    "duplicate",
                )
            else:
                file_usernames[key] = row
        if not rec["display_name"]:
            _error(errors, row, "display_name", _("The name is empty."), "required")
        elif len(rec["display_name"]) > 60:
            _error(errors, row, "display_name", _("The name can be at most 60 characters."))
        if not rec["department_code"]:
            _error(errors, row, "department_code", _("The department code is empty."), "required")
        elif rec["department_code"] not in departments:
            _error(
                errors,
                row,
                "department_code",
                _("Department %(code)s does not exist. Import departments first.")
                % {"code": rec["department_code"]},
                "unknown_department",
            )
        if len(rec.get("position", "")) > 60:
            _error(errors, row, "position", _("The position can be at most 60 characters."))
        if len(rec.get("title", "")) > 80:
            _error(errors, row, "title", _("The title can be at most 80 characters."))
        if len(rec.get("phone", "")) > 30:
            _error(errors, row, "phone", _("The phone number can be at most 30 characters."))
        email = rec.get("email", "")
        if email:
            try:
                if len(email) > 254:
                    raise ValidationError("too long")
                validate_email(email)
            except ValidationError:
                _error(
                    errors, row, "email", _("“%(email)s” is not a valid email address.") % {"email": email}
                )
        role_word = rec.get("role", "").strip()
        if role_word.lower() not in ROLE_WORDS and role_word not in ROLE_WORDS:
            _error(
                errors,
                row,
                "role",
                _("Unknown role “%(role)s”: use 成员, 管理员, HR or 只读.") % {"role": role_word},
            )
        is_manager = rec.get("is_manager", "").strip().lower()
        if is_manager not in YES_WORDS | NO_WORDS:
            _error(errors, row, "is_manager", _("Write 是 or 否."))
    # Usernames are matched case-insensitively, as the people service does.
    existing_people = dict(
        Person.objects.values_list(Lower("user__username"), Lower("manager__user__username"))
    )
    accounts_without_person = set(
        User.objects.filter(person__isnull=True)
        .annotate(lower_username=Lower("username"))
        .filter(lower_username__in=list(file_usernames))
        .values_list("lower_username", flat=True)
    )
    file_managers = {}
    for row, rec in records:
        key = rec["username"].lower()
        if key in accounts_without_person:
            message = _("The username %(username)s belongs to an account that is not in the organisation.")
            _error(errors, row, "username", message % {"username": rec["username"]}, "duplicate")
        manager_username = rec.get("manager_username", "").lower()
        if not manager_username:
            continue
        if manager_username == key:
            _error(errors, row, "manager_username", _("A person cannot be their own manager."), "cycle")
        elif manager_username not in file_usernames and manager_username not in existing_people:
            _error(
                errors,
                row,
                "manager_username",
                _("No person has the username %(username)s.") % {"username": rec["manager_username"]},
                "unknown_person",
            )
        else:
            file_managers[key] = manager_username
    # A reporting loop: follow the managers named in the file, then the ones already stored.
    for row, rec in records:
        key = rec["username"].lower()
        seen = {key}
        current = file_managers.get(key)
        while current:
            if current in seen:
                message = _(
                    "This would make a reporting loop: the manager reports (indirectly) to this person."
                )
                _error(errors, row, "manager_username", message, "cycle")
                break
            seen.add(current)
            current = file_managers[current] if current in file_managers else existing_people.get(current)
    return errors


def _position(name: str) -> Position | None:
    """The position of that name, created on first mention: the people file is where positions come from."""
    name = name.strip()
    if not name:
        return None
    position, _created = Position.objects.get_or_create(name=name)
    return position


def _role_of(word: str) -> str:
    return ROLE_WORDS.get(word.strip(), ROLE_WORDS.get(word.strip().lower(), Role.MEMBER))


def _write_people(records) -> tuple[int, int]:
    created = updated = 0
    departments = {d.code: d for d in Department.objects.exclude(code__isnull=True)}
    people: dict[str, Person] = {}
    existing = {
        p.user.username.lower(): p
        for p in Person.objects.select_related("user")
        .annotate(lower_username=Lower("user__username"))
        .filter(lower_username__in=[rec["username"].lower() for _r, rec in records])
    }
    for _row, rec in records:
        key = rec["username"].lower()
        person = existing.get(key)
        department = departments[rec["department_code"]]
        if person is None:
            user = User(username=rec["username"], email=rec.get("email", ""))
            user.set_unusable_password()
            user.save()
            person = Person.objects.create(
                user=user,
                display_name=rec["display_name"],
                department=department,
                title=rec.get("title", ""),
                position=_position(rec.get("position", "")),
                phone=rec.get("phone", ""),
                role=_role_of(rec.get("role", "")),
            )
            created += 1
        else:
            person.display_name = rec["display_name"]
            person.department = department
            if "title" in rec:
                person.title = rec["title"]
            if rec.get("position"):
                person.position = _position(rec["position"])
            if rec.get("phone"):
                person.phone = rec["phone"]
            if rec.get("role"):
                person.role = _role_of(rec["role"])
            if rec.get("email"):
                person.user.email = rec["email"]
                person.user.save(update_fields=["email"])
            person.version += 1
            person.save()
            updated += 1
        people[key] = person
        if rec.get("is_manager", "").strip().lower() in YES_WORDS:
            Department.objects.filter(pk=department.pk).update(manager=person)
    managers = {
        p.user.username.lower(): p
        for p in Person.objects.select_related("user")
        .annotate(lower_username=Lower("user__username"))
        .filter(
            lower_username__in=[
                rec["manager_username"].lower() for _r, rec in records if rec.get("manager_username")
            ]
        )
    }
    managers.update(people)
    for _row, rec in records:
        manager_key = rec.get("manager_username", "").lower()
        if manager_key:
            Person.objects.filter(pk=people[rec["username"].lower()].pk).update(manager=managers[manager_key])
    return created, updated


# --- entry point -------------------------------------------------------------------------


def org_import(*, actor, kind: str, data: bytes, filename: str, commit: bool = True) -> ImportResult:
    """Validate (and with `commit`, write) an import file. Nothing is written when any row is invalid."""
    require_admin(actor)
    if kind not in KIND_LABELS:
        raise ApplicationError(_("Choose what to import: departments or people."), field="kind")
    table = read_table(data, filename)
    columns, required = (
        (DEPARTMENT_COLUMNS, DEPARTMENT_REQUIRED)
        if kind == "departments"
        else (PEOPLE_COLUMNS, PEOPLE_REQUIRED)
    )
    lookup, header_errors = _map_columns(table, columns, required)
    result = ImportResult(kind=kind, encoding=table.encoding)
    if header_errors:
        result.errors = header_errors
        return result
    records = _records(table, lookup)
    result.rows_total = len(records)
    if not records:
        result.errors = [
            ErrorItem(code="empty", message=_("The file has a header row but no data rows."), row=2)
        ]
        return result
    if kind == "departments":
        errors, managers = _validate_departments(records)
    else:
        errors, managers = _validate_people(records), {}
    bad_rows = {e.row for e in errors}
    result.errors = sorted(errors, key=lambda e: (e.row or 0, e.field or ""))
    result.rows_ok = sum(1 for row, _rec in records if row not in bad_rows)
    if errors or not commit:
        return result
    with transaction.atomic():
        if kind == "departments":
            result.created, result.updated = _write_departments(records, managers)
        else:
            result.created, result.updated = _write_people(records)
    result.committed = True
    return result


def template_rows(kind: str) -> tuple[list[str], list[list[str]]]:
    """Header and example rows for the downloadable import template."""
    if kind == "departments":
        return (
            ["部门编码", "部门名称", "上级部门编码", "负责人账号", "排序"],
            [
                ["MKT", "市场营销中心", "", "", "1"],
                ["MKT-CONTENT", "内容营销部", "MKT", "", "1"],
                ["MKT-CONTENT-XHS", "小红书组", "MKT-CONTENT", "", "1"],
            ],
        )
    return (
        [
            "账号",
            "姓名",
            "部门编码",
            "职位",
            "岗位",
            "邮箱",
            "手机",
            "直属上级账号",
            "角色",
            "是否部门负责人",
        ],
        [
            [
                "zhangsan",
                "张三",
                "MKT-CONTENT",
                "内容营销经理",
                "市场岗",
                "zhangsan@example.com",
                "",
                "",
                "成员",
                "是",
            ],
            [
                "lisi",
                "李四",
                "MKT-CONTENT-XHS",
                "小红书运营专员",
                "市场岗",
                "lisi@example.com",
                "",
                "zhangsan",
                "成员",
                "否",
            ],
        ],
    )
