"""The first-start wizard: company → departments → first admin (the organisation is created
there, in one transaction) → optional import of people → done. And the offer to a superuser
without a person record to become the admin person.

The wizard is open only while the database has no organisation (checked on every request,
in the database) and, once any account exists, only to a signed-in superuser
(`setup.setup_open_to`); otherwise its pages answer 404. Passwords never go into the session:
the steps before the admin keep only the company name, start month and department lines.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError
from lodestar.core.http import add_error_to_form, service_errors
from lodestar.org import importing, setup
from lodestar.org.middleware import LINK_SKIPPED
from lodestar.org.models import Department
from lodestar.org.permissions import is_admin, person_of
from lodestar.org.setup_forms import AdminForm, CompanyForm, DepartmentsForm, LinkForm, PeopleImportForm

WIZARD = "lodestar_setup"
DONE = "lodestar_setup_done"
BACKEND = "lodestar.org.backends.PersonBackend"
STEPS = ("company", "departments", "admin", "people")


def _open_wizard(request):
    """None when the visitor may run the wizard; else the answer (404, or sign in as the superuser)."""
    if setup.organisation_exists():
        raise Http404(_("This install already has an organisation."))
    if not setup.setup_open_to(request.user):
        messages.info(
            request, _("An account exists already: sign in as the superuser to set up the company.")
        )
        return redirect_to_login(reverse("setup:start"))
    return None


def _existing_user(request):
    """The signed-in superuser, who becomes the first admin instead of a new account."""
    user = request.user
    return user if user.is_authenticated and user.is_superuser and person_of(user) is None else None


def _render(request, template: str, step: str, context: dict, status: int = 200):
    context.update({"steps": STEPS, "step": step, "step_index": STEPS.index(step) + 1})
    return render(request, template, context, status=status)


def start(request):
    refused = _open_wizard(request)
    if refused:
        return refused
    data = request.session.get(WIZARD, {})
    form = CompanyForm(
        request.POST or None,
        initial={k: data[k] for k in ("company_name", "fiscal_year_start_month") if k in data},
    )
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            name = setup.validate_company(**form.cleaned_data)
            request.session[WIZARD] = {**data, **form.cleaned_data, "company_name": name}
            return redirect("setup:departments")
    return _render(request, "org/setup/company.html", "company", {"form": form})


def departments(request):
    refused = _open_wizard(request)
    if refused:
        return refused
    data = request.session.get(WIZARD, {})
    if "company_name" not in data:
        return redirect("setup:start")
    form = DepartmentsForm(
        request.POST or None,
        company_name=data["company_name"],
        initial={"departments": data.get("departments_text", "")},
    )
    if request.method == "POST" and form.is_valid():
        request.session[WIZARD] = {
            **data,
            "departments_text": request.POST.get("departments", ""),
            "departments": [[spec.name, spec.code] for spec in form.cleaned_data["departments"]],
        }
        return redirect("setup:admin")
    return _render(
        request,
        "org/setup/departments.html",
        "departments",
        {"form": form, "company_name": data["company_name"]},
    )


def admin(request):
    refused = _open_wizard(request)
    if refused:
        return refused
    data = request.session.get(WIZARD, {})
    if "company_name" not in data:
        return redirect("setup:start")
    if "departments" not in data:
        return redirect("setup:departments")
    existing = _existing_user(request)
    form = AdminForm(request.POST or None, existing_user=existing)
    if request.method == "POST" and form.is_valid():
        try:
            result = setup.company_setup(
                company_name=data["company_name"],
                fiscal_year_start_month=data["fiscal_year_start_month"],
                departments=[setup.DepartmentSpec(name, code) for name, code in data["departments"]],
                admin_username=form.cleaned_data.get("username", ""),
                admin_display_name=form.cleaned_data["display_name"],
                admin_password=form.cleaned_data.get("password"),
                admin_title=form.cleaned_data.get("title", ""),
                existing_user=existing,
            )
        except ApplicationError as exc:
            if exc.code == "organisation_exists":
                raise Http404(exc.message) from exc
            if exc.field == "departments":
                messages.error(request, exc.message)
                return redirect("setup:departments")
            add_error_to_form(form, exc)
        else:
            user = result.admin.user
            login(request, user, backend=BACKEND)
            request.session.pop(WIZARD, None)
            request.session[DONE] = result.company.pk
            messages.success(
                request,
                _("%(company)s is set up: %(n)s departments, and you are its admin.")
                % {"company": result.company.name, "n": len(result.departments) + 1},
            )
            return redirect("setup:people")
    return _render(
        request,
        "org/setup/admin.html",
        "admin",
        {
            "form": form,
            "existing": existing,
            "company_name": data["company_name"],
            "fiscal_year_start_month": data["fiscal_year_start_month"],
            "department_specs": data["departments"],
            "root_code": setup.ROOT_CODE,
        },
    )


def _finished_setup(request):
    """The admin who has just set up the company (this session), or 404."""
    if not request.user.is_authenticated or not request.session.get(DONE) or not is_admin(request.user):
        raise Http404(_("The setup is finished."))


def people(request):
    _finished_setup(request)
    form = PeopleImportForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        with service_errors(form):
            data = upload.read(settings.LODESTAR_IMPORT_MAX_BYTES + 1)
            result = importing.org_import(actor=request.user, kind="people", data=data, filename=upload.name)
            if result.committed:
                messages.success(
                    request,
                    _("Imported %(total)s rows: %(created)s created, %(updated)s updated.")
                    % {"total": result.rows_total, "created": result.created, "updated": result.updated},
                )
                return redirect("setup:done")
    departments = Department.objects.filter(is_active=True).order_by("path")
    return _render(
        request,
        "org/setup/people.html",
        "people",
        {"form": form, "result": result, "departments": departments},
    )


def done(request):
    _finished_setup(request)
    person = person_of(request.user)
    return _render(
        request,
        "org/setup/done.html",
        "people",
        {"person": person, "company": Department.objects.filter(pk=request.session[DONE]).first()},
    )


@login_required
def link(request):
    """A superuser without a person record (createsuperuser) becomes the admin person."""
    if not request.user.is_superuser or person_of(request.user) is not None:
        raise Http404(_("Your account is already a person in the organisation."))
    if not setup.organisation_exists():
        return redirect("setup:start")
    form = LinkForm(request.POST or None, initial={"display_name": request.user.get_full_name()})
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            setup.admin_person_link(user=request.user, **form.cleaned_data)
            messages.success(
                request, _("You are now an admin person: you can own goals and create API tokens.")
            )
            return redirect("home")
    return render(request, "org/setup/link.html", {"form": form})


@require_POST
@login_required
def link_skip(request):
    request.session[LINK_SKIPPED] = True
    return redirect("admin:index")
