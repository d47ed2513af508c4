# ruff: noqa: F811 - the fixtures are imported from the execution and delivery tests
"""The task worker (django-tasks-db) at scale and safe:

- a task whose worker died mid-task (left RUNNING for ever by django-tasks-db) is run again, and
  its effect happens exactly once: `requeue_stale` and `manage.py run_worker`'s startup sweep;
- a periodic task retried after a crash queues its next run only once (`enqueue_once`);
- on PostgreSQL, with real `run_worker` processes against the test database: a worker SIGKILLed
  inside `generate_recurring_items` → the next worker creates each item once; two workers
  evaluating the alert rules and delivering at the same time → each alert raised once and each
  webhook posted once (a local HTTP server on 127.0.0.1 counts the posts).

The worker processes use `lodestar/core/tests/worker_settings.py` (the test settings with the
database queue). Their tests need committed data, hence `transaction=True`; SQLite's test database
lives in memory where another process cannot reach it, so those tests run on PostgreSQL only (the
CI leg with DATABASE_URL=postgres://…).
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from lodestar.alerts import rules as alert_rules
from lodestar.alerts import tasks as alert_tasks
from lodestar.alerts.models import Alert
from lodestar.core import worker
from lodestar.execution import tasks as execution_tasks
from lodestar.execution.models import ActionItem, RecurringItem
from lodestar.execution.tests.conftest import make_item, org, user_of  # noqa: F401 - fixtures
from lodestar.notifications import tasks as notification_tasks
from lodestar.notifications.models import Delivery, Notification, WebhookEndpoint
from lodestar.notifications.tests.test_delivery import webhook_server  # noqa: F401 - fixture

DB_QUEUE = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
RECURRING = "lodestar.execution.tasks.generate_recurring_items"
BASE_DIR = Path(__file__).resolve().parents[3]
postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="worker processes need a shared database (PostgreSQL)"
)


@pytest.fixture
def db_queue():
    with override_settings(TASKS=DB_QUEUE):
        yield


def a_dead_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def running(task_path: str, worker_ids: list[str], started_ago: dt.timedelta = dt.timedelta(0), **kwargs):
    """A task row as django-tasks-db leaves it when its worker is killed mid-task."""
    return DBTaskResult.objects.create(
        task_path=task_path,
        args_kwargs={"args": [], "kwargs": kwargs},
        status="RUNNING",
        started_at=timezone.now() - started_ago,
        worker_ids=worker_ids,
        backend_name="default",
        queue_name="default",
        priority=0,
        run_after=timezone.now() - started_ago,
        exception_class_path="",
        traceback="",
    )


def local_id(pid: int) -> str:
    return f"{worker._host()}:{pid}:abcdefgh"


def recurring_rule(org, next_due: dt.date) -> RecurringItem:
    return RecurringItem.objects.create(
        department=org.mkt,
        title="周报",
        frequency="weekly",
        responsible=org.responsible,
        accountable=org.accountable,
        next_due=next_due,
        created_by=org.mkt_manager,
    )


# --- the sweep ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_dead_local_worker_is_requeued_at_once_a_live_one_is_left_alone(db_queue):
    dead = running(RECURRING, [local_id(a_dead_pid())])
    alive = running(RECURRING, [local_id(os.getpid())], started_ago=dt.timedelta(hours=5))
    assert worker.requeue_stale() == {"requeued": 1, "failed": 0}
    dead.refresh_from_db()
    alive.refresh_from_db()
    assert (dead.status, dead.started_at) == ("READY", None)
    assert alive.status == "RUNNING"  # its process still runs it, however long it takes


@pytest.mark.django_db
@override_settings(LODESTAR_TASK_LEASE_MINUTES=30)
def test_a_worker_of_another_machine_is_lost_after_the_lease(db_queue):
    recent = running(RECURRING, ["other-host:123:abcdefgh"], started_ago=dt.timedelta(minutes=29))
    old = running(RECURRING, ["a-foreign-id"], started_ago=dt.timedelta(minutes=31))
    assert worker.requeue_stale() == {"requeued": 1, "failed": 0}
    assert DBTaskResult.objects.get(pk=recent.pk).status == "RUNNING"
    assert DBTaskResult.objects.get(pk=old.pk).status == "READY"


@pytest.mark.django_db
def test_a_task_that_kills_its_worker_every_time_fails_instead_of_looping(db_queue):
    pid = a_dead_pid()
    task = running(RECURRING, [local_id(pid)] * worker.MAX_CLAIMS)
    assert worker.requeue_stale() == {"requeued": 0, "failed": 1}
    task.refresh_from_db()
    assert task.status == "FAILED"
    assert task.exception_class_path == worker.LOST_EXCEPTION
    assert task.finished_at is not None


def test_worker_ids_tell_this_host_from_others():
    assert worker.worker_is_dead(local_id(os.getpid())) is False
    assert worker.worker_is_dead(local_id(a_dead_pid())) is True
    assert worker.worker_is_dead("elsewhere:1:abcdefgh") is None
    assert worker.worker_is_dead("0sF8xq1LkZ") is None  # db_worker's own random ids
    assert len(worker.new_worker_id()) <= 64


# --- retried tasks are idempotent -----------------------------------------------------------------


@pytest.mark.django_db
def test_a_periodic_task_run_twice_queues_its_next_run_once(db_queue):
    notification_tasks.deliver_pending.call(reschedule=True)
    notification_tasks.deliver_pending.call(reschedule=True)  # the retry of a run whose worker died
    waiting = DBTaskResult.objects.filter(
        task_path="lodestar.notifications.tasks.deliver_pending", status="READY"
    )
    assert waiting.count() == 1
    assert waiting.get().run_after > timezone.now()


@pytest.mark.django_db
def test_schedule_tasks_queues_the_sweep_once(db_queue):
    call_command("schedule_tasks", stdout=open(os.devnull, "w"))
    call_command("schedule_tasks", stdout=open(os.devnull, "w"))
    paths = list(DBTaskResult.objects.filter(status="READY").values_list("task_path", flat=True))
    assert sorted(paths) == sorted(
        [
            RECURRING,
            *alert_tasks.PERIODIC,
            *notification_tasks.PERIODIC,
            "lodestar.core.tasks.requeue_stale_tasks",
            "lodestar.goals.tasks.refresh_date_figures",
            "lodestar.goals.tasks.weekly_snapshots",
            "lodestar.knowledge.tasks.remind_sop_reviews",
            "lodestar.appraisal.tasks.remind_stages",
        ]
    )
    assert "lodestar.core.tasks.requeue_stale_tasks" in paths


@pytest.mark.django_db(transaction=True)
def test_run_worker_reruns_the_task_of_a_killed_worker_exactly_once(org, db_queue):
    """In process (so on SQLite too): the state a SIGKILL mid-task leaves — the task RUNNING, its
    transaction rolled back — then `run_worker --batch` as the restarted worker."""
    today = timezone.localdate()
    rule = recurring_rule(org, next_due=today - dt.timedelta(days=7))
    killed = running(RECURRING, [local_id(a_dead_pid())], reschedule=False)
    try:
        call_command("run_worker", batch=True, startup_delay=False, interval=0, verbosity=0)
    finally:  # the worker installs its own handlers; give pytest back Ctrl-C
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGQUIT, signal.SIG_DFL)
    killed.refresh_from_db()
    assert killed.status == "SUCCESSFUL"
    assert len(killed.worker_ids) == 2
    assert killed.return_value == 2
    dues = ActionItem.objects.filter(recurrence=rule).order_by("due").values_list("due", flat=True)
    assert list(dues) == [today - dt.timedelta(days=7), today]


# --- real worker processes on PostgreSQL ----------------------------------------------------------


def worker_env() -> dict[str, str]:
    """The environment of a worker process: the test database, the worker settings."""
    params = connection.settings_dict
    password = urllib.parse.quote(params.get("PASSWORD") or "")
    auth = params["USER"] + (f":{password}" if password else "")
    url = f"postgres://{auth}@{params['HOST'] or '127.0.0.1'}:{params['PORT'] or 5432}/{params['NAME']}"
    return {
        **os.environ,
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "lodestar.core.tests.worker_settings",
    }


def start_worker(*extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-startup-delay", "--interval", "0.1", *extra],
        cwd=BASE_DIR,
        env=worker_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(process: subprocess.Popen, timeout: float = 25) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def wait_for(condition, processes: list[subprocess.Popen], what: str, timeout: float = 20):
    """Poll `condition`; on time-out stop the workers and fail with what they printed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    outputs = []
    for process in processes:
        process.kill()
        outputs.append(process.communicate()[0])
    raise AssertionError(f"timed out waiting for {what}: {outputs}")


