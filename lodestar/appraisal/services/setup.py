"""Setting appraisal up (issue #15 "Positions, templates, indicators"): positions, templates per position and
their weighted indicators, market-stage variants (copies), performance-pay bases, competencies and the
appeals committee. HR partners and admins write all of it (`access.require_runner`); every rule broken is
an ApplicationError naming its field.

Indicator rules (DOMAIN.md "Appraisal scoring"): weights are percents > 0 and ≤ 100 that never total more
than 100% in a template (`indicators_replace` needs exactly 100%); a quantitative indicator is bound to
exactly one of a goal type, a goal or a measure, scored linearly (floor and cap as fractions, default cap
120%) or by a step table; a qualitative one has no binding and an optional 1–5 rubric.

A template in use is locked (`template_in_use`, see `cycles_using`): while a cycle that appraises people on
it has started and is not yet published, what it scores on — its indicators, weights, bindings, scoring
rules, rubrics and its position — cannot change; it is copied (`template_copy`) to prepare the next version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from lodestar.appraisal.access import require_runner
from lodestar.appraisal.domain.scoring import DEFAULT_CAP, HUNDRED, weights_total_error
from lodestar.appraisal.models import (
    Appraisal,
    CommitteeArea,
    CommitteeMember,
    Competency,
    CompetencyGroup,
    Cycle,
    Indicator,
    IndicatorKind,
    MarketStage,
    PayBase,
    ScoringRule,
    Stage,
    StartStatus,
    Template,
)
from lodestar.core.errors import ApplicationError, ConflictError, ErrorItem, NotFound
from lodestar.core.references import refuse_delete_while_referenced
from lodestar.core.services import Actor, bump_version, check_version, validated, validated_save
from lodestar.goals.models import Goal, GoalType, Measure
from lodestar.org.models import Person, Position

# Places kept: weights in percent with 2 (40.00), fractions (floor, cap, step thresholds) with 4 as the API
# writes them (1.2000), step scores with 2, money with 2.
WEIGHT_PLACES = 2
FRACTION_PLACES = 4
SCORE_PLACES = 2
MAX_FRACTION = Decimal(10)  # 1000% achievement: beyond any real target
MAX_STEP_SCORE = Decimal(200)
MAX_STEPS = 20
MAX_INDICATORS = 50
MAX_PAY = Decimal("999999999999.99")
RUBRIC_KEYS = ("1", "2", "3", "4", "5")
RUBRIC_LIMIT = 500

# "Not given" (the default applies) as opposed to None ("none").
UNSET: Any = object()


def _places(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ApplicationError(_("Enter a number."), field=field) from None
    if not number.is_finite():
        raise ApplicationError(_("Enter a number."), field=field)
    # 40.00 → 40, 0.600 → 0.6 (never an exponent: 4E+1)
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number.normalize()


def _text(value: str | None, field: str, *, limit: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ApplicationError(_("This field is required."), field=field, code="required")
    if len(value) > limit:
        raise ApplicationError(
            _("Enter at most %(max)s characters.") % {"max": limit}, field=field, code="too_long"
        )
    return value


def _percent_text(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')):f}"


# --- positions ---------------------------------------------------------------------------------


def _position_name(name: str, instance: Position | None) -> str:
    name = _text(name, "name", limit=60)
    clash = Position.objects.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(_("A position of this name already exists."), field="name", code="duplicate")
    return name


def _position_code(code: str | None, instance: Position | None) -> str | None:
    code = (code or "").strip()
    if not code:
        return None
    clash = Position.objects.filter(code=code)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(_("A position with this code already exists."), field="code", code="duplicate")
    return code


@transaction.atomic
def position_create(*, actor: Actor, name: str, code: str | None = None, sort_order: int = 0) -> Position:
    require_runner(actor)
    position = Position(
        name=_position_name(name, None), code=_position_code(code, None), sort_order=sort_order or 0
    )
    return validated_save(position)


@transaction.atomic
def position_update(*, actor: Actor, position: Position, version: int | None, **fields: Any) -> Position:
    require_runner(actor)
    position = Position.objects.select_for_update().get(pk=position.pk)
    check_version(position, version)
    for key, value in fields.items():
        if key == "name":
            position.name = _position_name(value, position)
        elif key == "code":
            position.code = _position_code(value, position)
        elif key == "sort_order":
            position.sort_order = value or 0
        else:
            raise ApplicationError(_("This field cannot be changed."), field=key)
    validated(position, validate_constraints=False)
    bump_version(position)
    position.save()
    return position


@transaction.atomic
def position_delete(*, actor: Actor, position: Position) -> None:
    """Refused (409 `in_use`) while people, templates or appraisals refer to it, or a cycle is scoped to it."""
    require_runner(actor)
    refuse_delete_while_referenced(position)
    if position.appraisal_cycles.exists():
        raise ConflictError(
            _("Appraisal cycles are scoped to this position: take it out of them first."), code="in_use"
        )
    position.delete()


# --- templates ---------------------------------------------------------------------------------


def _market_stage(value: str | None) -> str:
    value = value or ""
    if value not in MarketStage.values:
        raise ApplicationError(_("Choose a valid market stage."), field="market_stage")
    return value


STARTING = (StartStatus.QUEUED, StartStatus.RUNNING)
STARTED = (*STARTING, StartStatus.DONE)
PUBLISHED_STAGES = (Stage.PUBLISHED, Stage.FEEDBACK)


def cycles_using(template: Template) -> QuerySet[Cycle]:
    """The cycles whose scores a change of this template would move: started (or starting) and not yet
    published, that appraise someone on it, name it among their templates, or — while still creating
    their appraisals — may pick it as the general template of its position.

    The choice (what a mature appraisal product does): a template is locked only while such a cycle runs.
    Its scores are live until publishing — `services.scoring` rescores an appraisal on every submitted
    review, stage change and settings change — so a new weight or rule would silently rewrite results
    half-way through, some appraisals scored one way and some the other.
    - Used only by draft cycles (not started, or whose start failed and rolled back): editable. Nothing
      is scored yet; the cycle takes the template as it is when it starts.
    - Used only by published cycles: editable. A published cycle is never rescored
      (`scoring.score_appraisals` returns at once for it): its components, final scores and grades are
      stored as they were published, indicator names and weights included, so an edit only shapes the
      cycles to come. The indicators themselves are still kept while rated (`indicator_delete` refuses).
    The template's name, market stage and active flag stay editable: they steer which template future
    cycles pick, never a started one's scores.
    """
    through = Cycle.templates.through
    named = through.objects.filter(template_id=template.pk).values("cycle_id")
    appraised = Appraisal.objects.filter(template_id=template.pk).values("cycle_id")
    condition = Q(pk__in=appraised) | Q(pk__in=named)
    if template.is_active:
        positions = Cycle.positions.through.objects.filter(cycle_id=OuterRef("pk"))
        may_pick = ~Exists(positions) | Exists(positions.filter(position_id=template.position_id))
        condition |= Q(may_pick, start_status__in=STARTING)
    return (
        Cycle.objects.filter(condition, start_status__in=STARTED)
        .exclude(stage__in=PUBLISHED_STAGES)
        .select_related("period")
        .order_by("-period__start", "name", "id")
    )


def require_template_editable(template: Template) -> None:
    """409 `template_in_use`, naming the cycles, while a started, unpublished cycle uses the template."""
    names = [cycle.name for cycle in cycles_using(template)]
    if names:
        raise ConflictError(
            ngettext(
                "“%(template)s” is in use by the cycle %(cycles)s, which has started and is not published "
                "yet: its indicators, weights and scoring rules cannot change until it is published. Copy "
                "the template to prepare the next version.",
                "“%(template)s” is in use by the cycles %(cycles)s, which have started and are not "
                "published yet: its indicators, weights and scoring rules cannot change until they are "
                "published. Copy the template to prepare the next version.",
                len(names),
            )
            % {"template": template.name, "cycles": ", ".join(f"“{name}”" for name in names)},
            code="template_in_use",
        )


def template_weight_total(template: Template) -> Decimal:
    """The sum of a template's indicator weights, in percent."""
    total = Indicator.objects.filter(template=template).aggregate(total=Sum("weight"))["total"]
    return total if total is not None else Decimal(0)


