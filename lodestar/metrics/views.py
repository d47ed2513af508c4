"""Pages of the platform data under /data/: the sources, a source (metrics, recent imports, series), the
import wizard (upload → mapping with a preview → validation → import, progress polled with HTMX) and an
import's report of bad rows."""

from __future__ import annotations

from decimal import Decimal

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from lodestar.core.errors import ApplicationError
from lodestar.core.http import int_param, page_view, service_errors
from lodestar.metrics import access, import_services, selectors, services
from lodestar.metrics.forms import SourceEditForm, SourceForm, UploadForm
from lodestar.metrics.models import Channel, MetricImport, MetricPoint
from lodestar.org.models import Department
from lodestar.org.permissions import is_admin, managed_paths, person_of, require_person, subtree_q

SERIES_PAGE = 50
RUNNING = (MetricImport.Status.VALIDATING, MetricImport.Status.IMPORTING)


def shown_value(value: Decimal, unit: str) -> str:
    """A point as people read it: rates (stored as fractions) ×100 with a % sign, other figures with
    thousands separators and their own places."""
    if unit in ("%", "％"):
        return f"{(value * 100).normalize():f}%"
    return f"{value.normalize():,f}"


@page_view
def source_list(request):
    require_person(request.user)
    sources = selectors.sources_for(request.user).select_related("department")
    return render(
        request,
        "metrics/source_list.html",
        {"sources": sources, "can_create": access.can_create_source(request.user), "nav_section": "data"},
    )


def _departments_for(user):
    if is_admin(user):
        return Department.objects.filter(is_active=True).order_by("path")
    q = subtree_q(managed_paths(user))
    person = person_of(user)
    if person is not None and person.department_id:
        q |= subtree_q([person.department.path])
    return Department.objects.filter(q, is_active=True).order_by("path")


