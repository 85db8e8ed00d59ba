"""Fixtures shared by every test: clinics, staff of each role, patients, signed-in clients.

Test data is built through the real services, so tests exercise the paths users take.
"""

import datetime as dt
import itertools

import pytest
from django.test import Client

from clinic.accounts.roles import Role
from clinic.accounts.services import user_create
from clinic.core.models import Clinic
from clinic.patients.services import patient_register

DEMO_PASSWORD = "correct-horse-battery-staple"
_counter = itertools.count(1)


@pytest.fixture(autouse=True)
def _reset_caches():
    # The rate limiter and lockout counters live in the cache; keep tests independent.
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture
def clinic(db) -> Clinic:
    return Clinic.objects.create(name="Harbor Infusion Clinic", slug="harbor", timezone="America/New_York")


@pytest.fixture
def other_clinic(db) -> Clinic:
    return Clinic.objects.create(name="Summit Ketamine Center", slug="summit", timezone="America/Denver")


@pytest.fixture
def make_user(db):
    def make(role: str, clinic: Clinic, **kwargs):
        n = next(_counter)
        return user_create(
            username=kwargs.pop("username", f"{role}{n}"),
            password=kwargs.pop("password", DEMO_PASSWORD),
            clinic=clinic,
            role=role,
            first_name=kwargs.pop("first_name", role.title()),
            last_name=kwargs.pop("last_name", f"Tester{n}"),
            **kwargs,
        )

    return make


@pytest.fixture
def staff(clinic, make_user) -> dict[str, object]:
    """One user of each staff role at `clinic`, keyed by role value."""
    return {
        Role.ADMIN: make_user(Role.ADMIN, clinic),
        Role.PHYSICIAN: make_user(Role.PHYSICIAN, clinic, credentials="MD"),
        Role.NURSE: make_user(Role.NURSE, clinic, credentials="RN"),
        Role.FRONT_DESK: make_user(Role.FRONT_DESK, clinic),
    }


@pytest.fixture
def make_patient(db):
    def make(clinic: Clinic, registered_by, **fields):
        n = next(_counter)
        defaults = {
            "given_name": f"Pat{n}",
            "family_name": f"Example{n}",
            "date_of_birth": dt.date(1980, 1, 1),
            "sex_at_birth": "female",
            "phone": "+16175550100",
            "email": f"pat{n}@example.com",
        }
        defaults.update(fields)
        return patient_register(clinic=clinic, registered_by=registered_by, **defaults)

    return make


@pytest.fixture
def patient(clinic, staff, make_patient):
    return make_patient(clinic, staff[Role.FRONT_DESK])


@pytest.fixture
def client_for(db):
    """A Django test client signed in as `user`."""

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture(scope="module")
def demo_clinic(django_db_setup, django_db_blocker):
    """The demo network, loaded once per test module through the real services, inside a transaction
    rolled back when the module ends. Each test runs in a savepoint within it, so tests may change
    the demo without seeing each other's changes. Yields the loader's result (`.highlights`…)."""
    from django.db import transaction

    from clinic.core.demo.loader import demo_load

    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_load()
        transaction.set_rollback(True)