def template_is_complete(template: Template) -> bool:
    """A template can be used in a cycle once its indicators' weights total exactly 100%."""
    weights = Indicator.objects.filter(template=template).values_list("weight", flat=True)
    return bool(weights) and weights_total_error(weights) is None


@transaction.atomic
def template_create(
    *,
    actor: Actor,
    name: str,
    position: Position,
    market_stage: str = "",
    is_active: bool = True,
) -> Template:
    require_runner(actor)
    template = Template(
        name=_text(name, "name", limit=100),
        position=position,
        market_stage=_market_stage(market_stage),
        is_active=is_active,
    )
    return validated_save(template)


@transaction.atomic
def template_update(*, actor: Actor, template: Template, version: int | None, **fields: Any) -> Template:
    require_runner(actor)
    template = Template.objects.select_for_update().get(pk=template.pk)
    check_version(template, version)
    for key, value in fields.items():
        if key == "name":
            template.name = _text(value, "name", limit=100)
        elif key == "position":
            if value is None:
                raise ApplicationError(_("This field cannot be empty."), field="position_id", code="required")
            if value.pk != template.position_id:
                require_template_editable(template)
            template.position = value
        elif key == "market_stage":
            template.market_stage = _market_stage(value)
        elif key == "is_active":
            template.is_active = bool(value)
        else:
            raise ApplicationError(_("This field cannot be changed."), field=key)
    bump_version(template)
    template.save()
    return template


