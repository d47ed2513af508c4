"""Forms of the knowledge pages: a case (tags as text inputs by kind, goals with the searchable picker),
an SOP, a new SOP version."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy

from lodestar.core.forms import DateInput, IdsChoiceField
from lodestar.core.models import Period
from lodestar.core.widgets import Picker
from lodestar.goals.access import visible_goals
from lodestar.knowledge import domain
from lodestar.knowledge.models import Case, Tag
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department, Person
from lodestar.org.permissions import is_admin, managed_paths, person_of, subtree_q

TAG_HELP = gettext_lazy("Separate tags with commas or spaces, e.g. 新品上市期，大促")


class GoalsField(IdsChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} · {obj.department.name} · {obj.period.name}"


def _writable_departments(user):
    departments = Department.objects.filter(is_active=True).order_by("path")
    if is_admin(user):
        return departments
    person = person_of(user)
    q = subtree_q(managed_paths(user))
    if person is not None and person.department_id:
        q |= Q(pk=person.department_id)
    return departments.filter(q)


class CaseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Case title"), max_length=200)
    outcome = forms.ChoiceField(label=gettext_lazy("Outcome"), choices=Case.Outcome.choices)
    department = DepartmentChoiceField(label=gettext_lazy("Department"), queryset=Department.objects.none())
    period = forms.ModelChoiceField(
        label=gettext_lazy("Period"), queryset=Period.objects.none(), required=False
    )
    context = forms.CharField(
        label=gettext_lazy("Context"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=20000,
        help_text=gettext_lazy("The situation: market, season, budget, team."),
    )
    body = forms.CharField(
        label=gettext_lazy("What was done"),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
        max_length=50000,
    )
    reasons = forms.CharField(
        label=gettext_lazy("Why it worked or failed"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=20000,
    )
    scenario_tags = forms.CharField(
        label=gettext_lazy("Scenarios"), required=False, max_length=400, help_text=TAG_HELP
    )
    channel_tags = forms.CharField(label=gettext_lazy("Channels"), required=False, max_length=400)
    industry_tags = forms.CharField(label=gettext_lazy("Industries"), required=False, max_length=400)
    goals = GoalsField(label=gettext_lazy("Goals"), queryset=None, required=False)
    retrospective = forms.IntegerField(widget=forms.HiddenInput, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = _writable_departments(user)
        self.fields["period"].queryset = Period.objects.order_by("-start", "kind")
        self.fields["goals"].queryset = (
            visible_goals(user).select_related("department", "period").order_by("-period__start", "name")
        )
        self.fields["goals"].widget = Picker(
            placeholder=gettext_lazy("Search goals (name or pinyin)"),
            empty_text=gettext_lazy("No goal matches."),
        )
        self.fields["goals"].widget.choices = self.fields["goals"].choices

    def tags(self) -> dict[str, list[str]]:
        data = self.cleaned_data
        return {
            Tag.Kind.SCENARIO: domain.tag_names(data.get("scenario_tags", "")),
            Tag.Kind.CHANNEL: domain.tag_names(data.get("channel_tags", "")),
            Tag.Kind.INDUSTRY: domain.tag_names(data.get("industry_tags", "")),
        }


def case_tag_initial(tags) -> dict:
    grouped: dict[str, list[str]] = {kind: [] for kind in Tag.Kind.values}
    for tag in tags:
        grouped[tag.kind].append(tag.name)
    return {
        "scenario_tags": "，".join(grouped[Tag.Kind.SCENARIO]),
        "channel_tags": "，".join(grouped[Tag.Kind.CHANNEL]),
        "industry_tags": "，".join(grouped[Tag.Kind.INDUSTRY]),
    }


class PersonField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.display_name} · {obj.department.name if obj.department_id else ''}"


class SopForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("SOP title"), max_length=200)
    department = DepartmentChoiceField(label=gettext_lazy("Department"), queryset=Department.objects.none())
    owner = PersonField(label=gettext_lazy("Owner"), queryset=Person.objects.none())
    review_date = forms.DateField(label=gettext_lazy("Next review"), widget=DateInput)
    cases = IdsChoiceField(
        label=gettext_lazy("Cases that led to it"), queryset=Case.objects.none(), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, user=None, new: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True).order_by("path")
        if not is_admin(user):
            departments = departments.filter(subtree_q(managed_paths(user)))
        self.fields["department"].queryset = departments
        if not new and not (is_admin(user) or managed_paths(user)):
            # The owner edits the details but cannot move the SOP to another department.
            self.fields["department"].disabled = True
            self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["owner"].queryset = (
            Person.objects.filter(is_active=True).select_related("department").order_by("display_name")
        )
        self.fields["cases"].queryset = Case.objects.order_by("-created_at")
        self.fields["cases"].widget = Picker(
            placeholder=gettext_lazy("Search cases"), empty_text=gettext_lazy("No case matches.")
        )
        self.fields["cases"].widget.choices = self.fields["cases"].choices
        if new:
            self.fields["body_markdown"] = forms.CharField(
                label=gettext_lazy("Text (Markdown)"),
                widget=forms.Textarea(attrs={"rows": 14, "class": "form-control font-monospace"}),
                max_length=200000,
            )
            self.fields["change_note"] = forms.CharField(
                label=gettext_lazy("What changed"), max_length=300, required=False
            )


class SopVersionForm(forms.Form):
    body_markdown = forms.CharField(
        label=gettext_lazy("Text (Markdown)"),
        widget=forms.Textarea(attrs={"rows": 18, "class": "form-control font-monospace"}),
        max_length=200000,
    )
    change_note = forms.CharField(label=gettext_lazy("What changed"), max_length=300)
