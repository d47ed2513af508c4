"""Appraisal cycles: set up, start (every appraisal at once, atomically), move through the stages, publish.

Start runs inline for a small scope and on the task worker for a large one (`START_INLINE_LIMIT`);
either way the appraisals and their self and manager reviews are created in one transaction, so a
cycle is never half started. The page polls `start_status` (queued → running → done) meanwhile.
A person has one appraisal per period: a cycle whose scope takes in someone already appraised in
another started cycle of the same period does not start (409 `already_appraised`).
Publishing scores the whole cycle, refuses while any appraisal lacks a final score, freezes the
results and applies the consequences (C → improvement plan, the same one an upheld appeal opens:
`pips.plan_for_grade`).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lodestar.appraisal import access
from lodestar.appraisal.domain import formula as formula_rules
from lodestar.appraisal.domain import grades as grade_rules
from lodestar.appraisal.domain.scoring import weights_total_error
from lodestar.appraisal.models import (
    STAGE_ORDER,
    Appraisal,
    Cycle,
    CycleStage,
    Indicator,
    PayBase,
    Pip,
    Review,
    ReviewRole,
    Stage,
    StartStatus,
    Template,
)
from lodestar.appraisal.services import pips, scoring
from lodestar.appraisal.services._percent import clean_percent
from lodestar.appraisal.webhooks import emit_published
from lodestar.core.errors import ApplicationError, ConflictError, ErrorItem
from lodestar.core.models import Period
from lodestar.core.services import Actor, bump_version, check_version, validated_save
from lodestar.notifications.services import notify
from lodestar.org.models import Department, Person, Position
from lodestar.org.permissions import person_of, subtree_q

START_INLINE_LIMIT = 300
NAMES_IN_MESSAGE = 5
EDITABLE_UNTIL_START = ("name", "period", "departments", "positions", "templates")


MY_APPRAISALS_URL = "/appraisal/"


def cycle_url(cycle: Cycle) -> str:
    return f"/appraisal/cycles/{cycle.pk}/"


def appraisal_url(appraisal: Appraisal) -> str:
    return f"/appraisal/{appraisal.pk}/"


# --- settings of a cycle -------------------------------------------------------------------------


def clean_reviewer_weights(weights: Mapping[str, Any]) -> dict[str, Decimal]:
    """Manager, peer and self weights in percent; they must sum to 100 (default 60/20/20)."""
    cleaned = {
        role: clean_percent(weights.get(role, 0), f"reviewer_weights.{role}")
        for role in ("manager", "peer", "self")
    }
    if sum(cleaned.values()) != 100:
        raise ApplicationError(
            _("The reviewer weights must sum to 100%% (now %(total)s%%).")
            % {"total": f"{sum(cleaned.values()):f}"},
            field="reviewer_weights",
        )
    return cleaned


def clean_grade_table(
    thresholds: Mapping[str, Any] | None, coefficients: Mapping[str, Any] | None
) -> tuple[dict, dict]:
    """Thresholds (S > A > B [> C for a D grade]) and a coefficient for every grade that can be given."""
    raw_thresholds = dict(thresholds or {})
    raw_coefficients = dict(coefficients or {})
    unknown = set(raw_thresholds) - {"S", "A", "B", "C"}
    if unknown:
        raise ApplicationError(
            _("Grades are S, A, B and C (a bound for C adds D)."), field="grade_thresholds"
        )
    parsed: dict[str, Decimal] = {}
    for grade, value in raw_thresholds.items():
        parsed[grade] = clean_percent(value, f"grade_thresholds.{grade}")
    if raw_thresholds and not {"S", "A", "B"} <= set(parsed):
        raise ApplicationError(_("Give the lowest score of S, A and B."), field="grade_thresholds")
    effective = parsed or dict(grade_rules.DEFAULT_THRESHOLDS)
    wrong = grade_rules.thresholds_error(effective)
    if wrong:
        raise ApplicationError(
            _("The bound of %(grade)s must be lower than the bound of the grade above it.")
            % {"grade": wrong},
            field=f"grade_thresholds.{wrong}",
        )
    grades = ["S", "A", "B", "C"] + (["D"] if "C" in effective else [])
    if set(raw_coefficients) - set(grades):
        raise ApplicationError(
            _("There is a coefficient for a grade that cannot be given."), field="bonus_coefficients"
        )
    coefficients_out: dict[str, str] = {}
    if raw_coefficients or "C" in effective:
        defaults = grade_rules.DEFAULT_COEFFICIENTS
        for grade in grades:
            value = raw_coefficients.get(grade, defaults.get(grade))
            if value is None:
                raise ApplicationError(
                    _("Give the bonus coefficient of %(grade)s.") % {"grade": grade},
                    field=f"bonus_coefficients.{grade}",
                )
            try:
                number = Decimal(str(value))
            except (InvalidOperation, ValueError) as exc:
                raise ApplicationError(_("Enter a number."), field=f"bonus_coefficients.{grade}") from exc
            if not number.is_finite() or number < 0 or number > 10:
                raise ApplicationError(
                    _("Enter a coefficient from 0 to 10."), field=f"bonus_coefficients.{grade}"
                )
            coefficients_out[grade] = f"{number.quantize(Decimal('0.01')):f}"
    return ({g: f"{v:f}" for g, v in parsed.items()}, coefficients_out)


def formula_names(templates: Iterable[Template] | None = None) -> set[str]:
    """The names a cycle's formula may use besides the components: its templates' indicators."""
    indicators = Indicator.objects.all()
    if templates is not None:
        indicators = indicators.filter(template__in=list(templates))
    return {formula_rules.indicator_key(name) for name in indicators.values_list("name", flat=True)}


def clean_formula(text: str, templates: Iterable[Template] | None = None) -> str:
    text = (text or "").strip()
    if not text:
        return ""
    try:
        formula_rules.parse(text, formula_names(templates))
    except formula_rules.FormulaError as exc:
        raise ApplicationError(str(exc), code="invalid_formula", field="formula") from exc
    return text


def clean_stage_dates(period: Period, rows: Iterable[Mapping[str, Any]]) -> list[CycleStage]:
    """One row per stage at most, `ends` not before `starts`, in the stages' own order: a stage neither
    ends nor starts before the stage before it. An error names the row's field as the API does
    (`stage_dates.<index>.ends`, the index in `rows`)."""
    stages: list[CycleStage] = []
    index_of: dict[str, int] = {}
    for index, row in enumerate(rows):
        stage = row.get("stage")
        if stage not in STAGE_ORDER or stage in index_of:
            raise ApplicationError(_("Give each stage at most once."), field=f"stage_dates.{index}.stage")
        index_of[stage] = index
        if row["ends"] < row["starts"]:
            raise ApplicationError(
                _("%(stage)s cannot end before it starts.") % {"stage": Stage(stage).label},
                field=f"stage_dates.{index}.ends",
            )
        stages.append(CycleStage(stage=stage, starts=row["starts"], ends=row["ends"]))
    ordered = sorted(stages, key=lambda s: STAGE_ORDER.index(s.stage))
    for earlier, later in itertools.pairwise(ordered):
        names = {"stage": Stage(later.stage).label, "previous": Stage(earlier.stage).label}
        if later.ends < earlier.ends:
            raise ApplicationError(
                _("%(stage)s ends before %(previous)s.") % names,
                code="stage_order",
                field=f"stage_dates.{index_of[later.stage]}.ends",
            )
        if later.starts < earlier.starts:
            raise ApplicationError(
                _("%(stage)s starts before %(previous)s.") % names,
                code="stage_order",
                field=f"stage_dates.{index_of[later.stage]}.starts",
            )
    return ordered


def default_stage_dates(period: Period) -> list[dict]:
    """Two weeks after the period: self 3 days, manager 3, peers 3, calibration 3, then publish and talk."""
    day = period.end + dt.timedelta(days=1)
    rows = []
    for stage, days in (
        (Stage.SELF, 3),
        (Stage.MANAGER, 3),
        (Stage.PEER, 3),
        (Stage.CALIBRATION, 3),
        (Stage.FEEDBACK, 7),
    ):
        rows.append({"stage": stage.value, "starts": day, "ends": day + dt.timedelta(days=days - 1)})
        day += dt.timedelta(days=days)
    return rows


def _set_settings(cycle: Cycle, data: Mapping[str, Any], templates: list[Template] | None) -> None:
    if "reviewer_weights" in data and data["reviewer_weights"] is not None:
        weights = clean_reviewer_weights(data["reviewer_weights"])
        cycle.weight_manager, cycle.weight_peer, cycle.weight_self = (
            weights["manager"],
            weights["peer"],
            weights["self"],
        )
    if "grade_thresholds" in data or "bonus_coefficients" in data:
        thresholds, coefficients = clean_grade_table(
            data.get("grade_thresholds", cycle.grade_thresholds),
            data.get("bonus_coefficients", cycle.bonus_coefficients),
        )
        cycle.grade_thresholds, cycle.bonus_coefficients = thresholds, coefficients
    if "formula" in data:
        cycle.formula = clean_formula(data["formula"] or "", templates or None)
    if data.get("guideline_s_max") is not None:
        cycle.guideline_s_max = clean_percent(data["guideline_s_max"], "guideline_s_max")
    if data.get("guideline_c_min") is not None:
        cycle.guideline_c_min = clean_percent(data["guideline_c_min"], "guideline_c_min")
    if data.get("pip_on_c") is not None:
        cycle.pip_on_c = bool(data["pip_on_c"])
    if data.get("name") is not None:
        name = str(data["name"]).strip()
        if not name:
            raise ApplicationError(_("Give the cycle a name."), code="required", field="name")
        cycle.name = name[:100]


def cycle_create(
    *,
    actor: Actor,
    period: Period,
    name: str = "",
    departments: Iterable[Department] = (),
    positions: Iterable[Position] = (),
    templates: Iterable[Template] = (),
    stage_dates: Iterable[Mapping[str, Any]] | None = None,
    **settings: Any,
) -> Cycle:
    access.require_runner(actor)
    templates = list(templates)
    cycle = Cycle(
        period=period,
        name=name or _("%(period)s appraisal") % {"period": period.label},
        created_by=person_of(actor),
    )
    _set_settings(cycle, settings, templates)
    stages = clean_stage_dates(
        period, stage_dates if stage_dates is not None else default_stage_dates(period)
    )
    with transaction.atomic():
        validated_save(cycle)
        cycle.departments.set(list(departments))
        cycle.positions.set(list(positions))
        cycle.templates.set(templates)
        for stage in stages:
            stage.cycle = cycle
        CycleStage.objects.bulk_create(stages)
    return cycle


def cycle_update(
    *,
    actor: Actor,
    cycle: Cycle,
    version: int | None,
    stage_dates: Iterable[Mapping[str, Any]] | None = None,
    **data: Any,
) -> Cycle:
    """Scope and period change only before the start; weights, formula and grade table until publishing
    (the cycle is then rescored)."""
    access.require_runner(actor)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        check_version(cycle, version)
        if cycle.is_published:
            raise ConflictError(_("This cycle is published: its results are locked."), code="published")
        started = cycle.start_status != StartStatus.NOT_STARTED
        scope_keys = [
            k for k in ("period", "departments", "positions", "templates") if data.get(k) is not None
        ]
        if started and scope_keys:
            raise ConflictError(
                _("The scope of a started cycle cannot change."), code="cycle_started", field=scope_keys[0]
            )
        if data.get("period") is not None:
            cycle.period = data["period"]
        templates = (
            list(data["templates"]) if data.get("templates") is not None else list(cycle.templates.all())
        )
        _set_settings(cycle, data, templates)
        bump_version(cycle)
        cycle.save()
        if data.get("departments") is not None:
            cycle.departments.set(list(data["departments"]))
        if data.get("positions") is not None:
            cycle.positions.set(list(data["positions"]))
        if data.get("templates") is not None:
            cycle.templates.set(templates)
        if stage_dates is not None:
            stages = clean_stage_dates(cycle.period, stage_dates)
            CycleStage.objects.filter(cycle=cycle).delete()
            for stage in stages:
                stage.cycle = cycle
            CycleStage.objects.bulk_create(stages)
    if started:
        scoring.score_appraisals(cycle)
    return cycle


def cycle_delete(*, actor: Actor, cycle: Cycle) -> None:
    access.require_runner(actor)
    if cycle.start_status != StartStatus.NOT_STARTED:
        raise ConflictError(_("A started cycle cannot be deleted."), code="cycle_started")
    cycle.delete()


# --- who is in a cycle ------------------------------------------------------------------------------


def _reviewing_managers(people: list[Person]) -> dict[int, int | None]:
    """Each person's reviewing manager: their direct manager, else the manager of their department, else of
    the nearest department above that someone other than themselves manages. One query for the tree."""
    departments = {d["id"]: d for d in Department.objects.values("id", "path", "manager_id", "is_active")}
    by_path = {d["path"]: d for d in departments.values()}
    out: dict[int, int | None] = {}
    for person in people:
        if person.manager_id and person.manager_id != person.pk:
            out[person.pk] = person.manager_id
            continue
        out[person.pk] = None
        department = departments.get(person.department_id or 0)
        if department is None:
            continue
        ids = [part for part in department["path"].strip("/").split("/") if part]
        for depth in range(len(ids), 0, -1):
            node = by_path.get("/" + "/".join(ids[:depth]) + "/")
            if node and node["manager_id"] and node["manager_id"] != person.pk:
                out[person.pk] = node["manager_id"]
                break
    return out


def people_in_scope(cycle: Cycle) -> tuple[list[tuple[Person, Template]], list[dict]]:
    """The active people the cycle appraises, each with the template they are appraised on, and the people
    left out for want of a position or a complete template (with the reason)."""
    people = Person.objects.filter(is_active=True, department__isnull=False).select_related(
        "position", "department"
    )
    roots = list(cycle.departments.values_list("path", flat=True))
    if roots:
        people = people.filter(subtree_q(roots, "department__path"))
    position_ids = list(cycle.positions.values_list("pk", flat=True))
    if position_ids:
        people = people.filter(position_id__in=position_ids)
    chosen = {t.position_id: t for t in cycle.templates.all()}
    general: dict[int, Template] = {}
    for template in Template.objects.filter(is_active=True).order_by("market_stage", "id"):
        general.setdefault(template.position_id, template)
    templates = {**general, **chosen}
    weights: dict[int, list[Decimal]] = {}
    for template_id, weight in Indicator.objects.filter(template__in=templates.values()).values_list(
        "template_id", "weight"
    ):
        weights.setdefault(template_id, []).append(weight)
    included: list[tuple[Person, Template]] = []
    skipped: list[dict] = []
    for person in people.order_by("department__path", "display_name"):
        found = templates.get(person.position_id or 0)
        if person.position_id is None:
            skipped.append({"person_id": person.pk, "name": person.display_name, "reason": "no_position"})
        elif found is None:
            skipped.append({"person_id": person.pk, "name": person.display_name, "reason": "no_template"})
        elif found.pk not in weights or weights_total_error(weights[found.pk]) is not None:
            skipped.append(
                {"person_id": person.pk, "name": person.display_name, "reason": "incomplete_template"}
            )
        else:
            included.append((person, found))
    return included, skipped


# --- start ------------------------------------------------------------------------------------------


def already_appraised(cycle: Cycle, included: Iterable[Person]) -> list[tuple[Person, int]]:
    """The people of `included` who have an appraisal in another started cycle of the cycle's period, or
    are in the scope of one being started (queued or running), each with that cycle's id; in the order
    of `included`."""
    people = {person.pk: person for person in included}
    found: dict[int, int] = {}
    for person_id, cycle_id in (
        Appraisal.objects.filter(cycle__period_id=cycle.period_id)
        .exclude(cycle_id=cycle.pk)
        .order_by("cycle_id")
        .values_list("person_id", "cycle_id")
    ):
        if person_id in people:
            found.setdefault(person_id, cycle_id)
    starting = (
        Cycle.objects.filter(
            period_id=cycle.period_id, start_status__in=(StartStatus.QUEUED, StartStatus.RUNNING)
        )
        .exclude(pk=cycle.pk)
        .order_by("pk")
    )
    for other in starting:
        other_included, _skipped = people_in_scope(other)
        for person, _template in other_included:
            if person.pk in people:
                found.setdefault(person.pk, other.pk)
    return [(person, found[pk]) for pk, person in people.items() if pk in found]


def already_appraised_error(cycle: Cycle, clashes: list[tuple[Person, int]]) -> ConflictError:
    """409 `already_appraised`: the message names the first few people and the count, one `errors` entry
    per person (`detail`: `person_id` and the `cycle_id` of the cycle that appraises them)."""
    count = len(clashes)
    names = "、".join(person.display_name for person, _cycle_id in clashes[:NAMES_IN_MESSAGE])
    if count > NAMES_IN_MESSAGE:
        names += "…"
    message = ngettext(
        "%(count)s person in this cycle's scope already has an appraisal in another cycle of %(period)s "
        "(%(names)s): a person is appraised once per period.",
        "%(count)s people in this cycle's scope already have an appraisal in another cycle of %(period)s "
        "(%(names)s): a person is appraised once per period.",
        count,
    ) % {"count": count, "period": cycle.period.label, "names": names}
    return ConflictError(
        message,
        code="already_appraised",
        errors=[
            ErrorItem(
                code="already_appraised",
                message=person.display_name,
                field="person_id",
                extra={"person_id": person.pk, "cycle_id": cycle_id},
            )
            for person, cycle_id in clashes
        ],
    )


def cycle_start(*, actor: Actor, cycle: Cycle, version: int | None = None) -> Cycle:
    """Check the cycle can start and start it: inline for a small scope, on the worker for a large one.
    Refused (nothing written) when someone in its scope is already appraised in another cycle of the
    period (`already_appraised`); starts of the same period are serialised on the period's row."""
    access.require_runner(actor)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().select_related("period").get(pk=cycle.pk)
        check_version(cycle, version)
        if cycle.start_status not in (StartStatus.NOT_STARTED, StartStatus.FAILED):
            raise ConflictError(_("This cycle has already been started."), code="cycle_started")
        Period.objects.select_for_update().filter(pk=cycle.period_id).first()
        included, _skipped = people_in_scope(cycle)
        if not included:
            raise ApplicationError(
                _(
                    "Nobody in this cycle's scope has a position with a complete template (weights summing to 100%)."
                ),
                code="empty_scope",
                field="department_ids",
            )
        clashes = already_appraised(cycle, [person for person, _template in included])
        if clashes:
            raise already_appraised_error(cycle, clashes)
        cycle.start_status = StartStatus.QUEUED
        cycle.start_total = len(included)
        cycle.start_done = 0
        cycle.start_error = ""
        bump_version(cycle)
        cycle.save()
    if len(included) <= START_INLINE_LIMIT:
        start_appraisals(cycle.pk)
    else:
        from lodestar.appraisal.tasks import start_cycle

        transaction.on_commit(lambda: start_cycle.enqueue(cycle.pk))
    cycle.refresh_from_db()
    return cycle


