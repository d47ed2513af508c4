"""Organisation pages: people directory, org chart, department and people management, import."""

from __future__ import annotations

import io

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from lodestar.core.errors import NotFound
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.org import importing, selectors, services
from lodestar.org.forms import DepartmentForm, ImportForm, PersonForm
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    access_department,
    access_person,
    can_write,
    is_admin,
    managed_paths,
    manages_department,
    require_admin,
    require_org_manager,
    require_person,
    subtree_q,
)


@page_view
def directory(request):
    """The company directory: everyone signed in can search it."""
    require_person(request.user)
    department = None
    if request.GET.get("department"):
        department_id = int_param(request.GET["department"])
        if department_id is None:
            raise NotFound(_("Department not found."))
        department = access_department(request.user, department_id)
    q = (request.GET.get("q") or "").strip()[:80]
    people = selectors.person_directory(department=department, q=q or None)
    page = Paginator(people, 50).get_page(request.GET.get("page"))
    departments = list(Department.objects.filter(is_active=True).order_by("path"))
    return render(
        request,
        "org/directory.html",
        {
            "page": page,
            "q": q,
            "department": department,
            "departments": departments,
            "can_manage": is_admin(request.user)
            or (can_write(request.user) and bool(managed_paths(request.user))),
            "is_admin": is_admin(request.user),
        },
    )


@page_view
def person_detail(request, person_id: int):
    person = access_person(request.user, person_id)
    reports = list(person.reports.filter(is_active=True).select_related("department"))
    managed = list(person.managed_departments.all())
    can_edit = is_admin(request.user) or (
        can_write(request.user)
        and manages_department(request.user, person.department)
        and not person.is_admin
    )
    return render(
        request,
        "org/person_detail.html",
        {
            "person": person,
            "reports": reports,
            "managed": managed,
            "can_edit": can_edit,
        },
    )


@page_view
def chart(request):
    require_person(request.user)
    roots = selectors.org_tree()
    selectors.subtree_counts(roots)
    return render(request, "org/chart.html", {"roots": roots})


@page_view
def departments(request):
    require_org_manager(request.user)
    roots = selectors.org_tree(include_inactive=True)
    selectors.subtree_counts(roots)
    admin = is_admin(request.user)
    paths = managed_paths(request.user)
    return render(
        request,
        "org/departments.html",
        {
            "roots": roots,
            "is_admin": admin,
            "managed_paths": paths,
        },
    )


def _manageable_departments(user):
    qs = Department.objects.filter(is_active=True).order_by("path")
    return qs if is_admin(user) else qs.filter(subtree_q(managed_paths(user)))


def _people_choices():
    return Person.objects.filter(is_active=True).select_related("department").order_by("display_name")


APPOINT_RULE = gettext_lazy(
    "A manager can appoint only people of the departments they manage; an admin can appoint anyone."
)


def _appointable_managers(user, department: Department | None):
    """Everyone for an admin; for a manager, the people of their own subtree (and the current manager)."""
    people = _people_choices()
    if is_admin(user):
        return people
    keep = Q(pk=department.manager_id) if department is not None and department.manager_id else Q(pk__in=[])
    return people.filter(subtree_q(managed_paths(user), "department__path") | keep)


