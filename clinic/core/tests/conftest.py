import pytest

from clinic.accounts.roles import Role
from clinic.accounts.services import membership_update


@pytest.fixture
def medical_director(clinic, staff, make_user):
    """A physician the administrator has designated medical director (through the real service)."""
    user = make_user(Role.PHYSICIAN, clinic, first_name="Maya", last_name="Director", credentials="MD")
    membership_update(
        membership=user.memberships.get(clinic=clinic),
        changed_by=staff[Role.ADMIN],
        role=Role.PHYSICIAN,
        is_active=True,
        is_medical_director=True,
    )
    return user
