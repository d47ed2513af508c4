"""Writes for departments, people and API tokens. Each service checks permission, validates, and is atomic."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Any, TypedDict, Unpack

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, NotFound, PermissionDeniedError
from lodestar.core.references import refuse_delete_while_referenced
from lodestar.core.services import Actor, bump_version, check_version
from lodestar.org.models import ApiToken, Department, Person, Role
from lodestar.org.permissions import (
    can_write,
    is_admin,
    manages_department,
    require_org_manager,
)

User = get_user_model()


# --- departments -------------------------------------------------------------------------


def _check_can_place_under(actor: Actor, parent: Department | None) -> None:
    """Non-admins may only create or move departments inside a subtree they manage."""
    if is_admin(actor):
        return
    if parent is None or not manages_department(actor, parent):
        raise PermissionDeniedError(
            _("You can only place departments inside a department you manage."), field="parent_id"
        )


def _check_can_appoint(actor: Actor, manager: Person | None) -> None:
    """A department manager may appoint as a manager only someone of a department they manage
    (their own subtree); an admin may appoint anyone."""
    if manager is None or is_admin(actor):
        return
    if manager.department is None or not manages_department(actor, manager.department):
        raise ApplicationError(
            _(
                "%(name)s is not in a department you manage: a manager can appoint only people of their "
                "own departments; ask an admin to appoint someone from elsewhere."
            )
            % {"name": manager.display_name},
            code="manager_outside_subtree",
            field="manager_id",
        )


def _validate_department_fields(
    *, name: str, code: str | None, instance: Department | None
) -> tuple[str, str | None]:
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Enter the department's name."), field="name")
    if len(name) > 80:
        raise ApplicationError(_("The name can be at most 80 characters."), field="name")
    code = (code or "").strip() or None
    if code is not None:
        if len(code) > 40:
            raise ApplicationError(_("The code can be at most 40 characters."), field="code")
        clash = Department.objects.filter(code=code)
        if instance is not None:
            clash = clash.exclude(pk=instance.pk)
        if clash.exists():
            raise ApplicationError(_("Another department already uses this code."), field="code")
    return name, code


@transaction.atomic
def department_create(
    *,
    actor: Actor,
    name: str,
    parent: Department | None,
    code: str | None = None,
    manager: Person | None = None,
    sort_order: int = 0,
) -> Department:
    require_org_manager(actor)
    _check_can_place_under(actor, parent)
    if parent is None and Department.objects.filter(parent__isnull=True).exists() and not is_admin(actor):
        raise PermissionDeniedError(_("Only an admin can create a top-level department."), field="parent_id")
    name, code = _validate_department_fields(name=name, code=code, instance=None)
    _check_can_appoint(actor, manager)
    department = Department.objects.create(
        name=name,
        code=code,
        parent=parent,
        manager=manager,
        sort_order=sort_order,
        depth=(parent.depth + 1) if parent else 0,
    )
    department.path = f"{parent.path if parent else '/'}{department.pk}/"
    department.save(update_fields=["path"])
    return department


def _move_subtree(department: Department, new_parent: Department | None) -> None:
    """Rewrite the paths and depths of `department` and every descendant in two UPDATEs."""
    if new_parent is not None and new_parent.path.startswith(department.path):
        raise ApplicationError(
            _("A department cannot be placed under itself or one of its sub-departments."), field="parent_id"
        )
    old_path = department.path
    new_path = f"{new_parent.path if new_parent else '/'}{department.pk}/"
    depth_delta = ((new_parent.depth + 1) if new_parent else 0) - department.depth
    subtree = Department.objects.filter(path__startswith=old_path)
    subtree.update(
        path=Concat(Value(new_path), Substr("path", len(old_path) + 1)),
    )
    if depth_delta:
        from django.db.models import F

        Department.objects.filter(path__startswith=new_path).update(depth=F("depth") + depth_delta)
    department.path = new_path
    department.depth += depth_delta
    department.parent = new_parent


@transaction.atomic
def department_update(
    *, actor: Actor, department: Department, version: int | None = None, **changes: Any
) -> Department:
    """Change a department's name, code, manager, order, active flag or parent (a move)."""
    department = Department.objects.select_for_update().get(pk=department.pk)
    if not (is_admin(actor) or (can_write(actor) and manages_department(actor, department))):
        raise PermissionDeniedError(_("Only an admin or a manager of this department can change it."))
    check_version(department, version)
    name, code = _validate_department_fields(
        name=changes.get("name", department.name),
        code=changes.get("code", department.code),
        instance=department,
    )
    department.name, department.code = name, code
    if "manager" in changes:
        # A manager cannot reassign the management of the department they themselves run.
        if (
            not is_admin(actor)
            and not manages_department(actor, department.parent)
            and changes["manager"] != department.manager
        ):
            raise PermissionDeniedError(
                _("Only an admin or the parent department's manager can change who manages this department."),
                field="manager_id",
            )
        if changes["manager"] != department.manager:
            _check_can_appoint(actor, changes["manager"])
        department.manager = changes["manager"]
    if "sort_order" in changes and changes["sort_order"] is not None:
        department.sort_order = changes["sort_order"]
    if "is_active" in changes and changes["is_active"] is not None:
        if not changes["is_active"] and department.members.filter(is_active=True).exists():
            raise ApplicationError(
                _("Move the people out of this department before deactivating it."), field="is_active"
            )
        if not changes["is_active"] and department.children.filter(is_active=True).exists():
            raise ApplicationError(_("Deactivate or move its sub-departments first."), field="is_active")
        department.is_active = changes["is_active"]
    if "parent" in changes and changes["parent"] != department.parent:
        new_parent = changes["parent"]
        _check_can_place_under(actor, new_parent)
        if not is_admin(actor) and not manages_department(actor, department.parent):
            raise PermissionDeniedError(_("You cannot move the department you manage."), field="parent_id")
        if new_parent is None and not is_admin(actor):
            raise PermissionDeniedError(
                _("Only an admin can create a top-level department."), field="parent_id"
            )
        _move_subtree(department, new_parent)
    bump_version(department)
    department.save()
    return department


