from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from lodestar.core.http import MAX_ID
from lodestar.core.models import CompanySettings, Period

VERSION_CHANGED = _("This record was changed by someone else. Reload the page and try again.")


class IdsChoiceField(forms.ModelMultipleChoiceField):
    """Several records by id, refusing a value no database id can be (not a whole number, or beyond the
    64-bit range) as "not one of the choices": such an id would reach the database and fail there (500)."""

    def _check_values(self, value):
        for pk in value or ():
            text = str(pk).strip()
            if not text.isdigit() or not 0 < int(text) <= MAX_ID:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value", params={"pk": pk}
                )
        return super()._check_values(value)


class VersionField(forms.IntegerField):
    """The hidden `version` of an edit form (optimistic locking). A missing, non-numeric or negative
    value means the page was tampered with or is stale: it is refused with a message the person can
    act on, shown with the form's errors (components/_form_fields.html shows hidden fields' errors)."""

    widget = forms.HiddenInput
    default_error_messages = {
        "invalid": VERSION_CHANGED,
        "required": VERSION_CHANGED,
        "min_value": VERSION_CHANGED,
        "max_value": VERSION_CHANGED,
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", 2**31 - 1)
        super().__init__(**kwargs)


class DateInput(forms.DateInput):
    """An `<input type="date">`: its value must be ISO (YYYY-MM-DD) whatever the language — the
    localised format (zh-Hans: 2026/10/15) is rejected by the browser, which shows the field empty."""

    input_type = "date"

    def __init__(self, attrs=None, format=None):
        super().__init__(attrs, format=format or "%Y-%m-%d")


class GenerateYearForm(forms.Form):
    year = forms.IntegerField(
        label=_("Fiscal year"), min_value=1990, max_value=2100, initial=lambda: timezone.localdate().year
    )


class CustomPeriodForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    start = forms.DateField(label=_("Start"), widget=DateInput)
    end = forms.DateField(label=_("End"), widget=DateInput)
    parent = forms.ModelChoiceField(
        label=_("Inside period"), queryset=Period.objects.filter(kind__in=["year", "quarter"]), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", _("The end date must not be before the start date."))
        return data


class CompanySettingsForm(forms.ModelForm):
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"),
        coerce=int,
        choices=list(MONTHS.items()),
    )
    # The version the admin loaded: saving over someone else's newer change is refused.
    version = VersionField()

    class Meta:
        model = CompanySettings
        fields = ["company_name", "fiscal_year_start_month"]


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=60,
        help_text=_("For example the script or BI tool that will use it."),
    )
    scope = forms.ChoiceField(
        label=_("Scope"), choices=[("read", _("Read only")), ("read_write", _("Read and write"))]
    )
    days = forms.IntegerField(label=_("Valid for (days)"), min_value=1, max_value=3650, initial=365)
