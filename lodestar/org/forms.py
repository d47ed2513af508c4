from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lodestar.core.forms import VersionField
from lodestar.org.models import Department, Person, Role


class DepartmentChoiceField(forms.ModelChoiceField):
    """Departments indented by depth, so the tree reads in a select box."""

    def label_from_instance(self, obj: Department) -> str:
        return f"{'— ' * obj.depth}{obj.name}"


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        required=False,
        help_text=_("A short unique code used by imports, e.g. MKT-CONTENT."),
    )
    parent = DepartmentChoiceField(
        label=_("Parent department"), queryset=Department.objects.none(), required=False
    )
    manager = forms.ModelChoiceField(label=_("Manager"), queryset=Person.objects.none(), required=False)
    sort_order = forms.IntegerField(label=_("Sort order"), initial=0, min_value=-100000, max_value=100000)
    version = VersionField()

    def __init__(self, *args, parents, managers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = parents
        self.fields["manager"].queryset = managers


class PersonForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    display_name = forms.CharField(label=_("Name"), max_length=60)
    email = forms.EmailField(label=_("Email"), required=False)
    title = forms.CharField(label=_("Title"), max_length=80, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    department = DepartmentChoiceField(label=_("Department"), queryset=Department.objects.none())
    manager = forms.ModelChoiceField(
        label=_("Direct manager"), queryset=Person.objects.none(), required=False
    )
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices, initial=Role.MEMBER)
    password = forms.CharField(
        label=_("Initial password"),
        required=False,
        widget=forms.PasswordInput,
        help_text=_("Leave empty to let the person sign in only after an admin sets one."),
    )
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)
    version = VersionField()

    def __init__(self, *args, departments, managers, can_set_role: bool, editing: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["department"].queryset = departments
        self.fields["manager"].queryset = managers
        if not can_set_role:
            self.fields["role"].disabled = True
        if editing:
            self.fields["version"].required = True
            del self.fields["password"]
        else:
            del self.fields["is_active"]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("What to import"), choices=[("departments", _("Departments")), ("people", _("People"))]
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        help_text=_("UTF-8, UTF-8 with BOM and GBK csv files are all read correctly."),
    )