@transaction.atomic
def department_delete(*, actor: Actor, department: Department) -> None:
    if not (is_admin(actor) or (can_write(actor) and manages_department(actor, department.parent))):
        raise PermissionDeniedError(
            _("Only an admin or the parent department's manager can delete a department.")
        )
    # Sub-departments, members, goals and items (also those in the trash), phases, RACI roles, alert
    # rules, webhooks: a 409 naming them with counts, never a ProtectedError (500) or a silent cascade.
    refuse_delete_while_referenced(department)
    department.delete()


# --- people ------------------------------------------------------------------------------


def _validate_username(username: str, *, instance: Person | None) -> str:
    username = (username or "").strip()
    if not username:
        raise ApplicationError(_("Enter a username."), field="username")
    try:
        User.username_validator(username)
    except ValidationError as exc:
        raise ApplicationError(
            _("Usernames may contain only letters, digits and @/./+/-/_."), field="username"
        ) from exc
    if len(username) > 150:
        raise ApplicationError(_("The username can be at most 150 characters."), field="username")
    clash = User.objects.filter(username__iexact=username)
    if instance is not None:
        clash = clash.exclude(pk=instance.user_id)
    if clash.exists():
        raise ApplicationError(_("This username is already taken."), field="username", code="duplicate")
    return username


def _validate_person_fields(data: dict) -> None:
    display_name = (data.get("display_name") or "").strip()
    if "display_name" in data and not display_name:
        raise ApplicationError(_("Enter the person's name."), field="display_name")
    if len(display_name) > 60:
        raise ApplicationError(_("The name can be at most 60 characters."), field="display_name")
    if len(data.get("title") or "") > 80:
        raise ApplicationError(_("The title can be at most 80 characters."), field="title")
    email = (data.get("email") or "").strip()
    if email:
        try:
            validate_email(email)
        except ValidationError as exc:
            raise ApplicationError(_("Enter a valid email address."), field="email") from exc
    if data.get("role") and data["role"] not in Role.values:
        raise ApplicationError(_("Choose a valid role."), field="role")


def _check_person_placement(actor: Actor, department: Department | None, role: str | None) -> None:
    if is_admin(actor):
        return
    if department is None or not manages_department(actor, department):
        raise PermissionDeniedError(
            _("You can only place people in a department you manage."), field="department_id"
        )
    if role in (Role.ADMIN, Role.HR):
        raise PermissionDeniedError(_("Only an admin can give the admin or HR partner role."), field="role")


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    username: str,
    display_name: str,
    department: Department | None,
    title: str = "",
    email: str = "",
    manager: Person | None = None,
    role: str = Role.MEMBER,
    phone: str = "",
    password: str | None = None,
) -> Person:
    require_org_manager(actor)
    _check_person_placement(actor, department, role)
    _validate_person_fields({"display_name": display_name, "title": title, "email": email, "role": role})
    username = _validate_username(username, instance=None)
    user = User(username=username, email=email.strip())
    if password:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ApplicationError(" ".join(exc.messages), field="password") from exc
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    return Person.objects.create(
        user=user,
        display_name=display_name.strip(),
        title=title.strip(),
        department=department,
        manager=manager,
        role=role or Role.MEMBER,
        phone=phone.strip(),
    )