_COPIED_FIELDS = (
    "name",
    "kind",
    "weight",
    "goal_type_id",
    "goal_id",
    "measure_id",
    "rule",
    "floor",
    "cap",
    "steps",
    "rubric",
    "sort_order",
)


@transaction.atomic
def template_copy(*, actor: Actor, template: Template, market_stage: str, name: str = "") -> Template:
    """A market-stage variant (新市场 / 成熟市场): the template with all its indicators, marked as copied
    from it; weights and bindings are then adjusted on the copy."""
    require_runner(actor)
    stage = _market_stage(market_stage)
    if not name:
        label = MarketStage(stage).label if stage else _("copy")
        name = f"{template.name} · {label}"[:100]
    copy = validated_save(
        Template(
            name=_text(name, "name", limit=100),
            position_id=template.position_id,
            market_stage=stage,
            copied_from=template,
            is_active=True,
        )
    )
    Indicator.objects.bulk_create(
        Indicator(template=copy, **{f: getattr(indicator, f) for f in _COPIED_FIELDS})
        for indicator in template.indicators.order_by("sort_order", "id")
    )
    return copy


@transaction.atomic
def template_delete(*, actor: Actor, template: Template) -> None:
    """Refused (409 `in_use`) while appraisals use it or a cycle names it; its indicators go with it."""
    require_runner(actor)
    refuse_delete_while_referenced(template, allow=frozenset({"appraisal.Indicator"}))
    if template.cycles.exists():
        raise ConflictError(
            _("Appraisal cycles use this template: take it out of them first."), code="in_use"
        )
    template.delete()


# --- indicators --------------------------------------------------------------------------------


def _weight(value: Any) -> Decimal:
    if value is None or value == "":
        raise ApplicationError(_("Enter the weight in percent."), field="weight", code="required")
    weight = _decimal(value, "weight")
    if weight <= 0 or weight > HUNDRED:
        raise ApplicationError(_("A weight is a percent above 0 and at most 100."), field="weight")
    if _places(weight) > WEIGHT_PLACES:
        raise ApplicationError(_("Give the weight with at most 2 decimal places."), field="weight")
    return weight


def _fraction(value: Any, field: str) -> Decimal | None:
    if value is None or value == "":
        return None
    number = _decimal(value, field)
    if number < 0 or number > MAX_FRACTION:
        raise ApplicationError(_("Give a fraction from 0 to 10 (0.6 is 60%)."), field=field)
    if _places(number) > FRACTION_PLACES:
        raise ApplicationError(_("Give at most 4 decimal places."), field=field)
    return number


def _steps(value: Any) -> list[list[str]]:
    """[[threshold fraction, score], …] with thresholds increasing and scores from 0 to 200."""
    if not value:
        raise ApplicationError(
            _("A step table needs at least one step: an achievement threshold and its score."),
            field="steps",
            code="required",
        )
    if not isinstance(value, (list, tuple)) or len(value) > MAX_STEPS:
        raise ApplicationError(_("Give at most %(max)s steps.") % {"max": MAX_STEPS}, field="steps")
    steps: list[list[str]] = []
    previous: Decimal | None = None
    for pair in value:
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ApplicationError(_("Each step is a pair: [threshold, score]."), field="steps")
        threshold = _decimal(pair[0], "steps")
        score = _decimal(pair[1], "steps")
        if threshold < 0 or threshold > MAX_FRACTION or _places(threshold) > FRACTION_PLACES:
            raise ApplicationError(
                _("A step's threshold is an achievement fraction from 0 to 10 (0.8 is 80%)."), field="steps"
            )
        if score < 0 or score > MAX_STEP_SCORE or _places(score) > SCORE_PLACES:
            raise ApplicationError(_("A step's score is from 0 to 200."), field="steps")
        if previous is not None and threshold <= previous:
            raise ApplicationError(_("The steps' thresholds must increase."), field="steps")
        previous = threshold
        steps.append([f"{threshold:f}", f"{score:f}"])
    return steps