def start_appraisals(cycle_id: int) -> int:
    """Create every appraisal of the cycle with its self and manager reviews, in one transaction; returns
    how many. Idempotent: a cycle already started is left alone. Someone in scope appraised meanwhile in
    another cycle of the period fails the start (`already_appraised`, nothing created)."""
    updated = Cycle.objects.filter(pk=cycle_id, start_status=StartStatus.QUEUED).update(
        start_status=StartStatus.RUNNING
    )
    if not updated:
        return 0
    cycle = Cycle.objects.select_related("period").get(pk=cycle_id)
    try:
        with transaction.atomic():
            included, _skipped = people_in_scope(cycle)
            clashes = already_appraised(cycle, [person for person, _template in included])
            if clashes:
                raise already_appraised_error(cycle, clashes)
            managers = _reviewing_managers([p for p, _t in included])
            bases = dict(PayBase.objects.values_list("person_id", "amount"))
            appraisals = Appraisal.objects.bulk_create(
                [
                    Appraisal(
                        cycle=cycle,
                        person=person,
                        template=template,
                        department=person.department,
                        position=person.position,
                        manager_id=managers.get(person.pk),
                        pay_base=bases.get(person.pk),
                    )
                    for person, template in included
                ],
                batch_size=500,
            )
            if any(a.pk is None for a in appraisals):  # backends that do not return ids from bulk inserts
                appraisals = list(Appraisal.objects.filter(cycle=cycle))
            reviews = [Review(appraisal=a, reviewer_id=a.person_id, role=ReviewRole.SELF) for a in appraisals]
            reviews += [
                Review(appraisal=a, reviewer_id=a.manager_id, role=ReviewRole.MANAGER)
                for a in appraisals
                if a.manager_id
            ]
            Review.objects.bulk_create(reviews, batch_size=1000)
            Cycle.objects.filter(pk=cycle.pk).update(
                stage=Stage.SELF,
                start_status=StartStatus.DONE,
                start_done=len(appraisals),
                version=cycle.version + 1,
            )
            scoring.score_appraisals(Cycle.objects.get(pk=cycle.pk))
            people = [a.person for a in appraisals]
            transaction.on_commit(
                lambda: notify(
                    recipients=people,
                    actor=None,
                    verb="appraisal",
                    title=_("Appraisal %(cycle)s has started: write your self review.")
                    % {"cycle": cycle.name},
                    url=MY_APPRAISALS_URL,
                )
            )
    except Exception as exc:
        Cycle.objects.filter(pk=cycle_id).update(start_status=StartStatus.FAILED, start_error=str(exc)[:2000])
        raise
    return len(appraisals)


