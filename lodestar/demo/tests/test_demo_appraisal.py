"""The demo's appraisal: competency ratings (the radar), evidence packs and feedback notes that cite the
person's own indicators."""

from __future__ import annotations

from lodestar.appraisal import selectors
from lodestar.appraisal.models import Appraisal, Competency, CompetencyRating, Evidence, EvidenceKind
from lodestar.demo.appraisal import EVIDENCE_LINKS, competency_ratings_of


def test_demo_appraisal(demo):
    _competency_ratings()
    _evidence()
    _feedback_notes()


def _competency_ratings():
    competencies = Competency.objects.count()
    appraisals = list(Appraisal.objects.select_related("person__user"))
    assert appraisals
    for appraisal in appraisals:
        rows = {r.competency.name: r.rating for r in CompetencyRating.objects.filter(appraisal=appraisal)}
        assert len(rows) == competencies
        assert rows == competency_ratings_of(appraisal.person.user.username)
        assert all(1 <= value <= 5 for value in rows.values())
    chart = selectors.radar(Appraisal.objects.get(person__user__username="guofang").person_id)
    assert len(chart["indicators"]) == competencies
    assert chart["series"] and all(v is not None for v in chart["series"][0]["department"])


def _evidence():
    for username in EVIDENCE_LINKS:
        pieces = Evidence.objects.filter(appraisal__person__user__username=username)
        kinds = sorted(pieces.values_list("kind", flat=True))
        assert kinds == sorted([EvidenceKind.LINK, EvidenceKind.GOAL])
        goal = pieces.get(kind=EvidenceKind.GOAL).goal
        assert goal.owner.user.username == username


def _feedback_notes():
    appraisal = Appraisal.objects.get(person__user__username="guofang")
    meeting = appraisal.feedback
    text = f"{meeting.notes}{meeting.data_and_examples}{meeting.next_steps}"
    names = set(appraisal.template.indicators.values_list("name", flat=True))
    assert "线索转化率" not in text and "线索转化率" not in names
    assert "渠道销售额" in text and "新渠道开发" in text
