"""Shell pages: profile (API tokens), password change, fiscal periods and company settings."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import PasswordChangeForm
from django.db.models import Count, Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError
from lodestar.core.forms import CompanySettingsForm, CustomPeriodForm, GenerateYearForm, TokenForm
from lodestar.core.http import add_error_to_form, page_view
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.org import periods_services as services
from lodestar.org.permissions import is_admin, is_manager, person_of, require_admin, require_person
from lodestar.org.services import api_token_create, api_token_revoke


@page_view
def profile(request):
    person = require_person(request.user)
    form = TokenForm(request.POST or None)
    new_secret = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_secret = api_token_create(
                actor=request.user,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                days=form.cleaned_data["days"],
            )
            messages.success(request, _("Token created. Copy it now: it will not be shown again."))
            form = TokenForm()
        except ApplicationError as exc:
            add_error_to_form(form, exc)
    tokens = person.api_tokens.all() if person else []
    return render(
        request,
        "org/profile.html",
        {
            "person": person,
            "form": form,
            "tokens": tokens,
            "new_secret": new_secret,
            "now": timezone.now(),
        },
    )


@require_POST
@page_view
def token_revoke(request, token_id: int):
    api_token_revoke(actor=request.user, token_id=token_id)
    messages.success(request, _("The token was revoked. Scripts using it can no longer sign in."))
    return redirect("profile")


@login_required
def password_change(request):
    form = PasswordChangeForm(request.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        update_session_auth_hash(request, user)
        messages.success(request, _("Your password was changed."))
        return redirect("profile")
    return render(request, "org/password_change.html", {"form": form})


@page_view
def period_list(request):
    require_person(request.user)
    years = list(
        Period.objects.filter(kind=PeriodKind.YEAR)
        .annotate(closed_children=Count("children", filter=Q(children__is_closed=True)))
        .order_by("-start")
    )
    selected_id = request.GET.get("year")
    selected = next((y for y in years if str(y.pk) == selected_id), None) or next(
        (y for y in years if y.start <= timezone.localdate() <= y.end), years[0] if years else None
    )
    quarters, months, weeks = [], [], []
    if selected is not None:
        rows = list(
            Period.objects.filter(fiscal_year=selected.fiscal_year)
            .exclude(kind=PeriodKind.YEAR)
            .order_by("start", "-end")
        )
        quarters = [p for p in rows if p.kind == PeriodKind.QUARTER]
        months = [p for p in rows if p.kind == PeriodKind.MONTH]
        weeks = [p for p in rows if p.kind == PeriodKind.WEEK]
    customs = list(Period.objects.filter(kind=PeriodKind.CUSTOM).order_by("-start")[:100])
    admin = is_admin(request.user)
    return render(
        request,
        "org/periods.html",
        {
            "years": years,
            "selected": selected,
            "quarters": quarters,
            "months": months,
            "weeks": weeks,
            "customs": customs,
            "is_admin": admin,
            # Admins close whole periods, managers their departments' goals (the close page decides).
            "can_close": admin or is_manager(request.user),
            "today": timezone.localdate(),
            "generate_form": GenerateYearForm() if admin else None,
            "custom_form": CustomPeriodForm() if admin else None,
            "settings": CompanySettings.load(),
        },
    )


@require_POST
@page_view
def period_generate(request):
    require_admin(request.user)
    form = GenerateYearForm(request.POST)
    if form.is_valid():
        try:
            year = services.period_generate_fiscal_year(actor=request.user, year=form.cleaned_data["year"])
            messages.success(
                request,
                _("Fiscal year %(name)s is ready with its quarters, months and weeks.")
                % {"name": year.label},
            )
            return redirect(f"{reverse('periods:list')}?year={year.pk}")
        except ApplicationError as exc:
            messages.error(request, exc.message)
    else:
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
    return redirect("periods:list")


@page_view
def period_custom(request):
    require_admin(request.user)
    form = CustomPeriodForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.period_create_custom(actor=request.user, **form.cleaned_data)
            messages.success(request, _("The period was created."))
            return redirect("periods:list")
        except ApplicationError as exc:
            add_error_to_form(form, exc)
    return render(request, "org/period_custom.html", {"form": form})


@page_view
def company_settings(request):
    require_admin(request.user)
    settings_row = CompanySettings.load()
    form = CompanySettingsForm(
        request.POST or None, instance=settings_row, initial={"version": settings_row.version}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.company_settings_update(actor=request.user, **form.cleaned_data)
            messages.success(request, _("Settings saved. New fiscal years use the new start month."))
            return redirect("periods:list")
        except ApplicationError as exc:
            add_error_to_form(form, exc)
    return render(request, "org/settings.html", {"form": form, "person": person_of(request.user)})
