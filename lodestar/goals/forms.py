"""Forms of the goal pages. They only shape input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lodestar.core.forms import VersionField
from lodestar.core.models import Period
from lodestar.core.widgets import FastSelect, FastSelectMultiple
from lodestar.goals.models import DirectionChoice, Goal, GoalKind, GoalType, MeasureUnit, Visibility
from lodestar.goals.services.adjustments import approvers_of
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department, Person


class PeriodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Period) -> str:
        return f"{obj.label}{' · ' + str(_('closed')) if obj.is_closed else ''}"


class PersonChoiceField(forms.ModelChoiceField):
    widget = FastSelect

    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name}{' · ' + obj.title if obj.title else ''}"


def period_choices():
    return Period.objects.exclude(kind="week").order_by("-fiscal_year", "kind", "start")


def people_choices():
    return Person.objects.filter(is_active=True).order_by("department__path", "display_name")


class GoalPicker(forms.Widget):
    """A searchable choice of a goal (对齐到): a search box whose HTMX listbox offers the matching goals
    the user may align to (by name or department); picking one fills a hidden input with its id.

    Thousands of visible goals never go into the page: only the chosen goal's label is read (one
    query), and the field validates the id against the whole visible set on the server."""

    template_name = "goals/widgets/goal_picker.html"
    search_suffix = "_search"

    def __init__(self, attrs=None, *, exclude_id: int | None = None):
        super().__init__(attrs)
        self.exclude_id = exclude_id
        self.choices = []

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        chosen = None
        queryset = getattr(self.choices, "queryset", None)
        if value not in (None, "") and queryset is not None and str(value).isdigit():
            chosen = queryset.select_related("department", "period").filter(pk=value).first()
        context["widget"].update(
            search_name=name + self.search_suffix,
            chosen=chosen,
            value=chosen.pk if chosen else "",
            url=reverse("goals:parent_options"),
            exclude_id=self.exclude_id or "",
        )
        return context

    def value_from_datadict(self, data, files, name):
        value = data.get(name)
        if value in (None, "") and (data.get(name + self.search_suffix) or "").strip():
            return "?"  # text typed but no goal picked from the list: refused as an invalid choice
        return value

    def value_omitted_from_data(self, data, files, name):
        return name not in data and name + self.search_suffix not in data


class GoalChoiceField(forms.ModelChoiceField):
    """A goal chosen with GoalPicker, validated against the full queryset it is given (never a cut
    list). ModelChoiceField hands the widget its choices iterator, whose queryset gives the label."""

    widget = GoalPicker
    default_error_messages = {
        "invalid_choice": _(
            "Choose a goal from the search results: type part of its name or department, then pick it."
        ),
    }


def goal_label(goal: Goal) -> str:
    return f"{goal.name} · {goal.department.name} · {goal.period.label}"


class GoalForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=GoalKind.choices, initial=GoalKind.KPI)
    name = forms.CharField(label=_("Goal name"), max_length=200)
    goal_type = forms.ModelChoiceField(
        label=_("Type"), queryset=GoalType.objects.filter(is_active=True), required=False
    )
    description = forms.CharField(
        label=_("SMART description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = PersonChoiceField(label=_("Owner"), queryset=Person.objects.none())
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    collaborating_departments = forms.ModelMultipleChoiceField(
        label=_("Collaborating departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 4}),
    )
    period = PeriodChoiceField(label=_("Period"), queryset=Period.objects.none())
    parent = GoalChoiceField(label=_("Aligned to"), queryset=Goal.objects.none(), required=False)
    weight = forms.DecimalField(
        label=_("Weight (%)"), required=False, min_value=0, max_value=100, decimal_places=2
    )
    visibility = forms.ChoiceField(
        label=_("Visibility"), choices=Visibility.choices, initial=Visibility.PUBLIC
    )
    notes = forms.CharField(
        label=_("Notes and risks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    context = forms.CharField(
        label=_("Inputs: strategy, market, history, resources"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    version = VersionField()

    def __init__(self, *args, departments, parents, goal: Goal | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].widget.exclude_id = goal.pk if goal is not None else None
        self.fields["version"].required = goal is not None  # editing: the version must come back
        self.fields["owner"].queryset = people_choices()
        self.fields["department"].queryset = departments
        self.fields["collaborating_departments"].queryset = Department.objects.filter(
            is_active=True
        ).order_by("path")
        self.fields["period"].queryset = period_choices()
        self.fields["parent"].queryset = parents


class MeasureForm(forms.Form):
    name = forms.CharField(label=_("Metric"), max_length=100)
    unit = forms.ChoiceField(label=_("Unit"), choices=MeasureUnit.choices, initial=MeasureUnit.COUNT)
    unit_label = forms.CharField(label=_("Custom unit"), max_length=20, required=False)
    direction = forms.ChoiceField(
        label=_("Direction"), choices=DirectionChoice.choices, initial=DirectionChoice.HIGHER
    )
    baseline = forms.DecimalField(label=_("Baseline"), required=False, max_digits=18, decimal_places=4)
    target = forms.DecimalField(label=_("Base target"), max_digits=18, decimal_places=4)
    challenge = forms.DecimalField(
        label=_("Challenge target"), required=False, max_digits=18, decimal_places=4
    )
    range_max = forms.DecimalField(
        label=_("Upper bound (range)"), required=False, max_digits=18, decimal_places=4
    )
    current = forms.DecimalField(label=_("Current value"), required=False, max_digits=18, decimal_places=4)
    weight = forms.DecimalField(
        label=_("Weight (%)"),
        required=False,
        min_value=0,
        max_value=100,
        decimal_places=2,
        help_text=_(
            "Share of the goal's achievement. Empty: shares equally what the weighted measures leave; "
            "when every measure has one they add up to 100."
        ),
    )
    # A choice rather than a checkbox so that "not chosen" lets the unit decide (off for percentages).
    accumulates = forms.TypedChoiceField(
        label=_("Adds up over time"),
        choices=[
            ("", _("By unit (off for percentages)")),
            ("1", _("Yes: counts and amounts (篇, 元, 次)")),
            ("0", _("No: a level such as a rate or an average (复购率, 互动率)")),
        ],
        coerce=lambda value: value == "1",
        empty_value=None,
        required=False,
        help_text=_("Check-ins of a level report where it stands; they are not added up."),
    )
    version = VersionField()


class CurrentValueForm(forms.Form):
    current = forms.DecimalField(label=_("Current value"), max_digits=18, decimal_places=4)
    version = VersionField(required=True)


class ConsensusStartForm(forms.Form):
    participants = forms.ModelMultipleChoiceField(
        label=_("Participants who sign off"),
        queryset=Person.objects.none(),
        widget=FastSelectMultiple(attrs={"size": 8}),
    )
    minutes = forms.CharField(
        label=_("Minutes of the consensus meeting"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=20000,
    )
    include_children = forms.BooleanField(
        label=_("Agree the draft sub-goals (the decomposition's parts) in the same round"), required=False
    )

    def __init__(self, *args, draft_children: int = 0, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["participants"].queryset = people_choices()
        if not draft_children:
            del self.fields["include_children"]
        else:
            self.fields["include_children"].help_text = _("%(n)s draft sub-goals.") % {"n": draft_children}


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("agreed", _("Agree")), ("objected", _("Object"))])
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class AdjustmentForm(forms.Form):
    """A target change request. The approver defaults to the nearest manager above the requester; an
    admin may tick "apply directly" instead."""

    measure = forms.ModelChoiceField(label=_("Measure"), queryset=None)
    new_target = forms.DecimalField(label=_("New target"), max_digits=18, decimal_places=4)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3}), max_length=4000)
    trigger = forms.CharField(
        label=_("Trigger"),
        max_length=200,
        required=False,
        help_text=_("The condition that triggered it, e.g. “竞品降价超过15%”."),
    )
    approved_by = PersonChoiceField(
        label=_("Approver"),
        queryset=Person.objects.none(),
        required=False,
        help_text=_("The change waits until this person (or another manager above) approves it."),
    )
    apply_directly = forms.BooleanField(
        label=_("Apply directly (admin): change the target now, without a request"), required=False
    )

    def __init__(self, *args, goal, admin: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["measure"].queryset = goal.measures.all()
        self.fields[
            "measure"
        ].empty_label = None  # a goal's measure is always chosen; the first is the default
        # Only people who may approve (the service refuses anyone else); a short list at any size.
        self.fields["approved_by"].queryset = approvers_of(goal)
        if not admin:
            del self.fields["apply_directly"]


class AdjustmentDecisionForm(forms.Form):
    comment = forms.CharField(
        label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=4000
    )


class CopyForm(forms.Form):
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    source_period = PeriodChoiceField(label=_("Copy goals of"), queryset=Period.objects.none())
    target_period = PeriodChoiceField(label=_("Into"), queryset=Period.objects.none())

    def __init__(self, *args, departments, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["source_period"].queryset = period_choices()
        self.fields["target_period"].queryset = period_choices().filter(is_closed=False)


class TemplateForm(forms.Form):
    name = forms.CharField(label=_("Template name"), max_length=100)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
