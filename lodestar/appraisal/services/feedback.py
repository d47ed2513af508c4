"""The feedback meeting (绩效面谈): the direct manager (`appraisal.manager`) or HR writes down the conversation
about a published result — with the data and examples discussed and the next steps — and the person and the
direct manager each acknowledge it once (a manager of a department above reads it, but neither writes nor
acknowledges it: `access.can_write_feedback`, `access.can_acknowledge_feedback`). Changing the notes after an acknowledgement clears both: what was acknowledged
is no longer what is written."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from lodestar.appraisal import access
from lodestar.appraisal.models import Appraisal, FeedbackMeeting
from lodestar.appraisal.services._outcomes import actor_person, clean_text, notify_on_commit
from lodestar.appraisal.services.cycles import appraisal_url
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.services import Actor, bump_version, check_version, validated_save


def feedback_save(
    *,
    actor: Actor,
    appraisal: Appraisal,
    held_on: dt.date | None,
    notes: str,
    data_and_examples: str = "",
    next_steps: str = "",
    version: int | None = None,
) -> FeedbackMeeting:
    """Write (or rewrite) the meeting's notes: the direct manager or HR, once the cycle is published."""
    me = actor_person(actor)
    if not access.can_write_feedback(actor, appraisal):
        if not appraisal.cycle.is_published:
            raise ConflictError(_("The feedback meeting follows the published result."), code="not_published")
        raise PermissionDeniedError(_("Only the direct manager or HR write the feedback meeting."))
    if held_on is None:
        raise ApplicationError(_("This field is required."), field="held_on", code="required")
    values = {
        "held_on": held_on,
        "notes": clean_text(notes, "notes", required=True),
        "data_and_examples": clean_text(data_and_examples, "data_and_examples"),
        "next_steps": clean_text(next_steps, "next_steps"),
    }
    with transaction.atomic():
        meeting = FeedbackMeeting.objects.select_for_update().filter(appraisal=appraisal).first()
        if meeting is None:
            meeting = FeedbackMeeting(appraisal=appraisal, written_by=me, **values)
            validated_save(meeting, validate_constraints=False)
        else:
            check_version(meeting, version)
            for key, value in values.items():
                setattr(meeting, key, value)
            meeting.written_by = me
            meeting.person_ack_at = None
            meeting.manager_ack_at = None
            bump_version(meeting)
            meeting.save()
        notify_on_commit(
            [appraisal.person, appraisal.manager],
            me,
            _("The notes of your feedback meeting on %(cycle)s are ready to acknowledge.")
            % {"cycle": appraisal.cycle.name},
            appraisal_url(appraisal),
        )
    meeting.appraisal = appraisal
    return meeting


def feedback_acknowledge(*, actor: Actor, appraisal: Appraisal) -> FeedbackMeeting:
    """The person or the direct manager acknowledges the notes (each once; the time is recorded)."""
    actor_person(actor)
    with transaction.atomic():
        meeting = FeedbackMeeting.objects.select_for_update().filter(appraisal=appraisal).first()
        if meeting is None:
            raise ConflictError(_("There are no meeting notes to acknowledge yet."), code="no_feedback")
        meeting.appraisal = appraisal
        own = access.is_own(actor, appraisal)
        if not access.is_feedback_party(actor, appraisal):
            raise PermissionDeniedError(_("Only the person and the direct manager acknowledge the meeting."))
        if not access.can_acknowledge_feedback(actor, meeting):
            if (meeting.person_ack_at if own else meeting.manager_ack_at) is not None:
                raise ConflictError(_("You have already acknowledged these notes."), code="acknowledged")
            raise PermissionDeniedError(_("Your role can view but not change data."))
        now = timezone.now()
        if own:
            meeting.person_ack_at = now
        else:
            meeting.manager_ack_at = now
        bump_version(meeting)
        meeting.save()
    return meeting