# --- stages and publishing --------------------------------------------------------------------------


def cycle_advance(*, actor: Actor, cycle: Cycle, version: int | None, to_stage: str | None = None) -> Cycle:
    """Move a started cycle to the next stage (or back to an earlier review stage before publishing).
    Publishing has its own service; after it only the feedback stage follows. Entering calibration
    scores the whole cycle."""
    access.require_runner(actor)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        check_version(cycle, version)
        if cycle.start_status != StartStatus.DONE:
            raise ConflictError(_("Start the cycle first."), code="not_started")
        current = STAGE_ORDER.index(cycle.stage)
        target = to_stage or (STAGE_ORDER[current + 1] if current + 1 < len(STAGE_ORDER) else None)
        if target not in STAGE_ORDER:
            raise ApplicationError(_("Choose a stage."), field="stage")
        if target == Stage.PUBLISHED:
            raise ApplicationError(
                _("Publish the cycle to release its results."), code="use_publish", field="stage"
            )
        if cycle.is_published and target != Stage.FEEDBACK:
            raise ConflictError(_("This cycle is published: its results are locked."), code="published")
        if not cycle.is_published and target == Stage.FEEDBACK:
            raise ApplicationError(_("Publish the cycle first."), code="use_publish", field="stage")
        if target in (Stage.SETUP,) or target == cycle.stage:
            raise ApplicationError(_("Choose a stage after the current one."), field="stage")
        cycle.stage = target
        bump_version(cycle)
        cycle.save(update_fields=["stage", "version", "updated_at"])
    if cycle.stage == Stage.CALIBRATION:
        scoring.score_appraisals(cycle)
    _notify_stage(cycle)
    return cycle


