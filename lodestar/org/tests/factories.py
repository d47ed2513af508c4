"""factory-boy factories for the organisation and periods.

`DepartmentFactory` computes the materialised `path` and `depth` from its parent the way
`lodestar.org.services.department_create` does, so subtree queries work on factory data.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from lodestar.core.models import Period, PeriodKind
from lodestar.org.models import Department, Person, Role

PASSWORD = "Lodestar-test-pw-2024"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")

    @factory.post_generation
    def password(obj, create, extracted, **kwargs):
        obj.set_password(extracted or PASSWORD)
        if create:
            obj.save(update_fields=["password"])


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"部门{n}")
    code = factory.Sequence(lambda n: f"D{n:04d}")
    parent = None
    manager = None
    sort_order = 0

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        parent = kwargs.get("parent")
        kwargs["depth"] = parent.depth + 1 if parent else 0
        department = super()._create(model_class, *args, **kwargs)
        department.path = f"{parent.path if parent else '/'}{department.pk}/"
        department.save(update_fields=["path"])
        return department


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    user = factory.SubFactory(UserFactory)
    display_name = factory.Sequence(lambda n: f"员工{n}")
    title = "专员"
    department = None
    manager = None
    role = Role.MEMBER


class PeriodFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Period

    kind = PeriodKind.CUSTOM
    name = factory.Sequence(lambda n: f"Campaign {n}")
    start = dt.date(2024, 7, 1)
    end = dt.date(2024, 7, 31)
