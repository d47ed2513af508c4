"""Writes of the data sources and their metrics (the imports are in `import_services`)."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.services import Actor, bump_version, check_version, validated
from lodestar.metrics.models import DataSource, SourceMetric

SOURCE_FIELDS = ("name", "kind", "description", "department", "is_active")
METRIC_FIELDS = ("name", "unit", "aggregation", "measure", "use", "tolerance")


def _unique_name(model: Any, name: str, **scope: Any) -> None:
    if model.objects.filter(name=name, **scope).exists():
        raise ApplicationError(_("This name is already taken."), code="duplicate", field="name")


@transaction.atomic
def data_source_create(*, actor: Actor, name: str, **fields: Any) -> DataSource:
    name = name.strip()
    _unique_name(DataSource, name)
    source = validated(DataSource(name=name, **{k: v for k, v in fields.items() if k in SOURCE_FIELDS}))
    source.save()
    return source


@transaction.atomic
def data_source_update(*, actor: Actor, source: DataSource, version: int | None, **fields: Any) -> DataSource:
    source = DataSource.objects.select_for_update().get(pk=source.pk)
    check_version(source, version)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if fields["name"] != source.name:
            _unique_name(DataSource, fields["name"])
    for key, value in fields.items():
        if key in SOURCE_FIELDS:
            setattr(source, key, value)
    source.full_clean(validate_unique=False)
    bump_version(source)
    source.save()
    return source


@transaction.atomic
def data_source_delete(*, actor: Actor, source: DataSource) -> None:
    """Delete a source with its metrics, points and imports."""
    # The source's lock is the one a running import holds (`import_services._write`): this delete waits
    # for the import and then cascades to the points it wrote too.
    DataSource.objects.select_for_update().filter(pk=source.pk).first()
    source.imports.all().delete()
    source.delete()


def _tolerance(value: Decimal) -> Decimal:
    """A tolerance as the column keeps it: a fraction from 0 to 1 with 4 places."""
    value = Decimal(value).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
    if not Decimal(0) <= value <= Decimal(1):
        raise ApplicationError(
            _("The tolerance is a fraction from 0 to 1, e.g. 0.05."), code="invalid", field="tolerance"
        )
    return value


@transaction.atomic
def source_metric_create(*, actor: Actor, source: DataSource, name: str, **fields: Any) -> SourceMetric:
    name = name.strip()
    _unique_name(SourceMetric, name, source=source)
    if fields.get("tolerance") is not None:
        fields["tolerance"] = _tolerance(fields["tolerance"])
    metric = validated(
        SourceMetric(source=source, name=name, **{k: v for k, v in fields.items() if k in METRIC_FIELDS})
    )
    try:
        with transaction.atomic():
            metric.save()
    except IntegrityError as exc:
        raise ConflictError(_("This name is already taken."), code="duplicate", field="name") from exc
    return metric


@transaction.atomic
def source_metric_update(
    *, actor: Actor, metric: SourceMetric, version: int | None, **fields: Any
) -> SourceMetric:
    metric = SourceMetric.objects.select_for_update().select_related("source").get(pk=metric.pk)
    check_version(metric, version)
    if "name" in fields:
        fields["name"] = fields["name"].strip()
        if fields["name"] != metric.name:
            _unique_name(SourceMetric, fields["name"], source=metric.source)
    if "tolerance" in fields and fields["tolerance"] is not None:
        fields["tolerance"] = _tolerance(fields["tolerance"])
    for key, value in fields.items():
        if key in METRIC_FIELDS:
            setattr(metric, key, value)
    metric.full_clean(validate_unique=False)
    bump_version(metric)
    metric.save()
    return metric


@transaction.atomic
def source_metric_delete(*, actor: Actor, metric: SourceMetric) -> None:
    """Delete a metric with its points; after a running import of its source (that import's lock)."""
    DataSource.objects.select_for_update().filter(pk=metric.source_id).first()
    metric.delete()
