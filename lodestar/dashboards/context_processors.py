"""Template context for the shell: the signed-in person and the navigation of the loop."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from lodestar.org.permissions import can_write, is_admin, is_manager, person_of

# The loop the product serves (DOMAIN.md): 目标 · 执行 · 跟踪 · 复盘 · 绩效 · 看板.
# A stage whose module has not shipped yet is shown disabled, never as an empty page.
LOOP_STAGES = [
    ("goals", _("Goals"), "goals:table"),
    ("execution", _("Execution"), "execution:table"),
    ("tracking", _("Tracking"), "tracking:report"),
    ("retrospectives", _("Reviews"), "retrospectives:list"),
    ("appraisal", _("Appraisal"), "appraisal:home"),
    ("dashboards", _("Dashboards"), "dashboards:company"),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from lodestar.appraisal.access import can_use_appraisal

    stages = []
    for key, label, url_name in LOOP_STAGES:
        if key == "appraisal" and not can_use_appraisal(user):
            continue  # the read-only guest has no appraisal: no 绩效 entry
        stages.append({"key": key, "label": label, "url": reverse(url_name) if url_name else None})
    match = getattr(request, "resolver_match", None)
    person = person_of(user)
    unread = 0
    if person is not None:
        from lodestar.notifications.models import Notification

        unread = Notification.objects.filter(recipient=person, read_at__isnull=True).count()
    return {
        "nav_person": person,
        "nav_unread": unread,
        "nav_stages": stages,
        "nav_is_admin": is_admin(user),
        "nav_can_write": can_write(user),  # viewers (guests) see no create buttons
        "nav_can_manage_org": is_admin(user) or (can_write(user) and is_manager(user)),
        "nav_section": match.namespace if match else "",
        # 概览 is the dashboards' home alone: by its full view name, since other apps name their
        # landing page "home" too (appraisal:home), and the bare url_name would light both tabs.
        "nav_overview_active": match is not None and match.view_name == "home",
    }
