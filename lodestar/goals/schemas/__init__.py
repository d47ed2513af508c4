"""Goal API schemas, one module per entity; every schema is importable from here."""

from lodestar.core.schemas import PageIn
from lodestar.goals.schemas.adjustments import (
    AdjustmentDecisionIn,
    AdjustmentIn,
    AdjustmentOut,
    AdjustmentPage,
)
from lodestar.goals.schemas.consensus import (
    ConsensusIn,
    ConsensusOut,
    DecisionIn,
    ParticipantIn,
    ParticipantOut,
)
from lodestar.goals.schemas.decomposition import DecomposeIn, DecomposeOut, DecomposePartIn
from lodestar.goals.schemas.goals import (
    GoalFilterIn,
    GoalIn,
    GoalOut,
    GoalPage,
    GoalPatch,
    GoalsOut,
    GoalStatusIn,
    SmartWarningOut,
    WeightIn,
    WeightsIn,
)
from lodestar.goals.schemas.measures import MeasureIn, MeasureOut, MeasurePage, MeasurePatch
from lodestar.goals.schemas.reuse import (
    AssignmentIn,
    GoalCopyIn,
    GoalTypeFilter,
    GoalTypeOut,
    GoalTypePage,
    TemplateApplyIn,
    TemplateIn,
    TemplateItemOut,
    TemplateMeasureOut,
    TemplateOut,
    TemplatePage,
)

__all__ = [
    "AdjustmentDecisionIn",
    "AdjustmentIn",
    "AdjustmentOut",
    "AdjustmentPage",
    "AssignmentIn",
    "ConsensusIn",
    "ConsensusOut",
    "DecisionIn",
    "DecomposeIn",
    "DecomposeOut",
    "DecomposePartIn",
    "GoalCopyIn",
    "GoalFilterIn",
    "GoalIn",
    "GoalOut",
    "GoalPage",
    "GoalPatch",
    "GoalStatusIn",
    "GoalTypeFilter",
    "GoalTypeOut",
    "GoalTypePage",
    "GoalsOut",
    "MeasureIn",
    "MeasureOut",
    "MeasurePage",
    "MeasurePatch",
    "PageIn",
    "ParticipantIn",
    "ParticipantOut",
    "SmartWarningOut",
    "TemplateApplyIn",
    "TemplateIn",
    "TemplateItemOut",
    "TemplateMeasureOut",
    "TemplateOut",
    "TemplatePage",
    "WeightIn",
    "WeightsIn",
]