@page_view
def source_create(request):
    require_person(request.user)
    if not access.can_create_source(request.user):
        access.require_source_creator(request.user, None)
    kwargs = {"departments": _departments_for(request.user), "allow_company": is_admin(request.user)}
    form = SourceForm(request.POST or None, **kwargs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        access.require_source_creator(request.user, data["department"])
        with service_errors(form):
            source = services.data_source_create(actor=request.user, **data)
            return redirect("metrics:source_detail", source.pk)
    return render(request, "metrics/source_form.html", {"form": form, "nav_section": "data"})


@page_view
def source_edit(request, source_id: int):
    source = access.access_source(request.user, source_id, write=True)
    owner = source.department  # the form's validation writes the posted values onto `source`
    departments = _departments_for(request.user)
    if owner is not None and not departments.filter(pk=owner.pk).exists():
        departments = departments | Department.objects.filter(pk=owner.pk)
    form = SourceEditForm(
        request.POST or None,
        instance=source,
        initial={"version": source.version},
        departments=departments,
        allow_company=is_admin(request.user),
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        version = data.pop("version")
        if data["department"] != owner:
            access.require_source_creator(request.user, data["department"])
        with service_errors(form):
            services.data_source_update(actor=request.user, source=source, version=version, **data)
            messages.success(request, _("Data source saved."))
            return redirect("metrics:source_detail", source.pk)
    return render(
        request, "metrics/source_form.html", {"form": form, "source": source, "nav_section": "data"}
    )


@page_view
def source_delete(request, source_id: int):
    """A confirmation that says what goes with the source (its metrics, points and imports), then the
    deletion on POST."""
    source = access.access_source(request.user, source_id, write=True)
    if request.method == "POST":
        with service_errors(request):
            services.data_source_delete(actor=request.user, source=source)
            messages.success(request, _("Data source “%(name)s” deleted.") % {"name": source.name})
            return redirect("metrics:sources")
        return redirect("metrics:source_detail", source.pk)
    counts = {
        "metrics": source.metrics.count(),
        "points": MetricPoint.objects.filter(metric__source=source).count(),
        "imports": source.imports.count(),
    }
    return render(
        request, "metrics/source_delete.html", {"source": source, "counts": counts, "nav_section": "data"}
    )


@page_view
def source_detail(request, source_id: int):
    source = access.access_source(request.user, source_id)
    metrics = list(source.metrics.select_related("measure").order_by("name"))
    imports = list(source.imports.select_related("created_by").order_by("-created_at", "-id")[:10])
    metric_id = int_param(request.GET.get("metric"))
    channel_id = int_param(request.GET.get("channel"))
    points = selectors.series(request.user, source_id=source.pk, metric_id=metric_id, channel_id=channel_id)
    page = Paginator(points, SERIES_PAGE).get_page(request.GET.get("page"))
    for point in page.object_list:
        point.shown = shown_value(point.value, point.metric.unit)
    return render(
        request,
        "metrics/source_detail.html",
        {
            "source": source,
            "metrics": metrics,
            "imports": imports,
            "page": page,
            "channels": Channel.objects.filter(is_active=True),
            "metric_id": metric_id,
            "channel_id": channel_id,
            "can_manage": access.can_manage_source(request.user, source),
            "upload_form": UploadForm(),
            "nav_section": "data",
        },
    )


@page_view
def import_upload(request, source_id: int):
    source = access.access_source(request.user, source_id, write=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        with service_errors(form):
            metric_import = import_services.metric_import_upload(
                actor=request.user, source=source, file=form.cleaned_data["file"]
            )
            return redirect("metrics:import_detail", metric_import.pk)
    return render(
        request, "metrics/import_upload.html", {"source": source, "form": form, "nav_section": "data"}
    )


def _preview(metric_import):
    if not (metric_import.mapping or {}).get("columns"):
        return [], None
    try:
        return import_services.metric_import_preview(metric_import=metric_import), None
    except ApplicationError as exc:
        return [], exc.message


@page_view
def import_detail(request, import_id: int):
    metric_import = access.access_import(request.user, import_id)
    can_manage = access.can_manage_source(request.user, metric_import.source)
    context = {
        "imp": metric_import,
        "source": metric_import.source,
        "can_manage": can_manage,
        "running": metric_import.status in RUNNING,
        "errors": import_services.error_items(metric_import),
        "nav_section": "data",
    }
    if request.htmx:
        return render(request, "metrics/import_detail.html#status", context)
    editable = metric_import.status in import_services.EDITABLE
    if editable:
        mapping = metric_import.mapping or {}
        by_column = {c["column"]: c["metric"] for c in mapping.get("columns", [])}
        context["mapping"] = mapping
        context["columns"] = [(h, by_column.get(h, "")) for h in metric_import.headers if h]
        context["channels"] = Channel.objects.filter(is_active=True)
        context["preview"], context["preview_error"] = _preview(metric_import)
    context["editable"] = editable
    return render(request, "metrics/import_detail.html", context)


@require_POST
@page_view
def import_mapping(request, import_id: int):
    metric_import = access.access_import(request.user, import_id, write=True)
    headers = [h for h in metric_import.headers if h]
    date_column = request.POST.get("date_column", "")
    channel_column = request.POST.get("channel_column", "")
    columns = []
    for index, header in enumerate(headers):
        metric = request.POST.get(f"metric_{index}", "").strip()
        if metric and header not in (date_column, channel_column):
            columns.append({"column": header, "metric": metric, "measure_id": None})
    channel_id = int_param(request.POST.get("channel_id"))
    channel = Channel.objects.filter(pk=channel_id, is_active=True).first() if channel_id else None
    with service_errors(request):
        import_services.metric_import_set_mapping(
            actor=request.user,
            metric_import=metric_import,
            date_column=date_column,
            channel_column=channel_column,
            channel=channel,
            columns=columns,
        )
    return redirect("metrics:import_detail", metric_import.pk)


@require_POST
@page_view
def import_start(request, import_id: int):
    metric_import = access.access_import(request.user, import_id, write=True)
    with service_errors(request):
        import_services.metric_import_start(
            actor=request.user,
            metric_import=metric_import,
            skip_bad_rows=request.POST.get("skip_bad_rows") == "1",
        )
    return redirect("metrics:import_detail", metric_import.pk)
