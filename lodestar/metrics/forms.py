"""Forms of the platform data pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from lodestar.metrics.models import DataSource
from lodestar.org.models import Department


class SourceForm(forms.ModelForm):
    class Meta:
        model = DataSource
        fields = ["name", "kind", "department", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, departments=None, allow_company: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        queryset = departments if departments is not None else Department.objects.none()
        self.fields["department"].queryset = queryset
        self.fields["department"].required = not allow_company
        self.fields["department"].empty_label = _("The whole company") if allow_company else None
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            )


class SourceEditForm(SourceForm):
    """The source form for a change: also whether the source is still in use, and the version read, so
    a change made meanwhile by someone else is refused (409) rather than overwritten."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    class Meta(SourceForm.Meta):
        fields = ["name", "kind", "department", "description", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["is_active"].widget.attrs["class"] = "form-check-input"


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Export file (.csv or .xlsx)"))
