"""Pages of alerting: the alerts (mine, my departments', all), one alert with its actions and
comments, and the alert rules with their form."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Prefetch
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from lodestar.alerts import access, escalation, rules, services
from lodestar.alerts.models import Alert, AlertComment, AlertCondition, AlertRule
from lodestar.core.errors import ApplicationError, PermissionDeniedError
from lodestar.core.http import add_error_to_form, int_param, page_view
from lodestar.goals.access import visible_goals
from lodestar.goals.models import Goal, GoalStatus, GoalType
from lodestar.notifications.models import Delivery
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department, Person
from lodestar.org.permissions import (
    can_write,
    is_admin,
    managed_paths,
    require_person,
    subtree_q,
)

RECIPIENT_CHOICES = [
    ("owner", gettext_lazy("Goal owner")),
    ("responsible", gettext_lazy("Responsible (R) of the item")),
    ("accountable", gettext_lazy("Accountable (A) of the item")),
    ("manager", gettext_lazy("Department manager")),
]
CHANNEL_CHOICES = [
    ("inbox", gettext_lazy("In-app inbox")),
    ("email", gettext_lazy("Email")),
    ("webhook", gettext_lazy("Group chat webhooks")),
]
STATUS_FILTERS = [
    ("unresolved", gettext_lazy("Unresolved")),
    ("open", pgettext_lazy("alert status", "Open")),
    ("acknowledged", gettext_lazy("Acknowledged")),
    ("resolved", gettext_lazy("Resolved")),
    ("all", gettext_lazy("All")),
]


class GoalChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Goal) -> str:
        return f"{obj.name} · {obj.department.name}"


class AlertRuleForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    scope = forms.ChoiceField(label=gettext_lazy("Scope"), choices=AlertRule.Scope.choices)
    department = DepartmentChoiceField(
        label=gettext_lazy("Department"), queryset=Department.objects.none(), required=False
    )
    goal = GoalChoiceField(label=gettext_lazy("Goal"), queryset=Goal.objects.none(), required=False)
    condition = forms.ChoiceField(label=gettext_lazy("Condition"), choices=AlertCondition.choices)
    threshold = forms.DecimalField(
        label=gettext_lazy("Threshold"),
        required=False,
        max_digits=9,
        decimal_places=4,
        help_text=gettext_lazy(
            "A fraction: 0.8 means 80% (achievement, pace, probability of reaching the target, or shortfall)."
        ),
    )
    against_full_target = forms.BooleanField(
        label=gettext_lazy("Against the full target"),
        required=False,
        help_text=gettext_lazy(
            "For achievement rules. Unticked (the default), achievement is compared with the plan to date "
            "(the measure's time-phased plan, or a straight line from the period start), so a goal that is "
            "ahead of plan early in the period raises nothing."
        ),
    )
    goal_type = forms.ModelChoiceField(
        label=gettext_lazy("Only goals of type"),
        queryset=GoalType.objects.none(),
        required=False,
        empty_label=gettext_lazy("All goal types"),
    )
    measure_name = forms.CharField(
        label=gettext_lazy("Only measures named"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("For example 销售额; empty for all measures."),
    )
    days = forms.IntegerField(
        label=gettext_lazy("Days"),
        required=False,
        min_value=0,
        help_text=gettext_lazy("For no check-in, overdue and blocked items."),
    )
    recipients = forms.MultipleChoiceField(
        label=gettext_lazy("Recipients"), choices=RECIPIENT_CHOICES, widget=forms.CheckboxSelectMultiple
    )
    escalate_after_days = forms.IntegerField(
        label=gettext_lazy("Escalate after (days)"),
        required=False,
        min_value=1,
        help_text=gettext_lazy(
            "Still not acknowledged after this many days: goes one level up the reporting line."
        ),
    )
    channels = forms.MultipleChoiceField(
        label=gettext_lazy("Channels"),
        choices=CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["inbox"],
    )
    is_active = forms.BooleanField(label=gettext_lazy("Active"), required=False, initial=True)
    # The version the editor loaded: saving over someone else's newer change is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True).order_by("path")
        goals = visible_goals(user).filter(status__in=[GoalStatus.ACTIVE, GoalStatus.DRAFT])
        if not is_admin(user):
            roots = managed_paths(user)
            departments = departments.filter(subtree_q(roots))
            goals = goals.filter(subtree_q(roots, "department__path"))
            self.fields["scope"].choices = [
                c for c in AlertRule.Scope.choices if c[0] != AlertRule.Scope.COMPANY
            ]
        self.fields["goal_type"].queryset = GoalType.objects.filter(is_active=True)
        self.fields["department"].queryset = departments
        self.fields["goal"].queryset = goals.select_related("department").order_by("department__path", "name")


def _rule_initial(rule: AlertRule) -> dict:
    return {
        "name": rule.name,
        "scope": rule.scope,
        "department": rule.department_id,
        "goal": rule.goal_id,
        "condition": rule.condition,
        "threshold": rule.threshold,
        "against_full_target": rule.against_full_target,
        "goal_type": rule.goal_type_id,
        "measure_name": rule.measure_name,
        "days": rule.days,
        "recipients": rule.recipients,
        "escalate_after_days": rule.escalate_after_days,
        "channels": rule.channels,
        "is_active": rule.is_active,
        "version": rule.version,
    }


def _require_rule_manager(user) -> None:
    require_person(user)
    if not (is_admin(user) or (can_write(user) and managed_paths(user))):
        raise PermissionDeniedError(_("Only an admin or a department manager can set alert rules."))


@page_view
def rule_list(request):
    _require_rule_manager(request.user)
    rules = list(access.manageable_rules(request.user).order_by("scope", "name"))
    return render(
        request,
        "alerts/rules.html",
        {"rules": rules, "section": "rules", "is_admin": is_admin(request.user)},
    )


def _rule_form_page(request, rule: AlertRule | None):
    _require_rule_manager(request.user)
    if request.method == "POST":
        form = AlertRuleForm(request.POST, user=request.user)
        if form.is_valid():
            data = dict(form.cleaned_data)
            try:
                if rule is None:
                    rule = rules.rule_create(actor=request.user, **data)
                    messages.success(request, _("Alert rule created."))
                else:
                    rules.rule_update(actor=request.user, rule=rule, **data)
                    messages.success(request, _("Alert rule saved."))
                return redirect("alerts:rules")
            except ApplicationError as exc:
                add_error_to_form(form, exc)
    else:
        initial = _rule_initial(rule) if rule else {"scope": request.GET.get("scope", "")}
        if rule is None and int_param(request.GET.get("goal")):
            initial.update(scope=AlertRule.Scope.GOAL, goal=int_param(request.GET["goal"]))
        form = AlertRuleForm(initial=initial, user=request.user)
    return render(request, "alerts/rule_form.html", {"form": form, "rule": rule, "section": "rules"})


@page_view
def rule_create(request):
    return _rule_form_page(request, None)


@page_view
def rule_edit(request, rule_id: int):
    return _rule_form_page(request, access.access_rule(request.user, rule_id))


@require_POST
@page_view
def rule_delete(request, rule_id: int):
    rule = access.access_rule(request.user, rule_id)
    rules.rule_delete(actor=request.user, rule=rule)
    messages.success(request, _("Alert rule deleted."))
    return redirect("alerts:rules")


def _filtered(request, queryset):
    status = request.GET.get("status", "unresolved")
    if status == "unresolved":
        queryset = queryset.exclude(status=Alert.Status.RESOLVED)
    elif status in Alert.Status.values:
        queryset = queryset.filter(status=status)
    else:
        status = "all"
    return queryset, status


@page_view
def alert_list(request):
    """My alerts (sent to me), my departments' alerts (managers), or all (admins)."""
    person = require_person(request.user)
    admin = is_admin(request.user)
    roots = managed_paths(request.user)
    views = [("mine", _("My alerts"))]
    if roots or admin:
        views.append(("department", _("My departments")))
    if admin:
        views.append(("all", _("All alerts")))
    view = request.GET.get("view", "mine")
    if view not in dict(views):
        view = "mine"
    queryset = access.visible_alerts(request.user)
    if view == "mine":
        queryset = (
            queryset.filter(pk__in=Alert.recipients.through.objects.filter(person=person).values("alert"))
            if person
            else queryset.none()
        )
    elif view == "department":
        queryset = (
            queryset.filter(
                subtree_q(roots, "goal__department__path") | subtree_q(roots, "item__department__path")
            )
            if roots
            else (queryset if admin else queryset.none())
        )
    queryset, status = _filtered(request, queryset)
    queryset = queryset.select_related(
        "rule",
        "goal__department",
        "measure",
        "item__department",
        "retrospective__department",
        "acknowledged_by",
    ).prefetch_related(Prefetch("recipients", queryset=Person.objects.order_by("display_name")))
    page = Paginator(queryset.order_by("-created_at", "-id"), 50).get_page(request.GET.get("page"))
    for alert in page.object_list:
        alert.actionable = _can_act(request.user, person, alert, roots)
    return render(
        request,
        "alerts/list.html",
        {
            "page": page,
            "views": views,
            "view": view,
            "status": status,
            "status_filters": STATUS_FILTERS,
            "section": "alerts",
            "can_manage_rules": admin or (can_write(request.user) and bool(roots)),
        },
    )


