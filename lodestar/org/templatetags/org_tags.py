from django import template

register = template.Library()


@register.filter
def under_any(path: str, roots: list[str]) -> bool:
    """True when a department path lies inside any of the given subtree root paths."""
    return any(path.startswith(root) for root in roots or [])


@register.filter
def depth_prefix(depth: int) -> str:
    """Indentation for a department in a flat select list."""
    return "— " * int(depth or 0)
