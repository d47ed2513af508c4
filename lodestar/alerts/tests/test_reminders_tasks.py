"""Alerts: check-in reminders at each person's time and quiet hours, the tasks on the immediate
backend, and the same task code on RQ (django-tasks-rq) against the local Redis."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from lodestar.alerts import evaluation, reminders, tasks
from lodestar.alerts.models import Alert
from lodestar.alerts.tests.support import make_rule, report
from lodestar.notifications import delivery
from lodestar.notifications import tasks as notification_tasks
from lodestar.notifications.models import Delivery, Notification, NotificationPreference

# --- reminders and tasks ---------------------------------------------------------------------


def test_weekly_checkin_reminder_at_the_persons_time(org, goal, measure):
    friday = timezone.make_aware(dt.datetime(2026, 11, 27, 15, 0))
    assert reminders.send_checkin_reminders(now=friday) == 0  # before Friday 16:00
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(hours=1, minutes=5)) == 1
    reminder = Notification.objects.get(verb=reminders.REMINDER_VERB)
    assert reminder.recipient == org.member and "小红书笔记" in reminder.title
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(hours=2)) == 0  # once a week
    # Next week: reported on time → nothing due.
    report(org, measure, 20, start=dt.date(2026, 11, 30))
    assert reminders.send_checkin_reminders(now=friday + dt.timedelta(days=7, hours=2)) == 0


def test_reminder_day_time_and_quiet_hours_per_person(org, goal, measure):
    NotificationPreference.objects.create(
        person=org.member,
        reminder_weekday=3,
        reminder_time=dt.time(9, 0),
        quiet_start=dt.time(12, 0),
        quiet_end=dt.time(14, 0),
    )
    wednesday = dt.datetime(2026, 11, 25)
    assert reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=8))) == 0
    assert reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=13))) == 0  # quiet
    assert (
        reminders.send_checkin_reminders(now=timezone.make_aware(wednesday.replace(hour=14, minute=5))) == 1
    )


def test_tasks_run_on_the_immediate_backend(org, goal, measure):
    report(org, measure, 10)
    make_rule(org, channels=["inbox"])
    result = tasks.evaluate_alerts.enqueue(reschedule=True)
    assert result.return_value == 1
    assert notification_tasks.deliver_pending.enqueue(reschedule=True).return_value == 0
    assert tasks.escalate_alerts.enqueue(reschedule=True).return_value == 0
    assert tasks.ensure_scheduled() == []  # ImmediateBackend cannot defer
    assert notification_tasks.ensure_scheduled() == []


def test_email_channel_respects_quiet_hours(org, goal, measure, mailoutbox):
    from django.contrib.auth import get_user_model

    get_user_model().objects.filter(pk=org.member.user_id).update(email="linxiao@example.com")
    report(org, measure, 10)
    make_rule(org, recipients=["owner"], channels=["inbox", "email"])
    evaluation.evaluate_rules()
    row = Delivery.objects.get(channel="email")
    now = timezone.localtime().replace(hour=23, minute=0)
    NotificationPreference.objects.create(
        person=org.member, quiet_start=dt.time(22, 0), quiet_end=dt.time(8, 0)
    )
    assert delivery.deliver_pending(now=now) == 0
    row.refresh_from_db()
    assert row.status == "pending" and row.attempts == 0 and row.next_attempt_at > now
    assert mailoutbox == []
    assert Notification.objects.filter(recipient=org.member, verb="alert").exists()  # inbox always
    assert delivery.deliver_pending(now=row.next_attempt_at) == 1
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["linxiao@example.com"]


# --- the same task code on RQ (django-tasks-rq) against the local Redis -----------------------

REDIS_URL = "redis://127.0.0.1:6379/15"
RQ_QUEUE = "default"  # django-tasks-rq reads results through the "default" RQ connection


def _redis_up() -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:
        return False


@pytest.fixture
def rq_backend(settings):
    """TASKS gains an "rq" backend on a private Redis database; the handler's cache is reset around it."""
    from asgiref.local import Local
    from django.tasks import task_backends

    def reset():
        task_backends.__dict__.pop("settings", None)
        task_backends._settings = None
        task_backends._connections = Local(task_backends.thread_critical)

    settings.RQ_QUEUES = {RQ_QUEUE: {"URL": REDIS_URL}}
    settings.TASKS = {
        "default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"},
        "rq": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": [RQ_QUEUE]},
    }
    reset()
    import django_rq

    django_rq.get_queue(RQ_QUEUE).empty()
    yield django_rq
    django_rq.get_queue(RQ_QUEUE).empty()
    reset()


@pytest.mark.redis
@pytest.mark.skipif(not _redis_up(), reason="needs Redis on 127.0.0.1:6379")
def test_evaluate_alerts_runs_on_rq(org, goal, measure, rq_backend):
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    report(org, measure, 10)
    make_rule(org, channels=["inbox"])
    result = tasks.evaluate_alerts.using(backend="rq", queue_name=RQ_QUEUE).enqueue(reschedule=False)
    assert not Alert.objects.exists()  # queued, not run
    queue = rq_backend.get_queue(RQ_QUEUE, job_class=Job)
    worker = SimpleWorker([queue], connection=queue.connection, job_class=Job)
    assert worker.work(burst=True)
    alert = Alert.objects.get()
    assert alert.goal == goal
    assert Notification.objects.filter(recipient=org.member, verb="alert").exists()
    finished = tasks.evaluate_alerts.using(backend="rq", queue_name=RQ_QUEUE).get_result(result.id)
    assert finished.status == "SUCCESSFUL" and finished.return_value == 1
