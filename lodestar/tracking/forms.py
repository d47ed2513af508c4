"""Forms of the tracking pages. They only shape input; the services validate the rules."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lodestar.core.forms import DateInput, VersionField
from lodestar.tracking.models import PlanPoint

DECIMAL = {"max_digits": 18, "decimal_places": 4, "required": False}


def _small(role: str = "", **attrs) -> dict:
    base = {"class": "form-control form-control-sm"}
    if role:
        base["data-role"] = role
    base.update(attrs)
    return base


def _number(role: str = "") -> forms.TextInput:
    return forms.TextInput(attrs=_small(role, inputmode="decimal", autocomplete="off"))


class CheckInForm(forms.Form):
    """One row of the weekly report (template 2). Rows are prefixed (`m-12`, `i-7`) so they can share a page."""

    period_start = forms.DateField(widget=forms.HiddenInput)
    period_end = forms.DateField(widget=forms.HiddenInput)
    version = VersionField()
    planned = forms.DecimalField(label=_("Planned"), widget=_number("planned"), **DECIMAL)
    actual = forms.DecimalField(label=_("Actual"), widget=_number("actual"), **DECIMAL)
    deviation_category = forms.ChoiceField(
        label=_("Deviation category"),
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    deviation_reason = forms.CharField(
        label=_("Deviation reason"), required=False, max_length=4000, widget=forms.TextInput(attrs=_small())
    )
    improvement = forms.CharField(
        label=_("Improvement"), required=False, max_length=4000, widget=forms.TextInput(attrs=_small())
    )
    resource_budget = forms.DecimalField(label=_("Budget (yuan)"), widget=_number(), **DECIMAL)
    resource_people = forms.CharField(
        label=_("People"), required=False, max_length=200, widget=forms.TextInput(attrs=_small())
    )
    resource_other = forms.CharField(
        label=_("Other resources"), required=False, max_length=300, widget=forms.TextInput(attrs=_small())
    )
    placeholders = (
        "resource_budget",
        "resource_people",
        "resource_other",
        "deviation_reason",
        "improvement",
        "comment",
    )
    confidence = forms.IntegerField(
        label=_("Confidence (0–10)"),
        required=False,
        min_value=0,
        max_value=10,
        widget=forms.TextInput(attrs=_small(inputmode="numeric", autocomplete="off")),
    )
    comment = forms.CharField(
        label=_("Comment"), required=False, max_length=4000, widget=forms.TextInput(attrs=_small())
    )

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deviation_category"].choices = [("", "—"), *[(str(c.pk), str(c)) for c in categories]]
        for name, bound in self.fields.items():
            if not bound.widget.is_hidden:
                bound.widget.attrs.setdefault("aria-label", str(bound.label))
            if name in self.placeholders:
                bound.widget.attrs.setdefault("placeholder", str(bound.label))

    def clean(self):
        data = super().clean()
        start, end = data.get("period_start"), data.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", _("The period ends before it starts."))
        return data

    def mark_invalid(self) -> None:
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


class PlanForm(forms.Form):
    """The plan editor: even split, the decomposition curve, or points entered by hand."""

    source = forms.ChoiceField(
        label=_("Plan"),
        choices=PlanPoint.Source.choices,
        widget=forms.RadioSelect(attrs={"class": "form-check-input", "x-model": "source"}),
        initial=PlanPoint.Source.EVEN,
    )
    step_days = forms.TypedChoiceField(
        label=_("Even split every"),
        coerce=int,
        choices=[(7, _("week")), (14, _("two weeks")), (30, _("month"))],
        initial=7,
        required=False,
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    points = forms.CharField(
        label=_("Points (one per line: date and cumulative value)"),
        required=False,
        widget=forms.Textarea(
            attrs={"rows": 5, "class": "form-control font-monospace", "placeholder": "2026-03-31 120"}
        ),
    )

    def clean_points(self):
        text = self.cleaned_data.get("points") or ""
        parsed = []
        for number, line in enumerate(text.splitlines(), start=1):
            line = line.strip()
            if not line:
                continue
            parts = line.replace(",", " ").replace("\t", " ").split()
            if len(parts) != 2:
                raise forms.ValidationError(
                    _("Line %(line)s: write a date and a value, e.g. 2026-03-31 120."),
                    params={"line": number},
                )
            try:
                day = forms.DateField().clean(parts[0])
            except forms.ValidationError as exc:
                raise forms.ValidationError(
                    _("Line %(line)s: the date is not valid."), params={"line": number}
                ) from exc
            parsed.append((day, parts[1]))
        return parsed

    def clean(self):
        data = super().clean()
        if (
            data.get("source") == PlanPoint.Source.MANUAL
            and not data.get("points")
            and "points" not in self.errors
        ):
            self.add_error("points", _("Enter at least one point."))
        return data


class FollowUpForm(forms.Form):
    """A decision or follow-up of the weekly meeting, captured as an action item."""

    title = forms.CharField(
        label=_("Decision or follow-up"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    responsible = forms.TypedChoiceField(
        label=_("Responsible (R)"), coerce=int, widget=forms.Select(attrs={"class": "form-select"})
    )
    due = forms.DateField(label=_("Due"), widget=DateInput(attrs={"class": "form-control"}))
    goal = forms.TypedChoiceField(
        label=_("Goal"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    description = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )

    def __init__(self, *args, people=(), goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["responsible"].choices = [("", "—"), *[(p.pk, p.display_name) for p in people]]
        self.fields["goal"].choices = [("", _("No goal")), *[(g.pk, g.name) for g in goals]]
