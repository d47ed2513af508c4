"""First start without the demo, from the shell: the company, its departments and the first admin.

    manage.py setup_company --name 星辰科技 --fiscal-year-start 1 \
        --department 品牌部 --department "内容营销部|CONTENT" \
        --admin-username chensy --admin-name 陈思远 [--people people.xlsx]

The password comes from LODESTAR_ADMIN_PASSWORD, or is asked for twice. An --admin-username
that names a superuser without a person (made with createsuperuser) links that account instead
(its password unchanged unless one is given). All or nothing; refused once an organisation exists.
"""

from __future__ import annotations

import getpass
import os
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from lodestar.core.errors import ApplicationError
from lodestar.org import setup

PASSWORD_ENV = "LODESTAR_ADMIN_PASSWORD"


class Command(BaseCommand):
    help = "Set up a company on an empty install: root department, departments, first admin, fiscal year."

    def add_arguments(self, parser):
        parser.add_argument("--name", required=True, help="Company name (the root department).")
        parser.add_argument(
            "--fiscal-year-start", type=int, default=1, help="Month (1-12) in which the fiscal year begins."
        )
        parser.add_argument(
            "--department",
            action="append",
            default=[],
            help='A first department under the company, "名称" or "名称|CODE"; repeat for several.',
        )
        parser.add_argument("--admin-username", required=True)
        parser.add_argument("--admin-name", required=True, help="The admin's display name, e.g. 陈思远.")
        parser.add_argument("--admin-title", default="")
        parser.add_argument("--people", help="A people sheet (.xlsx/.csv) of the org chart to import.")
        parser.add_argument(
            "--no-input", action="store_true", help=f"Never prompt: the password must be in {PASSWORD_ENV}."
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self._handle(options)

    def _handle(self, options):
        if setup.organisation_exists():
            raise CommandError(
                "This install already has an organisation: setup_company runs only on an empty database. "
                "Nothing was changed."
            )
        existing = get_user_model().objects.filter(username__iexact=options["admin_username"].strip()).first()
        password = os.environ.get(PASSWORD_ENV) or None
        if existing is None and password is None:
            if options["no_input"]:
                raise CommandError(f"Set the admin's password in {PASSWORD_ENV} (--no-input given).")
            password = self._ask_password()
        people_file = None
        if options["people"]:
            path = Path(options["people"])
            if not path.is_file():
                raise CommandError(f"No such file: {path}")
            people_file = (path.read_bytes(), path.name)
        try:
            departments = [
                spec for line in options["department"] for spec in setup.parse_department_lines(line)
            ]
            result = setup.company_setup(
                company_name=options["name"],
                fiscal_year_start_month=options["fiscal_year_start"],
                departments=departments,
                admin_username=options["admin_username"],
                admin_display_name=options["admin_name"],
                admin_password=password,
                admin_title=options["admin_title"],
                existing_user=existing,
                people_file=people_file,
            )
        except ApplicationError as exc:
            lines = [f"{exc.field}: {exc.message}" if exc.field else exc.message]
            lines += [f"  {line}" for line in setup.import_errors_as_text(exc.errors)]
            raise CommandError("\n".join([*lines, "Nothing was changed."])) from exc
        years = ", ".join(period.key for period in result.fiscal_years)
        self.stdout.write(
            self.style.SUCCESS(
                f"{result.company.name} is set up: {len(result.departments) + 1} departments "
                f"({', '.join(f'{d.name} {d.code}' for d in [result.company, *result.departments])}), "
                f"admin {result.admin.user.username} ({result.admin.display_name}), fiscal year {years}."
            )
        )
        if people_file is not None:
            self.stdout.write(
                f"People imported: {result.people_created} created, {result.people_updated} updated."
            )

    def _ask_password(self) -> str:
        for _attempt in range(3):
            first = getpass.getpass("Password for the admin: ")
            second = getpass.getpass("Password (again): ")
            if first and first == second:
                return first
            self.stderr.write("The passwords are empty or differ; try again.")
        raise CommandError("No password given.")
