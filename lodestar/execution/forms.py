"""Forms of the execution pages; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lodestar.core.forms import DateInput, VersionField
from lodestar.core.widgets import FastSelectMultiple
from lodestar.execution.models import ActionItem, ItemStatus, Phase, Priority
from lodestar.goals.forms import PersonChoiceField, people_choices
from lodestar.goals.models import Goal, Measure
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department, Person


class ItemForm(forms.Form):
    title = forms.CharField(label=_("Task (what)"), max_length=200)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    goal = forms.ModelChoiceField(label=_("Goal"), queryset=Goal.objects.none(), required=False)
    measure = forms.ModelChoiceField(
        label=_("Counts toward measure"), queryset=Measure.objects.none(), required=False
    )
    phase = forms.ModelChoiceField(label=_("Phase"), queryset=Phase.objects.none(), required=False)
    description = forms.CharField(label=_("How"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start = forms.DateField(label=_("Start"), required=False, widget=DateInput)
    due = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    is_milestone = forms.BooleanField(label=_("Milestone"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.P1)
    responsible = forms.ModelMultipleChoiceField(
        label=_("Responsible (R)"),
        queryset=Person.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 4}),
    )
    accountable = PersonChoiceField(
        label=_("Accountable (A)"), queryset=Person.objects.none(), required=False
    )
    consulted = forms.ModelMultipleChoiceField(
        label=_("Consulted (C)"),
        queryset=Person.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    consulted_departments = forms.ModelMultipleChoiceField(
        label=_("Consulted departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    informed = forms.ModelMultipleChoiceField(
        label=_("Informed (I)"),
        queryset=Person.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    informed_departments = forms.ModelMultipleChoiceField(
        label=_("Informed departments"),
        queryset=Department.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    done_standard = forms.CharField(
        label=_("Standard of done"), max_length=300, required=False, help_text=_("e.g. 点赞≥500, 评论≥100")
    )
    deliverable = forms.CharField(label=_("Deliverable"), max_length=300, required=False)
    planned_quantity = forms.DecimalField(
        label=_("Planned quantity"), required=False, max_digits=18, decimal_places=4
    )
    actual_quantity = forms.DecimalField(
        label=_("Actual quantity"), required=False, max_digits=18, decimal_places=4
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, help_text=_("e.g. 篇, 条, 场"))
    budget = forms.DecimalField(label=_("Budget (yuan)"), required=False, max_digits=18, decimal_places=2)
    people_needed = forms.CharField(label=_("People needed"), max_length=200, required=False)
    materials = forms.CharField(
        label=_("Materials"), max_length=300, required=False, help_text=_("e.g. 素材库, KOL名单")
    )
    requested_department = DepartmentChoiceField(
        label=_("Ask another department"),
        queryset=Department.objects.none(),
        required=False,
        help_text=_("Cross-department support (design, tech, legal): its manager accepts and names the R."),
    )
    version = VersionField()

    def __init__(self, *args, departments, goals, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing  # editing: the version must come back
        people = people_choices()
        all_departments = Department.objects.filter(is_active=True).order_by("path")
        self.fields["department"].queryset = departments
        self.fields["goal"].queryset = goals
        self.fields["measure"].queryset = Measure.objects.filter(goal__in=goals).select_related("goal")
        self.fields["phase"].queryset = Phase.objects.all()
        for name in ("responsible", "consulted", "informed"):
            self.fields[name].queryset = people
        self.fields["accountable"].queryset = people
        for name in ("consulted_departments", "informed_departments", "requested_department"):
            self.fields[name].queryset = all_departments
        if editing:
            for name in (
                "responsible",
                "accountable",
                "consulted",
                "consulted_departments",
                "informed",
                "informed_departments",
                "requested_department",
            ):
                del self.fields[name]
            self.fields["department"].disabled = True


class RaciForm(forms.Form):
    responsible = forms.ModelMultipleChoiceField(
        label=_("Responsible (R)"),
        queryset=Person.objects.none(),
        widget=FastSelectMultiple(attrs={"size": 4}),
    )
    accountable = PersonChoiceField(label=_("Accountable (A)"), queryset=Person.objects.none())
    consulted = forms.ModelMultipleChoiceField(
        label=_("Consulted (C)"),
        queryset=Person.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    informed = forms.ModelMultipleChoiceField(
        label=_("Informed (I)"),
        queryset=Person.objects.none(),
        required=False,
        widget=FastSelectMultiple(attrs={"size": 3}),
    )
    version = VersionField(required=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("responsible", "accountable", "consulted", "informed"):
            self.fields[name].queryset = people_choices()


class RowForm(forms.Form):
    """The inline row of the task decomposition table."""

    title = forms.CharField(max_length=200)
    start = forms.DateField(required=False, widget=DateInput)
    due = forms.DateField(required=False, widget=DateInput)
    deliverable = forms.CharField(max_length=300, required=False)
    priority = forms.ChoiceField(choices=Priority.choices)
    status = forms.ChoiceField(choices=ItemStatus.choices)
    people_needed = forms.CharField(max_length=200, required=False)
    budget = forms.DecimalField(required=False, max_digits=18, decimal_places=2)
    version = VersionField(required=True)


class BulkForm(forms.Form):
    items = forms.ModelMultipleChoiceField(queryset=ActionItem.objects.all())
    responsible = PersonChoiceField(label=_("New R"), queryset=Person.objects.none(), required=False)
    due = forms.DateField(label=_("New due date"), required=False, widget=DateInput)
    status = forms.ChoiceField(
        label=_("New status"), choices=[("", "—"), *ItemStatus.choices], required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].queryset = people_choices()
        self.fields["responsible"].empty_label = "—"


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=4000,
        help_text=_("Mention someone with @username or @姓名: they are notified."),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