def _rubric(value: Any) -> dict[str, str]:
    if not value:
        return {}
    if not isinstance(value, Mapping):
        raise ApplicationError(_("The rubric maps the ratings 1 to 5 to their meaning."), field="rubric")
    rubric = {}
    for key, text in value.items():
        key = str(key)
        if key not in RUBRIC_KEYS:
            raise ApplicationError(_("The rubric describes the ratings 1 to 5 only."), field="rubric")
        if text is not None and not isinstance(text, str):
            raise ApplicationError(_("The rubric maps the ratings 1 to 5 to their meaning."), field="rubric")
        text = (text or "").strip()
        if len(text) > RUBRIC_LIMIT:
            raise ApplicationError(
                _("Enter at most %(max)s characters.") % {"max": RUBRIC_LIMIT},
                field="rubric",
                code="too_long",
            )
        if text:
            rubric[key] = text
    return dict(sorted(rubric.items()))


def _clean_indicator(state: dict[str, Any], *, new: bool) -> dict[str, Any]:
    """The indicator's fields checked together and normalised (weights, binding, rule, floor, cap, steps)."""
    clean: dict[str, Any] = {"name": _text(state.get("name"), "name", limit=60)}
    kind = state.get("kind")
    if kind not in IndicatorKind.values:
        raise ApplicationError(_("Choose quantitative or qualitative."), field="kind")
    clean["kind"] = kind
    clean["weight"] = _weight(state.get("weight"))
    bindings = [state.get(k) for k in ("goal_type", "goal", "measure")]
    bound = sum(1 for b in bindings if b is not None)
    rule = state.get("rule") or ScoringRule.LINEAR
    if rule not in ScoringRule.values:
        raise ApplicationError(_("Choose a valid scoring rule."), field="rule")
    floor = _fraction(state.get("floor"), "floor")
    cap = state.get("cap", UNSET)
    steps = state.get("steps") or []
    rubric = _rubric(state.get("rubric"))
    if kind == IndicatorKind.QUANTITATIVE:
        if bound != 1:
            raise ApplicationError(
                _("Bind a quantitative indicator to exactly one goal type, goal or measure."),
                field="goal_type_id",
            )
        if rubric:
            raise ApplicationError(
                _("A quantitative indicator is scored from the figures: it has no rubric."), field="rubric"
            )
        if rule == ScoringRule.STEPS:
            if floor is not None or cap not in (None, UNSET):
                raise ApplicationError(
                    _("Floor and cap belong to the linear rule; a step table sets the scores itself."),
                    field="floor" if floor is not None else "cap",
                )
            clean["steps"] = _steps(steps)
            floor = cap = None
        else:
            if steps:
                raise ApplicationError(
                    _("A step table is used only with the step-table rule."), field="steps"
                )
            clean["steps"] = []
            if cap is UNSET:
                cap = DEFAULT_CAP if new else None
            cap = _fraction(cap, "cap")
            if cap is not None and cap <= 0:
                raise ApplicationError(_("The cap must be above 0."), field="cap")
            if floor is not None and cap is not None and floor >= cap:
                raise ApplicationError(_("The floor must be below the cap."), field="floor")
    else:
        if bound:
            raise ApplicationError(
                _(
                    "A qualitative indicator is rated by reviewers: it is bound to no goal type, goal or measure."
                ),
                field="goal_type_id",
            )
        if steps:
            raise ApplicationError(_("A qualitative indicator has no step table."), field="steps")
        if floor is not None or cap not in (None, UNSET):
            raise ApplicationError(
                _("A qualitative indicator has no floor or cap."),
                field="floor" if floor is not None else "cap",
            )
        rule, floor, cap = ScoringRule.LINEAR, None, None
        clean["steps"] = []
    clean.update(
        rule=rule,
        floor=floor,
        cap=cap,
        rubric=rubric,
        goal_type=state.get("goal_type"),
        goal=state.get("goal"),
        measure=state.get("measure"),
    )
    return clean


