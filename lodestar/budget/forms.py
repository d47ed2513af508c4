"""Forms of the budget pages: a budget line (with its optional monthly shares), a spend entry, a month's
attribution, a spend file, and the reallocation acceptance."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from lodestar.budget.models import BudgetCategory
from lodestar.core.forms import DateInput, VersionField
from lodestar.core.models import Period
from lodestar.metrics.models import Channel
from lodestar.org.models import Department

MONEY = {"max_digits": 16, "decimal_places": 2, "min_value": Decimal(0)}


class SharesField(forms.CharField):
    """Percent per month, separated by commas or spaces ("20, 30, 50"); empty for an even split."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return None
        try:
            return [Decimal(part) for part in text.replace("，", ",").replace(",", " ").split()]
        except InvalidOperation:
            raise forms.ValidationError(_("Write the shares as numbers, e.g. 20, 30, 50.")) from None


class LineForm(forms.Form):
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none())
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    category = forms.ModelChoiceField(label=_("Category"), queryset=BudgetCategory.objects.none())
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False)
    planned = forms.DecimalField(label=_("Planned amount (元)"), **MONEY)
    shares = SharesField(
        label=_("Monthly shares (%)"),
        required=False,
        max_length=600,
        help_text=_("One percentage per month of the period, summing to 100 (e.g. 20, 30, 50). Empty: even."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = Period.objects.filter(
            kind__in=["year", "quarter", "month"]
        ).order_by("-start", "kind")
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        self.fields["category"].queryset = BudgetCategory.objects.filter(is_active=True)
        self.fields["channel"].queryset = Channel.objects.filter(is_active=True)


class LineEditForm(forms.Form):
    version = VersionField(required=True)
    category = forms.ModelChoiceField(label=_("Category"), queryset=BudgetCategory.objects.none())
    channel = forms.ModelChoiceField(label=_("Channel"), queryset=Channel.objects.none(), required=False)
    planned = forms.DecimalField(label=_("Planned amount (元)"), **MONEY)
    shares = SharesField(
        label=_("Monthly shares (%)"),
        required=False,
        max_length=600,
        help_text=_("Leave empty to keep the current split's shares."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    reason = forms.CharField(label=_("Reason for the change"), required=False, max_length=100)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = BudgetCategory.objects.all()
        self.fields["channel"].queryset = Channel.objects.all()


class SpendForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput)
    amount = forms.DecimalField(label=_("Amount (元)"), **MONEY)
    note = forms.CharField(label=_("Note"), required=False, max_length=200)


class AttributionForm(forms.Form):
    month = forms.DateField(label=_("Month"), widget=DateInput, help_text=_("Any day of the month."))
    revenue = forms.DecimalField(label=_("Attributed revenue (元)"), **MONEY)
    leads = forms.IntegerField(label=_("Leads"), min_value=0, max_value=2**31 - 1)


class SpendImportForm(forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    period = forms.ModelChoiceField(label=_("Period"), queryset=Period.objects.none())
    file = forms.FileField(
        label=_("Spend file (.xlsx or .csv)"),
        help_text=_("Columns 日期, 金额 and 渠道 and/or 类别, optionally 备注; one row per payment."),
    )

    def __init__(self, *args, departments=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = (
            departments if departments is not None else Department.objects.none()
        )
        self.fields["period"].queryset = Period.objects.filter(
            kind__in=["year", "quarter", "month"]
        ).order_by("-start", "kind")


class AcceptForm(forms.Form):
    period = forms.ModelChoiceField(
        label=_("Period"), queryset=Period.objects.all(), widget=forms.HiddenInput
    )
    department = forms.ModelChoiceField(
        label=_("Department"), queryset=Department.objects.all(), widget=forms.HiddenInput
    )
    test_share = forms.DecimalField(
        label=_("Share of the freed budget for test channels (%)"),
        min_value=Decimal(0),
        max_value=Decimal(100),
        max_digits=6,
        decimal_places=2,
        initial=Decimal(20),
    )
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
