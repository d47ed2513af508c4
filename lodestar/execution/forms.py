"""Forms of the execution pages; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.db.models import Q
from django.forms.models import ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from lodestar.core.forms import DateInput, VersionField
from lodestar.core.widgets import Picker, SinglePicker
from lodestar.execution import selectors
from lodestar.execution.models import ActionItem, ItemStatus, Phase, Priority
from lodestar.goals.forms import PersonChoiceField
from lodestar.goals.models import Goal, Measure
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department, Person


class PeopleField(forms.ModelMultipleChoiceField):
    """People for a RACI letter, in a searchable picker (name, title, department, pinyin)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", people_picker())
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name}{' · ' + obj.title if obj.title else ''}"


class PersonField(forms.ModelChoiceField):
    """One person (the A), in the same picker with radios."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", people_picker(single=True))
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.display_name}{' · ' + obj.title if obj.title else ''}"


class DepartmentsField(forms.ModelMultipleChoiceField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault(
            "widget",
            Picker(
                search_of=lambda d: d.name,
                placeholder=_("Search departments"),
                empty_text=_("No department matches."),
            ),
        )
        super().__init__(*args, **kwargs)

    def label_from_instance(self, obj: Department) -> str:
        return obj.name


def people_picker(*, single: bool = False) -> Picker:
    widget_class = SinglePicker if single else Picker
    return widget_class(
        search_of=lambda p: f"{p.display_name} {p.department.name if p.department_id else ''}",
        placeholder=_("Search by name or pinyin, e.g. lx"),
        empty_text=_("No one matches."),
    )


class MeasureField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Measure) -> str:
        return f"{obj.goal.name} · {obj.name}"


# The item form in the seeds' 5W1H (DOMAIN.md §2): what, who (RACI), when, where, how, resources.
# A group that is `collapsed` opens by itself when one of its fields holds a value or an error.
ITEM_GROUPS = (
    ("what", pgettext_lazy("5W1H", "What"), _("the task, the goal it serves and its standard of done"), False,
     ("title", "goal", "measure", "planned_quantity", "unit", "done_standard", "deliverable", "priority")),
    ("who", pgettext_lazy("5W1H", "Who"), _("R does it, A approves (exactly one)"), False, ("responsible", "accountable")),
    ("raci_more", _("Consulted and informed (C, I)"), _("people or whole departments"), True,
     ("consulted", "consulted_departments", "informed", "informed_departments")),
    ("when", pgettext_lazy("5W1H", "When"), _("dates, milestone and campaign phase"), False, ("start", "due", "is_milestone", "phase")),
    ("where", pgettext_lazy("5W1H", "Where"), _("the plan it belongs to"), False, ("department",)),
    ("how", pgettext_lazy("5W1H", "How"), _("the approach and what is done so far"), True, ("description", "actual_quantity")),
    ("resources", pgettext_lazy("5W1H", "Resources"), _("budget, people, materials, support of another department"), True,
     ("budget", "people_needed", "materials", "requested_department")),
)  # fmt: skip


class ItemForm(forms.Form):
    # Short fields share a row on wide screens (templates/execution/_item_field.html).
    half_fields = frozenset(
        {"planned_quantity", "unit", "done_standard", "deliverable", "start", "due", "budget", "people_needed",
         "responsible", "accountable", "consulted", "informed", "consulted_departments", "informed_departments"}
    )  # fmt: skip
    title = forms.CharField(label=_("Task (what)"), max_length=200)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    goal = forms.ModelChoiceField(label=_("Goal"), queryset=Goal.objects.none(), required=False)
    measure = MeasureField(
        label=_("Counts toward measure"),
        queryset=Measure.objects.none(),
        required=False,
        help_text=_("The measures of the chosen goal: the item's actual quantity counts toward it."),
    )
    phase = forms.ModelChoiceField(
        label=_("Phase"),
        queryset=Phase.objects.none(),
        required=False,
        help_text=_("The phases of the plan (预热期, 爆发期, 返场期): set them on the task table."),
    )
    description = forms.CharField(label=_("How"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    start = forms.DateField(label=_("Start"), required=False, widget=DateInput)
    due = forms.DateField(label=_("Due"), required=False, widget=DateInput)
    is_milestone = forms.BooleanField(label=_("Milestone"), required=False)
    priority = forms.ChoiceField(label=_("Priority"), choices=Priority.choices, initial=Priority.P1)
    responsible = PeopleField(label=_("Responsible (R)"), queryset=Person.objects.none(), required=False)
    accountable = PersonField(label=_("Accountable (A)"), queryset=Person.objects.none(), required=False)
    consulted = PeopleField(label=_("Consulted (C)"), queryset=Person.objects.none(), required=False)
    consulted_departments = DepartmentsField(
        label=_("Consulted departments"), queryset=Department.objects.none(), required=False
    )
    informed = PeopleField(label=_("Informed (I)"), queryset=Person.objects.none(), required=False)
    informed_departments = DepartmentsField(
        label=_("Informed departments"), queryset=Department.objects.none(), required=False
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

    def __init__(self, *args, departments, goals, phases=None, editing: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["version"].required = editing  # editing: the version must come back
        all_departments = Department.objects.filter(is_active=True).order_by("path")
        self.fields["department"].queryset = departments
        self.fields["goal"].queryset = goals
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
        self.chosen_goal = self._chosen("goal", goals)
        self.chosen_department = self._chosen("department", departments)
        self._plan_choices(Phase.objects.all() if phases is None else phases)
        self._people_choices()

    def _chosen(self, name: str, queryset):
        """The goal or department the form is about: the submitted one, else the initial one."""
        field = self.fields[name]
        if self.is_bound and not field.disabled:
            value = self.data.get(self.add_prefix(name))
        else:
            value = self.initial.get(name)
        value = getattr(value, "pk", value)
        if value in (None, "") or not str(value).isdigit():
            return None
        chosen = queryset.filter(pk=value)
        if name == "goal":
            chosen = chosen.select_related("department")
        return chosen.first()

    def _plan_choices(self, phases) -> None:
        """Only the chosen goal's measures; only the phases of the item's plan (its department's
        or its goal's), as the service accepts them."""
        goal, department = self.chosen_goal, self.chosen_department
        self.fields["measure"].queryset = (
            Measure.objects.filter(goal=goal).select_related("goal").order_by("sort_order", "id")
            if goal is not None
            else Measure.objects.none()
        )
        plan = Q(pk__in=[])  # domain.phase_fits as a query
        if department is not None:
            plan |= Q(department=department, goal__isnull=True)
        if goal is not None:
            plan |= Q(goal=goal)
        self.fields["phase"].queryset = phases.filter(plan).order_by("sort_order", "start", "id")

    def _people_choices(self) -> None:
        """People who can hold each letter; those of the goal's department (else the item's) first."""
        home = self.chosen_goal.department if self.chosen_goal is not None else self.chosen_department
        for name, letter in (
            ("responsible", "R"),
            ("accountable", "A"),
            ("consulted", "C"),
            ("informed", "I"),
        ):
            if name not in self.fields:
                continue
            field = self.fields[name]
            field.queryset = selectors.raci_people(letter)
            feature_department(field, home)

    def groups(self) -> list[dict]:
        """The 5W1H fieldsets with their bound fields; a collapsed one opens when it holds a value or an error."""
        result = []
        for key, label, hint, collapsed, names in ITEM_GROUPS:
            fields = [self[name] for name in names if name in self.fields]
            if not fields:
                continue
            filled = any(
                f.errors or (f.name not in ("priority",) and f.value() not in (None, "", [], False))
                for f in fields
            )
            result.append(
                {"key": key, "label": label, "hint": hint, "fields": fields, "collapsed": collapsed,
                 "open": not collapsed or filled}
            )  # fmt: skip
        return result


def feature_department(field, home: Department | None) -> None:
    """List the people of `home` (and the departments below it) first in a people picker."""
    if home is None:
        return
    path = home.path
    field.widget.featured = (
        home.name,
        lambda person: person.department_id is not None and person.department.path.startswith(path),
    )
    field.widget.others_label = _("Other departments")


class RaciForm(forms.Form):
    responsible = PeopleField(label=_("Responsible (R)"), queryset=Person.objects.none())
    accountable = PersonField(label=_("Accountable (A)"), queryset=Person.objects.none())
    consulted = PeopleField(label=_("Consulted (C)"), queryset=Person.objects.none(), required=False)
    informed = PeopleField(label=_("Informed (I)"), queryset=Person.objects.none(), required=False)
    version = VersionField(required=True)

    def __init__(self, *args, home: Department | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for name, letter in (
            ("responsible", "R"),
            ("accountable", "A"),
            ("consulted", "C"),
            ("informed", "I"),
        ):
            self.fields[name].queryset = selectors.raci_people(letter)
            feature_department(self.fields[name], home)


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
        self.fields["responsible"].queryset = selectors.raci_people("R")
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


class PredecessorField(forms.ModelChoiceField):
    def label_from_instance(self, obj: ActionItem) -> str:
        due = f" · {_('due')} {obj.due:%m-%d}" if obj.due else ""
        return f"{obj.title} · {obj.department.name}{due}"


class DependencyForm(forms.Form):
    """The item this one waits for: any item the user can see, in any department; the item's own
    department (and those below it) first."""

    predecessor = PredecessorField(
        label=_("This item waits for…"),
        queryset=ActionItem.objects.none(),
        widget=SinglePicker(
            search_of=lambda i: f"{i.title} {i.department.name}",
            placeholder=_("Search items by title, department or pinyin"),
            empty_text=_("No item matches."),
        ),
    )

    def __init__(self, *args, item: ActionItem, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["predecessor"]
        field.queryset = ActionItem.objects.filter(pk__in=[c.pk for c in candidates])
        # The candidates were read once with their departments: list them without a second query.
        field.widget.choices = [
            (ModelChoiceIteratorValue(c.pk, c), field.label_from_instance(c)) for c in candidates
        ]
        path = item.department.path
        field.widget.featured = (item.department.name, lambda c: c.department.path.startswith(path))
        field.widget.others_label = _("Other departments")
