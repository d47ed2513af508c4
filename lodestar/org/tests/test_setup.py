"""First start of a company (lodestar/org/setup.py) and its command `setup_company`."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from lodestar.core.errors import ApplicationError, ConflictError
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.org import setup
from lodestar.org.models import Department, Person, Role
from lodestar.org.permissions import person_of
from lodestar.org.services import api_token_create
from lodestar.org.setup import DepartmentSpec, company_setup, parse_department_lines

User = get_user_model()
PASSWORD = "Xk9-very-secret"
PEOPLE = (
    "账号,姓名,部门编码,职位,角色,是否部门负责人,直属上级账号\n"
    "zhaomin,赵敏,D01,品牌经理,成员,是,\n"
    "linxiao,林晓,CONTENT,内容运营,成员,否,zhaomin\n"
)


def run_setup(**overrides):
    arguments = {
        "company_name": "星辰科技",
        "fiscal_year_start_month": 1,
        "departments": [DepartmentSpec("品牌部"), DepartmentSpec("内容营销部", "CONTENT")],
        "admin_username": "chensy",
        "admin_display_name": "陈思远",
        "admin_password": PASSWORD,
        "today": dt.date(2026, 5, 6),
    }
    arguments.update(overrides)
    return company_setup(**arguments)


def nothing_written():
    assert not Department.objects.exists()
    assert not Person.objects.exists()
    assert not User.objects.filter(username="chensy").exists()
    assert not Period.objects.exists()
    assert CompanySettings.load().company_name == ""


# --- parsing -----------------------------------------------------------------------------------


def test_department_lines_take_an_optional_code():
    specs = parse_department_lines("品牌部\n\n  内容营销部 | CONTENT \n渠道部｜CH\n小红书组\tXHS\n")
    assert specs == [
        DepartmentSpec("品牌部"),
        DepartmentSpec("内容营销部", "CONTENT"),
        DepartmentSpec("渠道部", "CH"),
        DepartmentSpec("小红书组", "XHS"),
    ]


def test_a_line_with_only_a_code_is_refused():
    with pytest.raises(ApplicationError) as error:
        parse_department_lines("品牌部\n| CODE")
    assert error.value.field == "departments" and "2" in error.value.message


@pytest.mark.parametrize(
    "specs",
    [
        [DepartmentSpec("品牌部"), DepartmentSpec("品牌部")],
        [DepartmentSpec("星辰科技")],  # the company's own name
        [DepartmentSpec("品牌部", "A"), DepartmentSpec("渠道部", "a")],
        [DepartmentSpec("品牌部", "HQ")],  # the root's code
        [DepartmentSpec("品牌部", "有空格 的码")],
        [DepartmentSpec("部" * 81)],
    ],
)
def test_bad_departments_are_refused_before_anything_is_written(db, specs):
    with pytest.raises(ApplicationError) as error:
        run_setup(departments=specs)
    assert error.value.field == "departments"
    nothing_written()


def test_missing_codes_are_generated_and_skip_the_given_ones():
    specs = setup.validate_departments(
        company_name="星辰科技",
        departments=[DepartmentSpec("A", "D01"), DepartmentSpec("B"), DepartmentSpec("C")],
    )
    assert [s.code for s in specs] == ["D01", "D02", "D03"]


# --- the setup ---------------------------------------------------------------------------------


def test_setup_creates_the_company_its_admin_person_and_the_fiscal_year(db):
    result = run_setup(fiscal_year_start_month=4)
    company = Department.objects.get(parent__isnull=True)
    assert (company.name, company.code, company.path) == ("星辰科技", "HQ", f"/{company.pk}/")
    children = list(company.children.order_by("sort_order").values_list("name", "code", "depth"))
    assert children == [("品牌部", "D01", 1), ("内容营销部", "CONTENT", 1)]
    assert all(d.path.startswith(company.path) for d in Department.objects.all())
    admin = Person.objects.get()
    assert admin == result.admin
    assert (admin.display_name, admin.role, admin.department) == ("陈思远", Role.ADMIN, company)
    assert admin.user.check_password(PASSWORD) and admin.user.is_superuser and admin.user.is_staff
    settings_row = CompanySettings.load()
    assert (settings_row.company_name, settings_row.fiscal_year_start_month) == ("星辰科技", 4)
    assert settings_row.demo_seeded_at is None
    # 6 May 2026 lies in FY2026 (April 2026 – March 2027): its quarters, months and weeks exist.
    year = Period.objects.get(kind=PeriodKind.YEAR)
    assert (year.key, year.start, year.end) == ("FY2026", dt.date(2026, 4, 1), dt.date(2027, 3, 31))
    assert Period.objects.filter(kind=PeriodKind.QUARTER).count() == 4
    assert Period.objects.filter(kind=PeriodKind.MONTH).count() == 12
    assert Period.objects.filter(kind=PeriodKind.WEEK).count() >= 52


def test_the_admin_can_get_an_api_token(db):
    result = run_setup()
    user = User.objects.get(pk=result.admin.user_id)
    assert person_of(user) == result.admin
    token, secret = api_token_create(actor=user, name="BI")
    assert token.person == result.admin and secret.startswith("lds_")


def test_in_the_last_quarter_the_next_fiscal_year_is_created_too(db):
    run_setup(today=dt.date(2026, 11, 20))
    assert list(
        Period.objects.filter(kind=PeriodKind.YEAR).values_list("key", flat=True).order_by("key")
    ) == [
        "FY2026",
        "FY2027",
    ]


def test_setup_with_the_org_chart_people_file(db):
    result = run_setup(people_file=(PEOPLE.encode(), "people.csv"))
    assert (result.people_created, result.people_updated) == (2, 0)
    zhao = Person.objects.get(user__username="zhaomin")
    lin = Person.objects.get(user__username="linxiao")
    assert zhao.department.name == "品牌部" and zhao.department.manager == zhao
    assert lin.department.code == "CONTENT" and lin.manager == zhao


def test_a_bad_people_file_leaves_nothing_half_written(db):
    bad = PEOPLE + "wangq,王强,NOPE,,成员,否,\n"
    with pytest.raises(ApplicationError) as error:
        run_setup(people_file=(bad.encode(), "people.csv"))
    assert error.value.code == "import_invalid"
    assert [(e.row, e.field) for e in error.value.errors] == [(4, "department_code")]
    nothing_written()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"company_name": "  "}, "company_name"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"admin_username": "有 空格"}, "username"),
        ({"admin_password": "123"}, "password"),
        ({"admin_password": ""}, "password"),
        ({"admin_display_name": ""}, "display_name"),
    ],
)
def test_bad_input_names_its_field_and_writes_nothing(db, overrides, field):
    with pytest.raises(ApplicationError) as error:
        run_setup(**overrides)
    assert error.value.field == field
    nothing_written()


def test_a_taken_username_is_refused(db):
    User.objects.create_user("chensy", password="x")
    with pytest.raises(ApplicationError) as error:
        run_setup()
    assert error.value.field == "username"
    assert not Department.objects.exists()


def test_setup_is_refused_once_an_organisation_exists(org):
    with pytest.raises(ConflictError) as error:
        run_setup(admin_username="another")
    assert error.value.code == "organisation_exists"
    assert not User.objects.filter(username="another").exists()


def test_a_superuser_without_person_becomes_the_first_admin(db):
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    result = run_setup(admin_username="", admin_password=None, existing_user=root)
    assert result.admin.user == root and result.admin.role == Role.ADMIN
    root.refresh_from_db()
    assert root.check_password(PASSWORD)
    assert User.objects.count() == 1


def test_an_existing_ordinary_account_cannot_be_linked(db):
    plain = User.objects.create_user("plain", password=PASSWORD)
    with pytest.raises(ApplicationError):
        run_setup(admin_username="", existing_user=plain)
    nothing_written()


def test_setup_open_to_anybody_only_on_a_database_without_accounts(db):
    from django.contrib.auth.models import AnonymousUser

    assert setup.setup_open_to(AnonymousUser())
    plain = User.objects.create_user("plain", password=PASSWORD)
    assert not setup.setup_open_to(AnonymousUser())
    assert not setup.setup_open_to(plain)
    assert setup.setup_open_to(User.objects.create_superuser("root", "r@example.com", PASSWORD))


# --- a superuser made after the organisation exists -------------------------------------------


def test_admin_person_link(org):
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    person = setup.admin_person_link(user=root, display_name="运维", department=None, title="IT")
    assert (person.role, person.department, person.title) == (Role.ADMIN, org.company, "IT")
    with pytest.raises(ConflictError):
        setup.admin_person_link(user=root, display_name="again", department=None)


def test_admin_person_link_only_for_superusers(org):
    plain = User.objects.create_user("plain", password=PASSWORD)
    with pytest.raises(ApplicationError):
        setup.admin_person_link(user=plain, display_name="x", department=org.mkt)
    root = User.objects.create_superuser("root", "r@example.com", PASSWORD)
    with pytest.raises(ApplicationError) as error:
        setup.admin_person_link(user=root, display_name=" ", department=org.mkt)
    assert error.value.field == "display_name"
    assert not Person.objects.filter(user__in=[plain, root]).exists()


# --- the command -------------------------------------------------------------------------------


def command(*args, password: str | None = PASSWORD, monkeypatch=None):
    if password is not None:
        monkeypatch.setenv("LODESTAR_ADMIN_PASSWORD", password)
    else:
        monkeypatch.delenv("LODESTAR_ADMIN_PASSWORD", raising=False)
    call_command("setup_company", *args, "--no-input", verbosity=0)


BASE_ARGS = ["--name", "星辰科技", "--admin-username", "chensy", "--admin-name", "陈思远"]


def test_command_sets_up_the_company(db, monkeypatch, tmp_path):
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE, encoding="utf-8")
    args = [
        *BASE_ARGS,
        "--fiscal-year-start",
        "1",
        "--department",
        "品牌部",
        "--department",
        "内容营销部|CONTENT",
    ]
    command(*args, "--people", str(people), monkeypatch=monkeypatch)
    assert set(Department.objects.values_list("code", flat=True)) == {"HQ", "D01", "CONTENT"}
    assert Person.objects.get(user__username="chensy").role == Role.ADMIN
    assert Person.objects.count() == 3
    assert Period.objects.filter(kind=PeriodKind.YEAR).exists()


def test_command_refuses_an_existing_organisation(org, monkeypatch):
    with pytest.raises(CommandError, match="already has an organisation"):
        command(*BASE_ARGS, monkeypatch=monkeypatch)
    assert not User.objects.filter(username="chensy").exists()


def test_command_errors_name_the_problem_and_write_nothing(db, monkeypatch, tmp_path):
    with pytest.raises(CommandError, match="departments"):
        command(*BASE_ARGS, "--department", "部" * 81, monkeypatch=monkeypatch)
    nothing_written()
    people = tmp_path / "people.csv"
    people.write_text(PEOPLE + "wangq,王强,NOPE,,成员,否,\n", encoding="utf-8")
    with pytest.raises(CommandError, match="department_code"):
        command(*BASE_ARGS, "--people", str(people), monkeypatch=monkeypatch)
    nothing_written()
    with pytest.raises(CommandError, match="LODESTAR_ADMIN_PASSWORD"):
        command(*BASE_ARGS, password=None, monkeypatch=monkeypatch)
    nothing_written()


def test_command_links_a_superuser_made_with_createsuperuser(db, monkeypatch):
    root = User.objects.create_superuser("root", "r@example.com", "Orig-pass-123")
    command(
        "--name",
        "星辰科技",
        "--admin-username",
        "root",
        "--admin-name",
        "运维",
        password=None,
        monkeypatch=monkeypatch,
    )
    root.refresh_from_db()
    assert root.person.role == Role.ADMIN and root.check_password("Orig-pass-123")


def test_make_run_after_a_setup_leaves_the_company_alone(db):
    """`make run` calls seed_demo on every start: it must not add the demo to a set-up company."""
    import io

    run_setup()
    before = (Department.objects.count(), Person.objects.count(), User.objects.count())
    out = io.StringIO()
    call_command("seed_demo", "--print-logins", stdout=out)
    assert (Department.objects.count(), Person.objects.count(), User.objects.count()) == before
    assert CompanySettings.load().demo_seeded_at is None
    assert "Demo logins" not in out.getvalue() and "own organisation" in out.getvalue()
