"""Services for fiscal periods and company settings, against the database."""

from __future__ import annotations

import datetime as dt

import pytest

from lodestar.conftest import fresh_user
from lodestar.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from lodestar.core.models import CompanySettings, Period, PeriodKind
from lodestar.org import periods_services as services

D = dt.date

NON_ADMINS = ("mkt_manager", "member", "hr", "viewer")


def kinds(year: int) -> dict[str, int]:
    return {
        kind: Period.objects.filter(fiscal_year=year, kind=kind).count()
        for kind in ("year", "quarter", "month", "week")
    }


@pytest.fixture
def admin(org):
    return fresh_user(org.admin)


def test_generate_fiscal_year_builds_the_whole_tree(admin):
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    assert (year.kind, year.key, year.start, year.end, year.parent_id) == (
        "year",
        "FY2024",
        D(2024, 1, 1),
        D(2024, 12, 31),
        None,
    )
    assert kinds(2024) == {"year": 1, "quarter": 4, "month": 12, "week": 52}
    for quarter in Period.objects.filter(kind="quarter"):
        assert quarter.parent_id == year.pk
        assert quarter.children.count() == 3
    for month in Period.objects.filter(kind="month").select_related("parent"):
        assert month.parent.start <= month.start and month.end <= month.parent.end
    for week in Period.objects.filter(kind="week").select_related("parent"):
        thursday = week.start + dt.timedelta(days=3)
        assert week.parent.kind == "month"
        assert week.parent.start <= thursday <= week.parent.end
    assert Period.objects.get(key="FY2024-Q3").name  # named
    assert Period.objects.get(key="2024-W01").start == D(2024, 1, 1)


def test_generate_uses_the_configured_start_month(admin):
    services.company_settings_update(actor=admin, company_name=" 星辰 ", fiscal_year_start_month=4)
    assert CompanySettings.load().company_name == "星辰"
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    assert (year.start, year.end) == (D(2024, 4, 1), D(2025, 3, 31))
    q4 = Period.objects.get(kind="quarter", key="FY2024-Q4")
    assert (q4.start, q4.end) == (D(2025, 1, 1), D(2025, 3, 31))
    assert Period.objects.filter(kind="week", fiscal_year=2024).first().start == D(2024, 4, 1)


def test_generate_is_idempotent_and_keeps_closed_periods_closed(admin):
    services.period_generate_fiscal_year(actor=admin, year=2024)
    before = Period.objects.count()
    march = Period.objects.get(kind="month", key="FY2024-M03")
    services.period_set_closed(actor=admin, period=march, is_closed=True, version=march.version)
    services.period_update(
        actor=admin, period=Period.objects.get(key="FY2024"), version=1, name="二〇二四财年"
    )

    again = services.period_generate_fiscal_year(actor=admin, year=2024)

    assert Period.objects.count() == before
    assert again.name == "二〇二四财年"
    march.refresh_from_db()
    assert march.is_closed is True
    assert march.version == 2


def test_regenerating_a_year_after_the_start_month_changed_is_refused_cleanly(admin):
    services.period_generate_fiscal_year(actor=admin, year=2024)
    before = Period.objects.count()
    services.company_settings_update(actor=admin, company_name="", fiscal_year_start_month=4)
    with pytest.raises(ConflictError) as exc:
        services.period_generate_fiscal_year(actor=admin, year=2024)
    assert exc.value.field == "year"
    assert Period.objects.count() == before
    # The next year under the new calendar (April 2025 .. March 2026) does not overlap FY2024.
    year = services.period_generate_fiscal_year(actor=admin, year=2025)
    assert (year.start, year.end) == (D(2025, 4, 1), D(2026, 3, 31))
    # Back to January: FY2026 (Jan..Dec 2026) would overlap the April-based FY2025.
    services.company_settings_update(actor=admin, company_name="", fiscal_year_start_month=1)
    with pytest.raises(ConflictError) as exc:
        services.period_generate_fiscal_year(actor=admin, year=2026)
    assert "FY2025" in exc.value.message
    assert not Period.objects.filter(fiscal_year=2026).exists()


