"""Links only to pages the signed-in person may open, asked of the view's declared permission.

{% load access %}
{% permitted_url 'treatment:course_detail' course.pk as course_url %}
{% if course_url %}<a href="{{ course_url }}">…</a>{% else %}…{% endif %}

{% may_open entry.url as can_open %}   (for a URL built elsewhere, e.g. a timeline entry)

{% staff_nav as menu %}                (the header's bar and "More" menu for the role)
"""

from django import template
from django.urls import reverse

from clinic.core.navigation import StaffNav
from clinic.core.navigation import staff_nav as build_staff_nav
from clinic.core.permissions import path_permitted

register = template.Library()


def _membership(context):
    request = context.get("request")
    return getattr(request, "membership", None)


@register.simple_tag(takes_context=True)
def permitted_url(context, viewname: str, *args, **kwargs) -> str:
    """The page's URL when the person's role may open it, else ""."""
    url = reverse(viewname, args=args or None, kwargs=kwargs or None)
    return url if path_permitted(_membership(context), url) else ""


@register.simple_tag(takes_context=True)
def may_open(context, url: str | None) -> bool:
    return bool(url) and path_permitted(_membership(context), url)


@register.simple_tag(takes_context=True)
def staff_nav(context) -> StaffNav | None:
    membership = _membership(context)
    return build_staff_nav(membership=membership) if membership is not None else None


@register.filter
def current_in_more(menu: StaffNav, key: str | None) -> bool:
    return menu.current_in_more(key)
