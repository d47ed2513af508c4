"""Set-up shared by the outcome tests: published appraisals of the FY2024 periods, and the worked example
published through the cycle services (88.95, A, bonus 12,000.00)."""

from __future__ import annotations

from decimal import Decimal

from lodestar.appraisal.models import Appraisal, Cycle, Stage
from lodestar.appraisal.services import cycles
from lodestar.core.models import Period
from lodestar.testing.factories import AppraisalFactory, CycleFactory


def fy2024(kind: str) -> list[Period]:
    return list(Period.objects.filter(fiscal_year=2024, kind=kind).order_by("start"))


def published(aw, period: Period, final: str | None, grade: str = "", *, person=None, stage=Stage.PUBLISHED):
    """A published appraisal of `person` (林晓 by default) in a cycle of `period` with its final score."""
    person = person or aw.person
    cycle = CycleFactory(period=period, stage=stage, name=f"{period.name} 考核")
    return AppraisalFactory(
        cycle=cycle,
        person=person,
        template=aw.template,
        position=aw.template.position,
        department=person.department,
        manager=aw.org.person("mkt_manager") if person.pk == aw.person.pk else None,
        final_score=Decimal(final) if final is not None else None,
        grade=grade,
    )


def publish_worked_example(aw, **settings) -> Appraisal:
    """The worked example started, rated, calibrated and published: 88.95, A, 12,000.00 (or per settings)."""
    hr = aw.user("hr")
    cycle = cycles.cycle_create(actor=hr, period=aw.q3, departments=[aw.org.mkt], **settings)
    cycle = cycles.cycle_start(actor=hr, cycle=cycle, version=cycle.version)
    aw.rate_worked_example(cycle)
    cycle = cycles.cycle_advance(actor=hr, cycle=cycle, version=cycle.version, to_stage=Stage.CALIBRATION)
    cycle = cycles.cycle_publish(actor=hr, cycle=cycle, version=cycle.version)
    return Appraisal.objects.select_related("cycle", "person", "department").get(
        cycle=cycle, person=aw.person
    )


def unpublished_cycle(aw) -> Cycle:
    return CycleFactory(period=aw.q3, stage=Stage.CALIBRATION)


def with_direct_manager(aw, appraisal: Appraisal):
    """陈静 leads 内容组 (under 市场部) and is `appraisal`'s direct manager: 赵敏, manager of 市场部, is then a
    skip-level manager of 林晓 — she sees the appraisal, but does not write or acknowledge its feedback."""
    from lodestar.testing.organisation import add_simple_person

    lead = add_simple_person("content_lead", "陈静", aw.org.content)
    content = aw.org.content
    content.manager = lead
    content.save()
    appraisal.manager = lead
    appraisal.save()
    return lead