def waiting_on_lock(table: str) -> int:
    """How many other sessions wait for a lock on `table` (the workers, blocked mid-task)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = %s::regclass", [table])
        return cursor.fetchone()[0]


def hold_table_lock(table: str):
    """A second connection that holds a SHARE lock on `table`: workers writing to it wait, mid-task."""
    import psycopg

    params = connection.settings_dict
    lock = psycopg.connect(
        dbname=params["NAME"],
        user=params["USER"],
        password=params.get("PASSWORD") or None,
        host=params["HOST"] or "127.0.0.1",
        port=params["PORT"] or 5432,
    )
    lock.execute(f"LOCK TABLE {table} IN SHARE MODE")
    return lock


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_is_retried_by_the_next_worker_and_the_items_are_made_once(org, db_queue):
    today = timezone.localdate()
    rule = recurring_rule(org, next_due=today - dt.timedelta(days=14))
    result = execution_tasks.generate_recurring_items.enqueue(reschedule=True)
    lock = hold_table_lock("execution_actionitem")
    first = start_worker()
    try:
        # The worker has claimed the task, locked the rule and waits to insert the first item.
        wait_for(lambda: waiting_on_lock("execution_actionitem"), [first], "the worker to be mid-task")
        assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    finally:
        lock.close()
        if first.poll() is None:
            first.kill()
            first.wait()
    assert not ActionItem.objects.filter(recurrence=rule).exists()  # its transaction died with it
    assert DBTaskResult.objects.get(pk=result.id).status == "RUNNING"  # stranded until a sweep

    output = finish(start_worker("--batch"))
    task = DBTaskResult.objects.get(pk=result.id)
    assert task.status == "SUCCESSFUL", output
    assert len(task.worker_ids) == 2 and task.worker_ids[0] != task.worker_ids[1]
    assert task.return_value == 3
    dues = ActionItem.objects.filter(recurrence=rule).order_by("due").values_list("due", flat=True)
    assert list(dues) == [today - dt.timedelta(days=d) for d in (14, 7, 0)]
    assert DBTaskResult.objects.filter(task_path=RECURRING, status="READY").count() == 1  # tomorrow's run


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_raise_each_alert_once_and_post_each_webhook_once(
    org, make_item, db_queue, webhook_server
):
    today = timezone.localdate()
    overdue = [
        make_item(f"逾期任务{n}", start=today - dt.timedelta(days=20), due=today - dt.timedelta(days=5))
        for n in range(5)
    ]
    make_item("准时任务", start=today, due=today + dt.timedelta(days=5))
    alert_rules.rule_create(
        actor=user_of(org.admin),
        name="任务逾期提醒",
        scope="company",
        condition="item_overdue",
        days=1,
        recipients=["responsible", "accountable"],
        channels=["inbox", "webhook"],
    )
    WebhookEndpoint.objects.create(
        name="市场部群", kind=WebhookEndpoint.Kind.GENERIC, url=webhook_server.url("/hook")
    )
    evaluations = [alert_tasks.evaluate_alerts.enqueue(reschedule=False) for _ in range(2)]
    for _ in range(2):
        notification_tasks.deliver_pending.enqueue(reschedule=False)

    # Hold the alert table so both workers are inside their evaluation before either may insert.
    lock = hold_table_lock("tracking_alert")
    workers = [start_worker("--batch"), start_worker("--batch")]
    try:
        wait_for(lambda: waiting_on_lock("tracking_alert") == 2, workers, "both workers to evaluate at once")
    finally:
        lock.close()
    outputs = [finish(process) for process in workers]

    claimed_by = {DBTaskResult.objects.get(pk=e.id).worker_ids[0] for e in evaluations}
    assert len(claimed_by) == 2, outputs  # each worker evaluated the rules
    assert all(DBTaskResult.objects.get(pk=e.id).status == "SUCCESSFUL" for e in evaluations), outputs
    raised = Alert.objects.all()
    assert sorted(a.item_id for a in raised) == sorted(i.pk for i in overdue)
    webhook = Delivery.objects.filter(channel=Delivery.Channel.WEBHOOK)
    assert webhook.count() == 5
    assert set(webhook.values_list("status", "attempts")) == {(Delivery.Status.SENT, 1)}
    posted = [webhook_server.json(n)["id"] for n in range(len(webhook_server.requests))]
    assert sorted(posted) == sorted(a.pk for a in raised)  # one post per alert, none twice
    # R and A of each item: one inbox message each, per alert.
    assert Notification.objects.filter(verb="alert").count() == 2 * 5
    assert Delivery.objects.filter(channel=Delivery.Channel.INBOX).count() == 2 * 5
