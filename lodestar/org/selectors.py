"""Reads for departments and people, shaped so a page's query count does not grow with its data."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from lodestar.org.models import Department, Person


def department_queryset() -> QuerySet[Department]:
    return (
        Department.objects.select_related("manager")
        .annotate(member_count=Count("members", filter=Q(members__is_active=True), distinct=True))
        .order_by("path")
    )


def person_directory(
    *,
    department: Department | None = None,
    q: str | None = None,
    role: str | None = None,
    is_active: bool | None = True,
) -> QuerySet[Person]:
    qs = Person.objects.select_related("user", "department", "manager").annotate(
        managed_count=Count("managed_departments", distinct=True)
    )
    if department is not None:
        qs = qs.filter(department__path__startswith=department.path)
    if q:
        qs = qs.filter(
            Q(display_name__icontains=q)
            | Q(user__username__icontains=q)
            | Q(title__icontains=q)
            | Q(user__email__icontains=q)
        )
    if role:
        qs = qs.filter(role=role)
    if is_active is not None:
        qs = qs.filter(is_active=is_active)
    return qs.order_by("department__path", "display_name", "id")


def org_tree(*, include_inactive: bool = False) -> list[dict]:
    """The whole department tree as nested dicts with managers and head counts, in two queries."""
    departments = list(
        department_queryset() if include_inactive else department_queryset().filter(is_active=True)
    )
    nodes = {d.pk: {"department": d, "children": []} for d in departments}
    roots = []
    for d in sorted(departments, key=lambda d: (d.depth, d.sort_order, d.name)):
        node = nodes[d.pk]
        if d.parent_id in nodes:
            nodes[d.parent_id]["children"].append(node)
        else:
            roots.append(node)
    for node in nodes.values():
        node["children"].sort(key=lambda n: (n["department"].sort_order, n["department"].name))
    return roots


def subtree_counts(roots: list[dict]) -> None:
    """Add `total` (people in the node and all descendants) to each node, bottom-up."""

    def walk(node):
        node["total"] = node["department"].member_count + sum(walk(child) for child in node["children"])
        return node["total"]

    for root in roots:
        walk(root)
