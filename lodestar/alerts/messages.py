"""An alert's messages: rendered in every site language (stored on the alert) and queued for each
recipient in their own language (`NotificationPreference.language`), group chats in the site's."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from lodestar.alerts.models import Alert
from lodestar.notifications import delivery
from lodestar.org.models import Department, Person


def _alert_url(alert: Alert) -> str:
    return reverse("alerts:detail", args=[alert.pk])


def _site_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def in_each_language(render: Callable[[], dict[str, str]]) -> dict[str, dict[str, str]]:
    """`render()` in every language of the site: {"zh-hans": {...}, "en": {...}}."""
    texts = {}
    for language in _site_languages():
        with translation.override(language):
            texts[language] = render()
    return texts


def deliver(
    *,
    people: list[Person],
    channels: list[str],
    render: Callable[[], tuple[str, str]],
    alert: Alert,
    department: Department | None,
    verb: str = "alert",
) -> None:
    """Queue the alert's messages: each person's inbox and email in their own language (their
    notification preference, else the site's), the group chats in the site's language."""
    pending = []
    personal = [c for c in channels if c != "webhook"]
    if personal:
        by_language: dict[str, list[Person]] = {}
        languages = delivery.languages_of(people)
        for person in people:
            by_language.setdefault(languages[person.pk], []).append(person)
        for language, group in by_language.items():
            with translation.override(language):
                title, body = render()
            pending += delivery.queue(
                recipients=group,
                channels=personal,
                title=title,
                body=body,
                url=_alert_url(alert),
                alert=alert,
                department=department,
                verb=verb,
            )
    if "webhook" in channels:
        with translation.override(settings.LANGUAGE_CODE):
            title, body = render()
        pending += delivery.queue(
            recipients=[],
            channels=["webhook"],
            title=title,
            body=body,
            url=_alert_url(alert),
            alert=alert,
            department=department,
            verb=verb,
        )
    delivery.send_later(pending)
