"""Tracking's fragments for the pages of the apps below it (they cannot import tracking):
`{% load tracking_tags %}{% checkin_changes_of item as changes %}` gives an action item's page
the history of its check-ins without execution importing tracking."""

from django import template

from lodestar.tracking.selectors import checkin_changes

register = template.Library()


@register.simple_tag
def checkin_changes_of(item) -> list:
    """Who entered, corrected, deleted or restored the item's check-ins, newest first."""
    return checkin_changes(item=item)
