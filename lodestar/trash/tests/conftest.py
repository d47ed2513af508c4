"""Fixtures of the trash tests: the tracking tests' (the goals tests' `world`, `make_goal`, `activate`,
`api` and the goal tree `tree`)."""

from lodestar.tracking.tests.conftest import activate, api, make_goal, tree, world  # noqa: F401 - fixtures