def _locked_template(template: Template) -> Template:
    return Template.objects.select_for_update().get(pk=template.pk)


def _check_total(template: Template, weight: Decimal, *, exclude: int | None = None) -> None:
    others = Indicator.objects.filter(template=template)
    if exclude is not None:
        others = others.exclude(pk=exclude)
    current = others.aggregate(total=Sum("weight"))["total"] or Decimal(0)
    if current + weight > HUNDRED:
        raise ApplicationError(
            _(
                "The weights would total %(total)s%%: the other indicators already have %(current)s%%, "
                "so this one can have at most %(left)s%%."
            )
            % {
                "total": _percent_text(current + weight),
                "current": _percent_text(current),
                "left": _percent_text(HUNDRED - current),
            },
            field="weight",
            code="weights_over_100",
        )


def _unique_name(template: Template, name: str, *, exclude: int | None = None) -> None:
    clash = Indicator.objects.filter(template=template, name=name)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise ApplicationError(
            _("This template already has an indicator of this name."), field="name", code="duplicate"
        )


def _state_of(indicator: Indicator) -> dict[str, Any]:
    return {
        "name": indicator.name,
        "kind": indicator.kind,
        "weight": indicator.weight,
        "goal_type": indicator.goal_type,
        "goal": indicator.goal,
        "measure": indicator.measure,
        "rule": indicator.rule,
        "floor": indicator.floor,
        "cap": indicator.cap,
        "steps": indicator.steps,
        "rubric": indicator.rubric,
    }


_INDICATOR_FIELDS = frozenset(
    {"name", "kind", "weight", "goal_type", "goal", "measure", "rule", "floor", "cap", "steps", "rubric"}
)


@transaction.atomic
def indicator_create(
    *,
    actor: Actor,
    template: Template,
    name: str,
    kind: str,
    weight: Decimal,
    goal_type: GoalType | None = None,
    goal: Goal | None = None,
    measure: Measure | None = None,
    rule: str = ScoringRule.LINEAR,
    floor: Decimal | None = None,
    cap: Decimal | None = UNSET,
    steps: Sequence | None = None,
    rubric: Mapping | None = None,
    sort_order: int | None = None,
) -> Indicator:
    """Add an indicator; the template's weights may not total more than 100% (the last one makes 100)."""
    require_runner(actor)
    template = _locked_template(template)
    require_template_editable(template)
    clean = _clean_indicator(
        {
            "name": name,
            "kind": kind,
            "weight": weight,
            "goal_type": goal_type,
            "goal": goal,
            "measure": measure,
            "rule": rule,
            "floor": floor,
            "cap": cap,
            "steps": steps,
            "rubric": rubric,
        },
        new=True,
    )
    _unique_name(template, clean["name"])
    _check_total(template, clean["weight"])
    if Indicator.objects.filter(template=template).count() >= MAX_INDICATORS:
        raise ApplicationError(
            _("A template has at most %(max)s indicators.") % {"max": MAX_INDICATORS}, field="name"
        )
    if sort_order is None:
        last = Indicator.objects.filter(template=template).order_by("-sort_order").first()
        sort_order = (last.sort_order + 1) if last else 0
    return validated_save(Indicator(template=template, sort_order=sort_order, **clean))


def _drop_inapplicable(state: dict[str, Any], given: Mapping[str, Any]) -> None:
    """On a change of kind or rule, stored values that no longer apply go unless the caller gave them
    (a qualitative indicator keeps no binding; a step table no floor or cap; a linear rule no steps)."""
    if "kind" not in given and "rule" not in given:
        return
    cleared: dict[str, Any] = {}
    if state.get("kind") == IndicatorKind.QUALITATIVE:
        cleared = {"goal_type": None, "goal": None, "measure": None, "floor": None, "cap": None, "steps": []}
    else:
        cleared["rubric"] = {}
        if state.get("rule") == ScoringRule.STEPS:
            cleared.update(floor=None, cap=None)
        else:
            cleared["steps"] = []
    for key, value in cleared.items():
        if key not in given:
            state[key] = value


