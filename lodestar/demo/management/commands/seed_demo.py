"""Create the demo organisation once. Running it again changes nothing (and never touches user data)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone, translation

from lodestar.core.models import CompanySettings, Period
from lodestar.demo import data
from lodestar.demo.appraisal import seed_demo_appraisal
from lodestar.demo.budget import seed_demo_budget
from lodestar.demo.dashboards import seed_demo_checkin_times
from lodestar.demo.execution import seed_demo_execution
from lodestar.demo.goals import seed_demo_goals
from lodestar.demo.history import seed_demo_history
from lodestar.demo.metrics import seed_demo_metrics
from lodestar.demo.reviews import seed_demo_reviews
from lodestar.demo.tracking import seed_demo_tracking
from lodestar.demo.verification import seed_demo_verification
from lodestar.org.models import Department, Person
from lodestar.org.periods_services import period_generate_fiscal_year


class Command(BaseCommand):
    help = "Load the demo organisation (a marketing centre of ~30 people) on first start only."

    def add_arguments(self, parser):
        parser.add_argument("--print-logins", action="store_true", help="Print the demo logins afterwards.")

    def handle(self, *args, **options):
        # Texts the services write (sub-goal descriptions, alert subjects) use the site's language.
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options):
        settings_row = CompanySettings.load()
        if settings_row.demo_seeded_at is not None or Department.objects.exists():
            self.stdout.write(
                "Demo organisation already present (or the organisation has data); nothing to do."
            )
            self._seed_goals_if_missing(settings_row)
        else:
            self._seed(settings_row)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo organisation created: {Department.objects.count()} departments, "
                    f"{Person.objects.count()} people."
                )
            )
        if options["print_logins"]:
            self.print_logins()

    @transaction.atomic
    def _seed(self, settings_row: CompanySettings) -> None:
        from lodestar.org.services import department_create

        User = get_user_model()
        admin_user = User.objects.filter(username="admin").first()
        if admin_user is None:
            admin_user = User.objects.create_superuser("admin", "admin@example.com", data.DEMO_PASSWORD)
        departments: dict[str, Department] = {}
        for code, name, parent_code in data.DEPARTMENTS:
            departments[code] = department_create(
                actor=admin_user,
                name=name,
                code=code,
                parent=departments.get(parent_code) if parent_code else None,
                sort_order=len(departments),
            )
        people: dict[str, Person] = {}
        for username, display_name, title, dept_code, manager, role, manages in data.PEOPLE:
            user = admin_user if username == "admin" else User(username=username)
            user.email = f"{username}@example.com"
            user.set_password(data.DEMO_PASSWORD)
            user.save()
            people[username] = Person.objects.create(
                user=user,
                display_name=display_name,
                title=title,
                department=departments[dept_code],
                manager=people.get(manager) if manager else None,
                role=role,
            )
            if manages:
                Department.objects.filter(pk=departments[manages].pk).update(manager=people[username])
        settings_row.company_name = data.COMPANY_NAME
        settings_row.demo_seeded_at = timezone.now()
        settings_row.save()
        this_year = timezone.localdate().year
        for year in (this_year - 1, this_year):
            period_generate_fiscal_year(actor=admin_user, year=year)
        seed_demo_goals(admin_user)
        seed_demo_execution(admin_user)
        seed_demo_tracking(admin_user)
        seed_demo_reviews(admin_user)
        seed_demo_appraisal(admin_user)
        seed_demo_budget(admin_user)
        seed_demo_metrics(admin_user)
        seed_demo_verification(admin_user)
        # The weeks behind this year's figures (Q2's were written before it closed, in reviews).
        seed_demo_history(
            periods=list(
                Period.objects.filter(key__in=[f"FY{this_year}", f"FY{this_year}-Q3", f"FY{this_year}-Q4"])
            ),
            until=timezone.localdate() - dt.timedelta(days=1),  # this week is reported on Monday
        )
        seed_demo_checkin_times(since=settings_row.demo_seeded_at)  # last: the reviews' check-ins too

    @transaction.atomic
    def _seed_goals_if_missing(self, settings_row: CompanySettings) -> None:
        """A demo database from an older release gets the modules added since, once each.

        Goals are added only when there are no goals at all, action plans only when there are no
        items and the demo goals they belong to exist: user data is never touched or duplicated.
        """
        from lodestar.execution.models import ActionItem
        from lodestar.goals.models import Goal

        started = timezone.now()
        admin_user = get_user_model().objects.filter(username="admin").first()
        if settings_row.demo_seeded_at is None or admin_user is None:
            return
        if not Goal.objects.exists() and Department.objects.filter(code="MKT").exists():
            seed_demo_goals(admin_user)
            self.stdout.write("Demo goals added.")
        if not ActionItem.objects.exists() and Goal.objects.filter(name="小红书笔记50篇").exists():
            seed_demo_execution(admin_user)
            self.stdout.write("Demo action plans added.")
        from lodestar.alerts.models import AlertRule
        from lodestar.tracking.models import CheckIn

        if (
            not CheckIn.objects.exists()
            and not AlertRule.objects.exists()
            and Goal.objects.filter(name="小红书笔记50篇", status="active").exists()
        ):
            seed_demo_tracking(admin_user)
            self.stdout.write("Demo check-ins and alert rules added.")
        from lodestar.retrospectives.models import Retrospective

        if (
            not Retrospective.objects.exists()
            and not Goal.objects.filter(name="Q2 618大促GMV").exists()
            and Goal.objects.filter(name="小红书笔记50篇", status="active").exists()
        ):
            seed_demo_reviews(admin_user)
            self.stdout.write("Demo retrospectives, cases and SOPs added.")
        from lodestar.budget.models import BudgetLine

        if not BudgetLine.objects.exists() and Department.objects.filter(code="MKT-CHANNEL").exists():
            seed_demo_budget(admin_user)
            self.stdout.write("Demo budgets, spend and channel ROI added.")
        from lodestar.metrics.models import DataSource

        if not DataSource.objects.exists() and Department.objects.filter(code="MKT-CHANNEL-EC").exists():
            seed_demo_metrics(admin_user)
            self.stdout.write("Demo platform data added.")
        from lodestar.metrics.models import Discrepancy, SourceMetric

        if (
            not SourceMetric.objects.filter(measure__isnull=False).exists()
            and not Discrepancy.objects.exists()
            and Goal.objects.filter(name="抖音短视频播放量800万", status="active").exists()
        ):
            seed_demo_verification(admin_user)
            self.stdout.write("Demo source data bound to measures (feeding and verification) added.")
        seed_demo_checkin_times(since=started)  # only the check-ins written just now

    def print_logins(self) -> None:
        self.stdout.write("")
        if CompanySettings.load().demo_seeded_at is None:
            # A company set up with /setup/ or setup_company: its own accounts, no demo logins.
            self.stdout.write(
                "This install holds its own organisation (no demo): sign in with your accounts."
            )
            return
        self.stdout.write(f"Demo logins (password for all: {data.DEMO_PASSWORD}):")
        for username, role in data.LOGINS:
            self.stdout.write(f"  {username:<10} {role}")
