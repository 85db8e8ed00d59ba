"""Helpers shared by the accounts tests and the end-to-end tests."""

import time

from django_otp.oath import TOTP


def totp_code(device, *, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows for `device` now (or `steps_ahead` 30-second steps later).

    django-otp refuses a code at or before the last step it accepted, so a second verification soon
    after the first uses steps_ahead=1 (accepted within the default tolerance of one step).
    """
    generator = TOTP(device.bin_key, device.step, device.t0, device.digits)
    generator.time = int(time.time()) + steps_ahead * device.step
    return f"{generator.token():0{device.digits}d}"


def sign_in_with_password(client, user, password: str):
    """POST the real sign-in form; returns the response (a redirect when it worked)."""
    return client.post("/accounts/login/", {"username": user.username, "password": password})


# Staff pages every role test must cover, whether or not the app serving them exists yet.
REQUIRED_STAFF_PAGES = (
    "core:dashboard",
    "core:settings",
    "audit:list",
    "accounts:users",
    "accounts:user_add",
    "patients:list",
    "intake:inbox",
    "scheduling:list",
)


def permission_guarded_patterns() -> dict[str, tuple[str, dict[str, str]]]:
    """{url name: (permission, {URL parameter: converter kind})} for every view that declares one.

    The converter kind is "int", "uuid", "str", "slug" or "path".

    Found by walking the URL resolver, so pages other apps add are covered as they appear.
    """
    from django.urls import URLPattern, URLResolver, converters, get_resolver

    kinds = {
        converters.IntConverter: "int",
        converters.UUIDConverter: "uuid",
        converters.SlugConverter: "slug",
        converters.PathConverter: "path",
    }
    found: dict[str, tuple[str, dict[str, str]]] = {}

    def walk(patterns, namespace: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
                walk(entry.url_patterns, inner)
            elif isinstance(entry, URLPattern) and entry.name:
                perm = getattr(entry.callback, "required_permission", None)
                if perm:
                    route_converters = getattr(entry.pattern, "converters", {})
                    params = {
                        param: kinds.get(type(route_converters.get(param)), "str")
                        for param in entry.pattern.regex.groupindex
                    }
                    found[f"{namespace}{entry.name}"] = (perm, params)

    walk(get_resolver().url_patterns, "")
    return found


def permission_guarded_pages() -> dict[str, str]:
    """{url name: required permission} for the permission-guarded URLs without parameters."""
    return {name: perm for name, (perm, params) in permission_guarded_patterns().items() if not params}


def required_permission_of(url_name: str, kwargs: dict | None = None) -> str:
    """The permission the view behind `url_name` declares (NoReverseMatch when it does not exist yet)."""
    from django.urls import resolve, reverse

    return resolve(reverse(url_name, kwargs=kwargs)).func.required_permission
