"""The staff navigation: every destination, and which ones each role keeps in the bar.

A tablet has room for one compact bar: the role's most used destinations stay in it (five or six,
with room for their counts), the rest go to a "More" menu. A destination shows only if the role may
open it, judged by the permission its view declares (`path_permitted`), so the menu and the views
agree.
"""

from dataclasses import dataclass

from django.urls import reverse

from clinic.accounts.roles import Role
from clinic.core.permissions import path_permitted


@dataclass(frozen=True)
class NavItem:
    key: str  # the `nav` value a page sets to mark itself current
    label: str
    url_name: str


ITEMS: tuple[NavItem, ...] = (
    NavItem("home", "Today", "core:home"),
    NavItem("patients", "Patients", "patients:list"),
    NavItem("inbox", "Requests", "intake:inbox"),
    NavItem("board", "Board", "board:board"),
    NavItem("infusions", "Infusions", "infusions:day"),
    NavItem("appointments", "Appointments", "scheduling:list"),
    NavItem("orders", "Orders", "treatment:order_list"),
    NavItem("protocols", "Protocols", "treatment:protocol_list"),
    NavItem("alerts", "Safety alerts", "outcomes:alerts"),
    NavItem("messages", "Messages", "reminders:messages"),
    NavItem("audit", "Audit", "audit:list"),
    NavItem("settings", "Settings", "core:settings"),
    NavItem("users", "Staff", "accounts:users"),
)

# Each role's most used destinations, in the order they show in the bar. Sized so that the bar, with
# its counts ("3 escalated" on Today, "1 open" on Safety alerts), fits one row of a 1024 px tablet.
BAR: dict[str, tuple[str, ...]] = {
    Role.NURSE: ("home", "board", "alerts", "patients", "infusions", "orders"),
    Role.PHYSICIAN: ("home", "patients", "alerts", "orders", "board"),
    Role.FRONT_DESK: ("home", "inbox", "appointments", "patients", "infusions", "messages"),
    Role.ADMIN: ("home", "patients", "appointments", "settings", "audit", "users"),
}


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str


@dataclass(frozen=True)
class StaffNav:
    bar: tuple[NavLink, ...]
    more: tuple[NavLink, ...]

    def current_in_more(self, key: str | None) -> bool:
        """Whether the current page (marked `key`) is reached through "More"."""
        return bool(key) and any(link.key == key for link in self.more)


def staff_nav(*, membership) -> StaffNav:
    """The destinations `membership` may open, split into the bar and "More"."""
    permitted = {}
    for item in ITEMS:
        url = reverse(item.url_name)
        if path_permitted(membership, url):
            permitted[item.key] = (item, url)
    bar_keys = [key for key in BAR.get(membership.role, ()) if key in permitted]
    bar = tuple(NavLink(key, permitted[key][0].label, permitted[key][1]) for key in bar_keys)
    more = tuple(
        NavLink(item.key, item.label, url) for key, (item, url) in permitted.items() if key not in bar_keys
    )
    return StaffNav(bar=bar, more=more)
