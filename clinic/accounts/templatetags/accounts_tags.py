"""Template helpers for the account pages."""

import datetime as dt

from django import template

from clinic.accounts.middleware import idle_duration_text

register = template.Library()


@register.filter
def duration_words(value) -> str:
    """A timedelta (or seconds) as '30 minutes' / '45 seconds'; empty for nothing."""
    if value in (None, ""):
        return ""
    seconds = int(value.total_seconds()) if isinstance(value, dt.timedelta) else int(value)
    return idle_duration_text(seconds)
