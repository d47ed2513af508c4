"""Every factory makes a row that passes the model's own validation, and the test organisation has
the same shape for every roster (departments with paths, managers, people, fiscal years)."""

from __future__ import annotations

import factory
import pytest

from lodestar.org.models import Department
from lodestar.testing import factories
from lodestar.testing.organisation import (
    EXECUTION,
    EXECUTION_SERVICES,
    GOAL_SERVICES,
    GOALS,
    MATRIX,
    ROOT,
    build_organisation,
)

FACTORIES = sorted(
    (
        value
        for value in vars(factories).values()
        if isinstance(value, type)
        and issubclass(value, factory.django.DjangoModelFactory)
        and value is not factory.django.DjangoModelFactory
    ),
    key=lambda value: value.__name__,
)


@pytest.mark.django_db
@pytest.mark.parametrize("model_factory", FACTORIES, ids=lambda value: value.__name__)
def test_every_factory_makes_a_valid_row(model_factory, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    row = model_factory()
    row.full_clean(validate_unique=False)
    assert type(row)._default_manager.filter(pk=row.pk).exists()


def test_there_is_a_factory_for_every_model_of_every_app():
    from django.apps import apps

    covered = {model_factory._meta.model for model_factory in FACTORIES}
    ours = {
        model
        for model in apps.get_models()
        if (
            model.__module__.startswith("lodestar.")
            and not model.__name__.startswith("Historical")
            and model._meta.app_label not in ("core",)
        )
        or model.__name__ == "Period"
    }
    assert ours - covered == set(), sorted(model.__name__ for model in ours - covered)


@pytest.mark.django_db
@pytest.mark.parametrize("roster", [ROOT, GOALS, EXECUTION, EXECUTION_SERVICES, GOAL_SERVICES, MATRIX])
def test_every_roster_builds_a_company_with_paths_and_managers(roster):
    org = build_organisation(roster)
    assert org.company.path == f"/{org.company.pk}/" and org.mkt.path == f"{org.company.path}{org.mkt.pk}/"
    for member in roster.people:
        person = org.person(member.key)
        assert person.is_active == member.is_active
        if member.manages:
            assert Department.objects.get(pk=org.departments[member.manages].pk).manager == person
    assert len(org.years) == len(roster.fiscal_years)
    if roster.fiscal_years:
        assert [quarter.start.month for quarter in org.quarters] == [1, 4, 7, 10]
