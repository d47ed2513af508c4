from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def under_any(path: str, roots: list[str]) -> bool:
    """True when a department path lies inside any of the given subtree root paths."""
    return any(path.startswith(root) for root in roots or [])


@register.simple_tag
def department_options(departments, selected=None):
    """The <option>s of a department select, indented by depth: one string built in Python, since
    a template loop over 150 departments costs more than the rest of a list page."""
    selected_pk = getattr(selected, "pk", selected)
    return mark_safe(
        "".join(
            f'<option value="{d.pk}"{" selected" if d.pk == selected_pk else ""}>'
            f"{'— ' * int(d.depth or 0)}{escape(d.name)}</option>"
            for d in departments
        )
    )