@page_view
def department_edit(request, department_id: int | None = None):
    require_org_manager(request.user)
    department = access_department(request.user, department_id, write=True) if department_id else None
    parents = _manageable_departments(request.user)
    if department is not None:
        parents = parents.exclude(path__startswith=department.path)
    initial = {}
    if department is not None:
        initial = {
            "name": department.name,
            "code": department.code,
            "parent": department.parent,
            "manager": department.manager,
            "sort_order": department.sort_order,
            "version": department.version,
        }
    elif request.GET.get("parent"):
        initial = {
            "parent": parents.filter(pk=int_param(request.GET["parent"])).first()
            if int_param(request.GET["parent"])
            else None
        }
    form = DepartmentForm(
        request.POST or None,
        initial=initial,
        parents=parents,
        managers=_appointable_managers(request.user, department),
    )
    form.fields["version"].required = department is not None  # editing: the version must come back
    if not is_admin(request.user):
        # Only an admin may add a top-level department: a manager is not offered "no parent".
        form.fields["parent"].required = True
        form.fields["parent"].empty_label = None
        form.fields["manager"].help_text = APPOINT_RULE
        form.fields["manager"].error_messages["invalid_choice"] = APPOINT_RULE
    if (
        department is not None
        and department.parent_id
        and not parents.filter(pk=department.parent_id).exists()
    ):
        # A manager editing the department they run cannot move it: keep its parent as the only choice.
        form.fields["parent"].queryset = Department.objects.filter(pk=department.parent_id)
        form.fields["parent"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            if department is None:
                department = services.department_create(
                    actor=request.user,
                    name=data["name"],
                    code=data["code"],
                    parent=data["parent"],
                    manager=data["manager"],
                    sort_order=data["sort_order"],
                )
                messages.success(request, _("Department %(name)s was created.") % {"name": department.name})
            else:
                services.department_update(
                    actor=request.user,
                    department=department,
                    version=data["version"],
                    name=data["name"],
                    code=data["code"],
                    parent=data["parent"],
                    manager=data["manager"],
                    sort_order=data["sort_order"],
                )
                messages.success(request, _("Department %(name)s was saved.") % {"name": data["name"]})
            return redirect("org:departments")
    return render(request, "org/department_form.html", {"form": form, "department": department})


@require_POST
@page_view
def department_delete(request, department_id: int):
    department = access_department(request.user, department_id, write=True)
    with service_errors(request):
        services.department_delete(actor=request.user, department=department)
        messages.success(request, _("Department %(name)s was deleted.") % {"name": department.name})
    return redirect("org:departments")


@page_view
def person_edit(request, person_id: int | None = None):
    require_org_manager(request.user)
    person = access_person(request.user, person_id, write=True) if person_id else None
    initial = {}
    if person is not None:
        initial = {
            "username": person.user.username,
            "display_name": person.display_name,
            "email": person.user.email,
            "title": person.title,
            "phone": person.phone,
            "department": person.department,
            "manager": person.manager,
            "role": person.role,
            "is_active": person.is_active,
            "version": person.version,
        }
    elif int_param(request.GET.get("department")):
        initial = {
            "department": _manageable_departments(request.user)
            .filter(pk=int_param(request.GET["department"]))
            .first()
        }
    managers = _people_choices()
    if person is not None:
        managers = managers.exclude(pk=person.pk)
    form = PersonForm(
        request.POST or None,
        initial=initial,
        departments=_manageable_departments(request.user),
        managers=managers,
        can_set_role=is_admin(request.user),
        editing=person is not None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        with service_errors(form):
            if person is None:
                person = services.person_create(
                    actor=request.user,
                    username=data["username"],
                    display_name=data["display_name"],
                    department=data["department"],
                    title=data["title"],
                    email=data["email"],
                    manager=data["manager"],
                    role=data["role"],
                    phone=data["phone"],
                    password=data.get("password") or None,
                )
                messages.success(request, _("%(name)s was added.") % {"name": person.display_name})
            else:
                version = data.pop("version")
                services.person_update(actor=request.user, person=person, version=version, **data)
                messages.success(request, _("%(name)s was saved.") % {"name": data["display_name"]})
            return redirect("org:person", person_id=person.pk)
    return render(request, "org/person_form.html", {"form": form, "person": person})


@page_view
def import_upload(request):
    require_admin(request.user)
    form = ImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with service_errors(form):
            # Read one byte past the limit so the reader can refuse an oversized file clearly.
            data = upload.read(settings.LODESTAR_IMPORT_MAX_BYTES + 1)
            result = importing.org_import(
                actor=request.user,
                kind=form.cleaned_data["kind"],
                data=data,
                filename=upload.name,
                commit=True,
            )
            if result.committed:
                messages.success(
                    request,
                    _("Imported %(total)s rows: %(created)s created, %(updated)s updated.")
                    % {"total": result.rows_total, "created": result.created, "updated": result.updated},
                )
                return redirect("org:departments" if result.kind == "departments" else "org:directory")
    return render(request, "org/import.html", {"form": form, "result": result}, status=200)


@page_view
def import_template(request, kind: str):
    require_admin(request.user)
    if kind not in importing.KIND_LABELS:
        raise NotFound(_("Unknown import template."))
    from openpyxl import Workbook

    headers, rows = importing.template_rows(kind)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = str(importing.KIND_LABELS[kind])
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    for column in sheet.columns:
        sheet.column_dimensions[column[0].column_letter].width = 18
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = f'attachment; filename="lodestar-{kind}-template.xlsx"'
    return response
