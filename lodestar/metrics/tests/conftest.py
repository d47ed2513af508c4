"""Fixtures of the metrics tests: the root organisation's 市场部 owns a data source."""

from __future__ import annotations

import pytest

from lodestar.metrics.models import DataSource


@pytest.fixture
def source(org):
    return DataSource.objects.create(name="抖音电商罗盘", department=org.mkt)