def _can_act(user, person, alert: Alert, roots: list[str]) -> bool:
    """`access.can_act_on_alert` on prefetched rows (no query per row)."""
    if is_admin(user):
        return True
    if not can_write(user) or person is None:
        return False
    if any(p.pk == person.pk for p in alert.recipients.all()):
        return True
    department = access.alert_department(alert)
    return department is not None and any(department.path.startswith(root) for root in roots)


@page_view
def alert_detail(request, alert_id: int):
    alert = access.access_alert(request.user, alert_id)
    comments = AlertComment.objects.filter(alert=alert).select_related("author")
    deliveries = (
        Delivery.objects.filter(alert=alert)
        .select_related("endpoint", "recipient")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "alerts/detail.html",
        {
            "alert": alert,
            "recipients": alert.recipients.order_by("display_name"),
            "comments": comments,
            "deliveries": deliveries[:50],
            "can_act": access.can_act_on_alert(request.user, alert),
            "top": escalation.top_recipient(alert) if alert.escalation_level else None,
            "section": "alerts",
        },
    )


def _back(request, alert: Alert):
    target = request.POST.get("next", "")
    if target.startswith("/") and not target.startswith("//"):
        return redirect(target)
    return redirect("alerts:detail", alert.pk)


def _act(request, alert_id: int, action):
    alert = access.access_alert(request.user, alert_id, act=True)
    try:
        action(alert)
    except PermissionDeniedError:
        raise
    except ApplicationError as exc:
        messages.error(request, exc.message)
    return _back(request, alert)


@require_POST
@page_view
def alert_acknowledge(request, alert_id: int):
    def run(alert):
        services.alert_acknowledge(actor=request.user, alert=alert)
        messages.success(request, _("Alert acknowledged."))

    return _act(request, alert_id, run)


@require_POST
@page_view
def alert_comment(request, alert_id: int):
    def run(alert):
        services.alert_comment(actor=request.user, alert=alert, body=request.POST.get("body", ""))

    return _act(request, alert_id, run)


@require_POST
@page_view
def alert_resolve(request, alert_id: int):
    def run(alert):
        services.alert_resolve(actor=request.user, alert=alert, comment=request.POST.get("comment", ""))
        messages.success(request, _("Alert resolved."))

    return _act(request, alert_id, run)
