"""The org factories, kept importable here; every model's factory lives in lodestar/testing/factories.py."""

from lodestar.testing.factories import (
    PASSWORD,
    ApiTokenFactory,
    DepartmentFactory,
    PeriodFactory,
    PersonFactory,
    UserFactory,
)

__all__ = [
    "PASSWORD",
    "ApiTokenFactory",
    "DepartmentFactory",
    "PeriodFactory",
    "PersonFactory",
    "UserFactory",
]