@transaction.atomic
def indicator_update(*, actor: Actor, indicator: Indicator, version: int | None, **fields: Any) -> Indicator:
    require_runner(actor)
    template = _locked_template(indicator.template)
    require_template_editable(template)
    indicator = Indicator.objects.select_for_update().get(pk=indicator.pk)
    check_version(indicator, version)
    state = _state_of(indicator)
    sort_order = fields.pop("sort_order", None)
    for key, value in fields.items():
        if key not in _INDICATOR_FIELDS:
            raise ApplicationError(_("This field cannot be changed."), field=key)
        state[key] = value
    _drop_inapplicable(state, fields)
    clean = _clean_indicator(state, new=False)
    _unique_name(template, clean["name"], exclude=indicator.pk)
    _check_total(template, clean["weight"], exclude=indicator.pk)
    for key, value in clean.items():
        setattr(indicator, key, value)
    if sort_order is not None:
        indicator.sort_order = sort_order
    bump_version(indicator)
    indicator.save()
    return indicator


@transaction.atomic
def indicator_delete(*, actor: Actor, indicator: Indicator) -> None:
    """Refused (409 `in_use`) once reviewers have rated it."""
    require_runner(actor)
    require_template_editable(_locked_template(indicator.template))
    refuse_delete_while_referenced(indicator)
    indicator.delete()


def _row_error(exc: ApplicationError, row: int) -> ErrorItem:
    return ErrorItem(code=exc.code, message=exc.message, field=exc.field, row=row)


@transaction.atomic
def indicators_replace(
    *, actor: Actor, template: Template, rows: Sequence[Mapping[str, Any]], version: int | None = None
) -> list[Indicator]:
    """Set all of a template's indicators at once: a row with an `id` updates that indicator (its
    `version`, when given, must be current), one without creates it, indicators not in the rows are
    deleted (refused while rated). The weights must total exactly 100%.

    Row keys are the indicator's fields (`goal_type`, `goal`, `measure` as records). All rows are
    checked before anything is written; their errors come back together, each with its `row` (0-based).
    """
    require_runner(actor)
    template = _locked_template(template)
    require_template_editable(template)
    check_version(template, version)
    if len(rows) > MAX_INDICATORS:
        raise ApplicationError(
            _("A template has at most %(max)s indicators.") % {"max": MAX_INDICATORS}, field="indicators"
        )
    existing = {i.pk: i for i in Indicator.objects.select_for_update().filter(template=template)}
    errors: list[ErrorItem] = []
    planned: list[tuple[Indicator | None, dict[str, Any]]] = []
    names: dict[str, int] = {}
    for index, row in enumerate(rows):
        row = dict(row)
        pk = row.pop("id", None)
        row_version = row.pop("version", None)
        row.pop("sort_order", None)
        indicator = None
        try:
            if pk is not None:
                indicator = existing.get(pk)
                if indicator is None:
                    raise ApplicationError(
                        _("This indicator is not part of the template."), field="id", code="not_found"
                    )
                check_version(indicator, row_version)
            unknown = set(row) - _INDICATOR_FIELDS
            if unknown:
                raise ApplicationError(_("This field cannot be changed."), field=sorted(unknown)[0])
            if indicator is None and "cap" not in row:
                row["cap"] = UNSET
            clean = _clean_indicator(row, new=indicator is None)
            if clean["name"] in names:
                raise ApplicationError(
                    _("Two indicators have the same name."), field="name", code="duplicate"
                )
            names[clean["name"]] = index
        except ApplicationError as exc:
            errors.append(_row_error(exc, index))
            continue
        planned.append((indicator, clean))
    if errors:
        first = errors[0]
        raise ApplicationError(first.message, code=first.code, field=first.field, errors=errors)
    total = sum((clean["weight"] for _i, clean in planned), Decimal(0))
    if weights_total_error([clean["weight"] for _i, clean in planned]) is not None or not planned:
        raise ApplicationError(
            _("The weights sum to %(total)s%%: they must sum to 100%%.") % {"total": _percent_text(total)},
            field="weight",
            code="weights_not_100",
        )
    kept = {indicator.pk for indicator, _c in planned if indicator is not None}
    for pk, indicator in existing.items():
        if pk not in kept:
            refuse_delete_while_referenced(indicator)
    Indicator.objects.filter(template=template).exclude(pk__in=kept).delete()
    saved: list[Indicator] = []
    for position, (indicator, clean) in enumerate(planned):
        if indicator is None:
            indicator = Indicator(template=template, sort_order=position, **clean)
            validated_save(indicator)
        else:
            changed = any(getattr(indicator, key) != value for key, value in clean.items())
            for key, value in clean.items():
                setattr(indicator, key, value)
            if changed or indicator.sort_order != position:
                indicator.sort_order = position
                if changed:
                    bump_version(indicator)
                indicator.save()
        saved.append(indicator)
    bump_version(template)
    template.save(update_fields=["version", "updated_at"])
    return saved


