"""Reminders and overdue notices for each review stage, through the notification channels.

A stage with dates (`CycleStage`) reminds the reviewers whose review of that kind is still pending once,
when two days or fewer are left; once it has ended, it tells them and the HR partners once that it is
overdue. Each is sent at most once per stage (`reminded_at`, `overdue_notified_at`).
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal.models import CycleStage, ReviewRole, ReviewStatus, Stage, StartStatus
from lodestar.notifications.services import notify
from lodestar.org.models import Person, Role

REMIND_DAYS_BEFORE = 2
ROLE_OF_STAGE = {Stage.SELF: ReviewRole.SELF, Stage.MANAGER: ReviewRole.MANAGER, Stage.PEER: ReviewRole.PEER}
URL = "/appraisal/"


def _pending_reviewers(stage: CycleStage) -> list[Person]:
    role = ROLE_OF_STAGE[Stage(stage.stage)]
    return list(
        Person.objects.filter(
            is_active=True,
            appraisal_reviews__appraisal__cycle_id=stage.cycle_id,
            appraisal_reviews__role=role,
            appraisal_reviews__status=ReviewStatus.PENDING,
        ).distinct()
    )


def send_stage_reminders(today: dt.date | None = None) -> int:
    """Returns how many notifications were written."""
    today = today or timezone.localdate()
    sent = 0
    stages = CycleStage.objects.filter(
        cycle__start_status=StartStatus.DONE, stage__in=list(ROLE_OF_STAGE), starts__lte=today
    ).select_related("cycle")
    for stage in stages:
        if stage.cycle.stage != stage.stage:
            continue
        now = timezone.now()
        label = stage.get_stage_display()
        if stage.ends < today and stage.overdue_notified_at is None:
            reviewers = _pending_reviewers(stage)
            if reviewers:
                title = _("%(cycle)s: %(stage)s ended on %(date)s and your review is overdue.") % {
                    "cycle": stage.cycle.name,
                    "stage": label,
                    "date": stage.ends.isoformat(),
                }
                sent += notify(recipients=reviewers, actor=None, verb="overdue", title=title, url=URL)
                hr = Person.objects.filter(role=Role.HR, is_active=True)
                hr_title = _("%(cycle)s: %(count)s reviews of %(stage)s are overdue.") % {
                    "cycle": stage.cycle.name,
                    "count": len(reviewers),
                    "stage": label,
                }
                sent += notify(
                    recipients=hr,
                    actor=None,
                    verb="overdue",
                    title=hr_title,
                    url=f"/appraisal/cycles/{stage.cycle_id}/",
                )
            stage.overdue_notified_at = now
            stage.save(update_fields=["overdue_notified_at"])
        elif (
            stage.ends >= today
            and (stage.ends - today).days <= REMIND_DAYS_BEFORE
            and stage.reminded_at is None
        ):
            reviewers = _pending_reviewers(stage)
            title = _("%(cycle)s: %(stage)s ends on %(date)s — your review is waiting.") % {
                "cycle": stage.cycle.name,
                "stage": label,
                "date": stage.ends.isoformat(),
            }
            sent += notify(recipients=reviewers, actor=None, verb="reminder", title=title, url=URL)
            stage.reminded_at = now
            stage.save(update_fields=["reminded_at"])
    return sent