def _notify_stage(cycle: Cycle) -> None:
    """Tell the people with work in the new stage: reviewers with a pending review of that kind."""
    role = {Stage.SELF: ReviewRole.SELF, Stage.MANAGER: ReviewRole.MANAGER, Stage.PEER: ReviewRole.PEER}.get(
        cycle.stage  # type: ignore[call-overload]
    )
    if role is None:
        return
    reviewers = Person.objects.filter(
        appraisal_reviews__appraisal__cycle=cycle,
        appraisal_reviews__role=role,
        appraisal_reviews__status="pending",
    ).distinct()
    title = _("%(cycle)s: %(stage)s has begun.") % {"cycle": cycle.name, "stage": cycle.get_stage_display()}
    transaction.on_commit(
        lambda: notify(
            recipients=list(reviewers), actor=None, verb="appraisal", title=title, url=cycle_url(cycle)
        )
    )


def cycle_publish(*, actor: Actor, cycle: Cycle, version: int | None) -> Cycle:
    """Release the results: score everything once more, refuse while any appraisal has no final score,
    then lock the cycle and apply the consequences (C or D → an improvement plan when the cycle says so)."""
    access.require_runner(actor)
    if cycle.stage != Stage.CALIBRATION:
        raise ConflictError(_("A cycle is published from its calibration stage."), code="not_calibration")
    scoring.score_appraisals(cycle)
    with transaction.atomic():
        cycle = Cycle.objects.select_for_update().get(pk=cycle.pk)
        check_version(cycle, version)
        if cycle.stage != Stage.CALIBRATION:
            raise ConflictError(_("A cycle is published from its calibration stage."), code="not_calibration")
        unscored = list(
            Appraisal.objects.filter(cycle=cycle, final_score__isnull=True)
            .select_related("person")
            .order_by("person__display_name")[:20]
        )
        if unscored:
            count = Appraisal.objects.filter(cycle=cycle, final_score__isnull=True).count()
            raise ConflictError(
                _(
                    "%(count)s appraisals have no final score yet (missing snapshots or ratings), e.g. %(names)s."
                )
                % {"count": count, "names": "、".join(a.person.display_name for a in unscored[:5])},
                code="unscored",
                errors=[
                    ErrorItem(
                        code="unscored",
                        message=a.person.display_name,
                        field="appraisal_id",
                        extra={"appraisal_id": a.pk, "person_id": a.person_id},
                    )
                    for a in unscored
                ],
            )
        person = person_of(actor)
        cycle.stage = Stage.PUBLISHED
        cycle.published_at = timezone.now()
        cycle.published_by = person
        bump_version(cycle)
        cycle.save()
        appraisals = list(Appraisal.objects.filter(cycle=cycle).select_related("person"))
        if cycle.pip_on_c:
            today = timezone.localdate()
            has_plan = set(Pip.objects.filter(appraisal__cycle=cycle).values_list("appraisal_id", flat=True))
            plans = []
            for appraisal in appraisals:
                if appraisal.pk in has_plan:
                    continue
                appraisal.cycle = cycle
                plan = pips.plan_for_grade(appraisal, today=today)
                if plan is not None:
                    plans.append(plan)
            Pip.objects.bulk_create(plans)
        emit_published(cycle)
        title = _("Your result of %(cycle)s is published.") % {"cycle": cycle.name}
        people = [a.person for a in appraisals]
        transaction.on_commit(
            lambda: notify(
                recipients=people, actor=person, verb="appraisal", title=title, url=MY_APPRAISALS_URL
            )
        )
    return cycle