def test_two_consecutive_years_share_no_week(admin):
    services.period_generate_fiscal_year(actor=admin, year=2020)
    services.period_generate_fiscal_year(actor=admin, year=2021)
    assert kinds(2020)["week"] == 53
    assert kinds(2021)["week"] == 52
    week = Period.objects.get(kind="week", key="2020-W53")
    assert week.fiscal_year == 2020
    assert week.end == D(2021, 1, 3)


@pytest.mark.parametrize("year", [1989, 2101])
def test_generate_refuses_silly_years(admin, year):
    with pytest.raises(ApplicationError) as exc:
        services.period_generate_fiscal_year(actor=admin, year=year)
    assert exc.value.field == "year"
    assert not Period.objects.exists()


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admins_generate_years(org, role):
    with pytest.raises(PermissionDeniedError):
        services.period_generate_fiscal_year(actor=fresh_user(org.person(role)), year=2024)
    assert not Period.objects.exists()


def test_superuser_without_person_is_admin(db):
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.com", "x")
    assert services.period_generate_fiscal_year(actor=root, year=2024).key == "FY2024"


def test_custom_period(admin):
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    period = services.period_create_custom(
        actor=admin, name=" 618 大促 ", start=D(2024, 5, 20), end=D(2024, 6, 20), parent=year
    )
    assert (period.kind, period.name, period.fiscal_year, period.parent_id, period.key) == (
        PeriodKind.CUSTOM,
        "618 大促",
        2024,
        year.pk,
        "",
    )
    assert period.days == 32
    # Several custom periods may exist side by side (empty key is not unique).
    services.period_create_custom(actor=admin, name="双11", start=D(2024, 11, 1), end=D(2024, 11, 11))
    assert Period.objects.filter(kind="custom").count() == 2


@pytest.mark.parametrize(
    "name,start,end,field",
    [
        ("  ", D(2024, 1, 1), D(2024, 1, 2), "name"),
        ("bad", D(2024, 1, 2), D(2024, 1, 1), "end"),
    ],
)
def test_custom_period_rules(admin, name, start, end, field):
    with pytest.raises(ApplicationError) as exc:
        services.period_create_custom(actor=admin, name=name, start=start, end=end)
    assert exc.value.field == field
    assert exc.value.status == 422


def test_custom_period_must_lie_inside_its_parent(admin):
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    with pytest.raises(ApplicationError) as exc:
        services.period_create_custom(
            actor=admin, name="跨年", start=D(2024, 12, 1), end=D(2025, 1, 31), parent=year
        )
    assert exc.value.field == "parent_id"


def test_one_day_custom_period_is_allowed(admin):
    period = services.period_create_custom(actor=admin, name="发布会", start=D(2024, 3, 3), end=D(2024, 3, 3))
    assert period.days == 1


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admins_create_custom_periods(org, role):
    with pytest.raises(PermissionDeniedError):
        services.period_create_custom(
            actor=fresh_user(org.person(role)), name="x", start=D(2024, 1, 1), end=D(2024, 1, 2)
        )


def test_period_update_renames_and_bumps_version(admin):
    period = services.period_create_custom(actor=admin, name="A", start=D(2024, 1, 1), end=D(2024, 1, 31))
    updated = services.period_update(actor=admin, period=period, version=1, name=" B ", end=D(2024, 2, 29))
    assert (updated.name, updated.end, updated.version) == ("B", D(2024, 2, 29), 2)
    period.refresh_from_db()
    assert period.version == 2


def test_period_update_with_stale_version_conflicts(admin):
    period = services.period_create_custom(actor=admin, name="A", start=D(2024, 1, 1), end=D(2024, 1, 31))
    services.period_update(actor=admin, period=period, version=1, name="B")
    with pytest.raises(ConflictError) as exc:
        services.period_update(actor=admin, period=period, version=1, name="C")
    assert (exc.value.status, exc.value.code, exc.value.field) == (409, "version_conflict", "version")
    period.refresh_from_db()
    assert period.name == "B"


