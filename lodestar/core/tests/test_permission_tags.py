"""`{% may %}` asks the apps' own permission functions (registered in their AppConfig.ready())."""

from __future__ import annotations

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from lodestar.conftest import fresh_user
from lodestar.core.permission_checks import registered
from lodestar.execution.access import can_comment_on_item, can_manage_item
from lodestar.goals.access import can_create_goal


def test_the_apps_register_their_own_functions():
    from lodestar.core import permission_checks

    assert {"goals.create", "goals.save_template", "execution.comment", "execution.manage"} <= set(
        registered()
    )
    assert permission_checks._CHECKS["goals.create"] is can_create_goal
    # Item controls also hide in a closed period: the registered check wraps the views' own function.
    assert permission_checks._CHECKS["execution.comment"].__wrapped__ is can_comment_on_item
    assert permission_checks._CHECKS["execution.manage"].__wrapped__ is can_manage_item


def _render(source: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load permission_tags %}" + source).render(Context({"request": request}))


@pytest.mark.parametrize(("role", "shown"), [("member", "yes"), ("hr", "yes"), ("viewer", "no")])
def test_may_answers_per_reader(org, role, shown):
    source = '{% may "goals.create" as ok %}{% if ok %}yes{% else %}no{% endif %}'
    assert _render(source, fresh_user(org.person(role))) == shown


def test_an_unknown_check_is_an_error_not_a_hidden_control(org):
    with pytest.raises(KeyError):
        _render('{% may "goals.nonsense" as ok %}', fresh_user(org.member))