# --- performance-pay bases (HR partners and admins only) ------------------------------------------


@transaction.atomic
def pay_base_set(*, actor: Actor, person: Person, amount: Decimal, version: int | None = None) -> PayBase:
    require_runner(actor)
    if amount is None or amount == "":
        raise ApplicationError(_("Enter the amount."), field="amount", code="required")
    amount = _decimal(amount, "amount")
    if amount < 0 or amount > MAX_PAY:
        raise ApplicationError(_("Enter an amount of 0 or more."), field="amount")
    if _places(amount) > 2:
        raise ApplicationError(_("Give the amount with at most 2 decimal places."), field="amount")
    base = PayBase.objects.select_for_update().filter(person=person).first()
    if base is None:
        if version not in (None, 0):
            check_version(PayBase(version=0), version)
        return validated_save(PayBase(person=person, amount=amount))
    check_version(base, version)
    base.amount = amount
    bump_version(base)
    base.save()
    return base


@transaction.atomic
def pay_base_clear(*, actor: Actor, person: Person) -> None:
    require_runner(actor)
    PayBase.objects.filter(person=person).delete()


# --- competencies ----------------------------------------------------------------------------------


def _competency_name(name: str, instance: Competency | None) -> str:
    name = _text(name, "name", limit=40)
    clash = Competency.objects.filter(name=name)
    if instance is not None:
        clash = clash.exclude(pk=instance.pk)
    if clash.exists():
        raise ApplicationError(_("A competency of this name already exists."), field="name", code="duplicate")
    return name


def _group(value: str) -> str:
    if value not in CompetencyGroup.values:
        raise ApplicationError(_("Choose professional or general."), field="group")
    return value


@transaction.atomic
def competency_create(*, actor: Actor, name: str, group: str, sort_order: int = 0) -> Competency:
    require_runner(actor)
    return validated_save(
        Competency(name=_competency_name(name, None), group=_group(group), sort_order=sort_order or 0)
    )


@transaction.atomic
def competency_update(*, actor: Actor, competency: Competency, **fields: Any) -> Competency:
    """Rename, regroup, reorder, or deactivate (`is_active=False`: kept for past ratings, no new ones)."""
    require_runner(actor)
    competency = Competency.objects.select_for_update().get(pk=competency.pk)
    for key, value in fields.items():
        if key == "name":
            competency.name = _competency_name(value, competency)
        elif key == "group":
            competency.group = _group(value)
        elif key == "sort_order":
            competency.sort_order = value or 0
        elif key == "is_active":
            competency.is_active = bool(value)
        else:
            raise ApplicationError(_("This field cannot be changed."), field=key)
    competency.save()
    return competency


def competency_deactivate(*, actor: Actor, competency: Competency) -> Competency:
    return competency_update(actor=actor, competency=competency, is_active=False)


# --- the appeals committee ---------------------------------------------------------------------------


@transaction.atomic
def committee_member_add(*, actor: Actor, person: Person, area: str) -> CommitteeMember:
    require_runner(actor)
    if area not in CommitteeArea.values:
        raise ApplicationError(_("Choose marketing, HR or finance."), field="area")
    if not person.is_active:
        raise NotFound(_("Person not found."), field="person_id")
    if CommitteeMember.objects.filter(person=person).exists():
        raise ConflictError(
            _("%(name)s is already on the committee.") % {"name": person.display_name},
            field="person_id",
            code="duplicate",
        )
    try:
        with transaction.atomic():
            return validated_save(CommitteeMember(person=person, area=area), validate_constraints=False)
    except IntegrityError as exc:
        raise ConflictError(
            _("%(name)s is already on the committee.") % {"name": person.display_name},
            field="person_id",
            code="duplicate",
        ) from exc


@transaction.atomic
def committee_member_remove(*, actor: Actor, member: CommitteeMember) -> None:
    require_runner(actor)
    member.delete()