def test_only_custom_periods_move_their_dates(admin):
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    with pytest.raises(ApplicationError) as exc:
        services.period_update(actor=admin, period=year, version=year.version, start=D(2024, 2, 1))
    assert exc.value.field == "start"
    # Renaming a generated period is fine; closing it goes through the period close (goals.services.closing).
    year = services.period_update(actor=admin, period=year, version=year.version, name="FY24")
    assert (year.name, year.is_closed) == ("FY24", False)
    with pytest.raises(ApplicationError) as exc:
        services.period_update(actor=admin, period=year, version=year.version, is_closed=True)
    assert (exc.value.code, exc.value.field) == ("use_period_close", "is_closed")


def test_period_update_refuses_end_before_start_and_empty_name(admin):
    period = services.period_create_custom(actor=admin, name="A", start=D(2024, 1, 10), end=D(2024, 1, 31))
    with pytest.raises(ApplicationError) as exc:
        services.period_update(actor=admin, period=period, version=1, end=D(2024, 1, 1))
    assert exc.value.field == "end"
    with pytest.raises(ApplicationError) as exc:
        services.period_update(actor=admin, period=period, version=1, name="   ")
    assert exc.value.field == "name"
    period.refresh_from_db()
    assert (period.name, period.end, period.version) == ("A", D(2024, 1, 31), 1)


def test_moving_a_custom_period_keeps_it_inside_its_parent(admin):
    year = services.period_generate_fiscal_year(actor=admin, year=2024)
    period = services.period_create_custom(
        actor=admin, name="A", start=D(2024, 12, 1), end=D(2024, 12, 20), parent=year
    )
    with pytest.raises(ApplicationError) as exc:
        services.period_update(actor=admin, period=period, version=1, end=D(2025, 1, 15))
    assert exc.value.field == "parent_id"
    period.refresh_from_db()
    assert period.end == D(2024, 12, 20)


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_admins_update_or_close_periods(org, role):
    admin = fresh_user(org.admin)
    period = services.period_create_custom(actor=admin, name="A", start=D(2024, 1, 1), end=D(2024, 1, 31))
    actor = fresh_user(org.person(role))
    with pytest.raises(PermissionDeniedError):
        services.period_update(actor=actor, period=period, version=1, name="B")
    with pytest.raises(PermissionDeniedError):
        services.period_set_closed(actor=actor, period=period, is_closed=True)
    period.refresh_from_db()
    assert (period.name, period.is_closed) == ("A", False)


def test_close_and_reopen(admin):
    period = services.period_create_custom(actor=admin, name="A", start=D(2024, 1, 1), end=D(2024, 1, 31))
    period = services.period_set_closed(actor=admin, period=period, is_closed=True, version=1)
    assert (period.is_closed, period.version) == (True, 2)
    with pytest.raises(ConflictError):
        services.period_set_closed(actor=admin, period=period, is_closed=False, version=1)
    period = services.period_set_closed(actor=admin, period=period, is_closed=False, version=2)
    assert (period.is_closed, period.version) == (False, 3)


@pytest.mark.parametrize("month", [0, 13])
def test_company_settings_start_month_range(admin, month):
    with pytest.raises(ApplicationError) as exc:
        services.company_settings_update(actor=admin, company_name="x", fiscal_year_start_month=month)
    assert exc.value.field == "fiscal_year_start_month"
    assert CompanySettings.load().fiscal_year_start_month == 1


def test_company_settings_admin_only(org):
    with pytest.raises(PermissionDeniedError):
        services.company_settings_update(
            actor=fresh_user(org.mkt_manager), company_name="x", fiscal_year_start_month=4
        )


def test_company_settings_is_a_single_row(db):
    assert CompanySettings.load().pk == CompanySettings.load().pk == 1
    assert CompanySettings.objects.count() == 1


def test_database_refuses_a_period_ending_before_it_starts(db):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(kind="custom", name="x", start=D(2024, 2, 1), end=D(2024, 1, 1))


def test_database_refuses_duplicate_generated_keys(db):
    from django.db import IntegrityError, transaction

    Period.objects.create(kind="month", key="FY2024-M01", name="a", start=D(2024, 1, 1), end=D(2024, 1, 31))
    with pytest.raises(IntegrityError), transaction.atomic():
        Period.objects.create(
            kind="month", key="FY2024-M01", name="b", start=D(2024, 1, 1), end=D(2024, 1, 31)
        )