def _check_manager_chain(person: Person, manager: Person | None) -> None:
    """A person cannot report to themselves or to someone who (indirectly) reports to them."""
    seen = set()
    current = manager
    while current is not None:
        if current.pk == person.pk:
            raise ApplicationError(
                _("This would make a reporting loop: the manager reports (indirectly) to this person."),
                field="manager_id",
            )
        if current.pk in seen:
            break
        seen.add(current.pk)
        current = current.manager


class PersonChanges(TypedDict, total=False):
    """What a person's edit may change; an absent key stays as it is (`manager=None` clears it)."""

    department: Department | None
    role: str
    manager: Person | None
    display_name: str | None
    title: str | None
    phone: str | None
    is_active: bool | None
    username: str | None
    email: str | None


@transaction.atomic
def person_update(
    *, actor: Actor, person: Person, version: int | None = None, **changes: Unpack[PersonChanges]
) -> Person:
    # Lock only the person row: PostgreSQL refuses FOR UPDATE on the nullable side of the department join.
    people = Person.objects.select_for_update(of=("self",)).select_related("user", "department")
    person = people.get(pk=person.pk)
    if not (is_admin(actor) or (can_write(actor) and manages_department(actor, person.department))):
        raise PermissionDeniedError(_("Only an admin or the person's department manager can change them."))
    if person.is_admin and not is_admin(actor):
        # A manager must not rename, move or deactivate a system admin who sits in their subtree.
        raise PermissionDeniedError(_("Only an admin can change a system admin."))
    check_version(person, version)
    _validate_person_fields(dict(changes))
    if "department" in changes and changes["department"] != person.department:
        _check_person_placement(actor, changes["department"], None)
        person.department = changes["department"]
    if changes.get("role") and changes["role"] != person.role:
        if not is_admin(actor):
            raise PermissionDeniedError(_("Only an admin can change a person's role."), field="role")
        person.role = changes["role"]
    if "manager" in changes:
        _check_manager_chain(person, changes["manager"])
        person.manager = changes["manager"]
    texts = {f: changes.get(f) for f in ("display_name", "title", "phone")}
    for field, text in texts.items():
        if isinstance(text, str):
            setattr(person, field, text.strip())
    if "is_active" in changes and changes["is_active"] is not None:
        if not changes["is_active"] and person.user_id == getattr(actor, "pk", None):
            raise ApplicationError(_("You cannot deactivate yourself."), field="is_active")
        person.is_active = changes["is_active"]
        person.user.is_active = changes["is_active"]
    username, email = changes.get("username"), changes.get("email")
    if username:
        person.user.username = _validate_username(username, instance=person)
    if email is not None:
        person.user.email = email.strip()
    person.user.save()
    bump_version(person)
    person.save()
    return person


# --- API tokens --------------------------------------------------------------------------

TOKEN_PREFIX = "lds_"


def hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def api_token_create(
    *, actor: Actor, name: str, scope: str = ApiToken.Scope.READ_WRITE, days: int | None = None
) -> tuple[ApiToken, str]:
    """Create a personal token; returns the record and the secret, which is never stored or shown again."""
    from lodestar.org.permissions import require_person

    person = require_person(actor)
    if person is None:
        raise NotFound(_("Your account has no person record."))
    name = (name or "").strip()
    if not name:
        raise ApplicationError(_("Name the token, e.g. after the script that uses it."), field="name")
    if len(name) > 60:
        raise ApplicationError(_("The name can be at most 60 characters."), field="name")
    if scope not in ApiToken.Scope.values:
        raise ApplicationError(_("Choose a valid scope."), field="scope")
    days = settings.LODESTAR_API_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 3650:
        raise ApplicationError(_("A token can be valid for 1 to 3650 days."), field="days")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=person,
        name=name,
        prefix=secret[: len(TOKEN_PREFIX) + 6],
        token_hash=hash_token(secret),
        scope=scope,
        expires_at=timezone.now() + dt.timedelta(days=days),
    )
    return token, secret


@transaction.atomic
def api_token_revoke(*, actor: Actor, token_id: int) -> ApiToken:
    from lodestar.org.permissions import person_of

    person = person_of(actor)
    token = ApiToken.objects.filter(pk=token_id).first()
    if token is None or person is None or (token.person_id != person.pk and not is_admin(actor)):
        raise NotFound(_("Token not found."))
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def api_token_authenticate(secret: str) -> ApiToken | None:
    """The live token for a secret (not revoked, not expired, active person), or None."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("person__user", "person__department")
        .filter(
            token_hash=hash_token(secret),
            revoked_at__isnull=True,
            person__is_active=True,
            person__user__is_active=True,
        )
        .first()
    )
    if token is None or (token.expires_at and token.expires_at <= timezone.now()):
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token
