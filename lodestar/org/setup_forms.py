"""Forms of the first-start setup wizard (lodestar/org/setup_views.py)."""

from __future__ import annotations

from django import forms
from django.utils.dates import MONTHS
from django.utils.translation import gettext_lazy as _

from lodestar.core.errors import ApplicationError
from lodestar.org import setup
from lodestar.org.forms import DepartmentChoiceField
from lodestar.org.models import Department


class CompanyForm(forms.Form):
    company_name = forms.CharField(
        label=_("Company name"),
        max_length=80,
        help_text=_("The top of the organisation tree, e.g. 星辰科技."),
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        label=_("Fiscal year starts in"),
        coerce=int,
        choices=list(MONTHS.items()),
        initial=1,
        help_text=_("The periods of the current fiscal year (quarters, months, weeks) are created for you."),
    )


class DepartmentsForm(forms.Form):
    departments = forms.CharField(
        label=_("First departments"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6, "placeholder": "品牌部\n内容营销部 | CONTENT\n渠道部"}),
        help_text=_(
            "One department a line, placed under the company. Add a code after a bar (内容营销部 | CONTENT) "
            "to use it in import files; without one a code D01, D02… is given. More levels can be added "
            "later on the Organisation pages."
        ),
    )

    def __init__(self, *args, company_name: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.company_name = company_name

    def clean_departments(self):
        try:
            specs = setup.parse_department_lines(self.cleaned_data.get("departments", ""))
            specs = setup.validate_departments(company_name=self.company_name, departments=specs)
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        return specs


class AdminForm(forms.Form):
    """The first admin. A signed-in superuser without a person record keeps their account."""

    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(
        label=_("Full name"), max_length=60, help_text=_("As colleagues know you, e.g. 陈思远.")
    )
    title = forms.CharField(label=_("Title"), max_length=80, required=False)
    password = forms.CharField(label=_("Password"), widget=forms.PasswordInput)
    password_again = forms.CharField(label=_("Password again"), widget=forms.PasswordInput)

    def __init__(self, *args, existing_user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.existing_user = existing_user
        if existing_user is not None:
            for name in ("username", "password", "password_again"):
                del self.fields[name]

    def clean(self):
        data = super().clean()
        both = self.existing_user is None and data.get("password") and data.get("password_again")
        if both and data["password"] != data["password_again"]:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class PeopleImportForm(forms.Form):
    file = forms.FileField(
        label=_("People file (.xlsx or .csv)"),
        help_text=_("UTF-8, UTF-8 with BOM and GBK csv files are all read correctly."),
    )


class LinkForm(forms.Form):
    """A superuser without a person record becomes the admin person."""

    display_name = forms.CharField(label=_("Full name"), max_length=60)
    title = forms.CharField(label=_("Title"), max_length=80, required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        departments = Department.objects.filter(is_active=True).order_by("path")
        self.fields["department"].queryset = departments
        self.fields["department"].initial = departments.filter(parent__isnull=True).first()
