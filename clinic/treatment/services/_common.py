"""Helpers shared by the treatment services: role checks on the acting user."""

from django.core.exceptions import ValidationError

from clinic.accounts.models import Membership
from clinic.accounts.roles import role_has_perm
from clinic.core.models import Clinic


def user_has_perm(*, user, clinic: Clinic, perm: str) -> bool:
    """True when `user` holds an active membership at `clinic` whose role grants `perm`.

    Services check this themselves (not only the views), so an API or a script cannot sign as a
    front-desk user.
    """
    roles = Membership.objects.filter(user=user, clinic=clinic, is_active=True).values_list("role", flat=True)
    return any(role_has_perm(role, perm) for role in roles)


def require_perm(*, user, clinic: Clinic, perm: str, message: str) -> None:
    if not user_has_perm(user=user, clinic=clinic, perm=perm):
        raise ValidationError(message, code="not_permitted")
