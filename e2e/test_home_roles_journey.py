"""Each role's home page answers "what needs me now" (issue 13), in zh-Hans on the demo company,
and the director's in English.
With E2E_STEP_SHOTS=/tmp/shots-roles every role's home is saved there to be looked at."""

from __future__ import annotations

import pytest

from e2e.conftest import login, logout

HOMES = [
    ("zhaomin", ["needs-off-track", "needs-adjustments", "needs-missing-checkins", "needs-my-checkins"]),
    ("liuyang", ["needs-off-track", "needs-missing-checkins", "needs-items-due"]),
    ("linxiao", ["needs-my-checkins", "needs-items-due"]),
    ("sunli", ["needs-summary"]),
    ("guest", ["needs-summary"]),
]


@pytest.mark.django_db(transaction=True)
def test_every_roles_home_says_what_needs_them(page, step):
    for username, cards in HOMES:
        with step(f"home of {username}"):
            login(page, username)
            for card in cards:
                assert page.locator(f'[data-testid="{card}"]').count() == 1, (username, card)
            if username == "guest":
                assert page.locator('a[href="/goals/new/"]').count() == 0
                assert page.locator('[data-testid="needs-my-checkins"]').count() == 0
        logout(page)
    with step("home of zhaomin in English"):
        login(page, "zhaomin")
        page.select_option('[data-testid="language-switch"]', "en")
        page.wait_for_selector("text=Goals off track in your departments")
        assert page.locator('[data-testid="needs-adjustments"]').count() == 1
