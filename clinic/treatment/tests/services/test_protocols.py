from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.treatment.models import DosingMode, Protocol, StockedProduct
from clinic.treatment.services import protocol_library_seed, protocol_revise
from clinic.treatment.services.protocols import (
    CHANGE_REASON_REQUIRED,
    PROTOCOL_SUPERSEDED,
    USUAL_RANGE_ORDER,
)


def test_seed_creates_the_standard_library_with_domain_defaults(clinic, staff):
    created = protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])

    by_code = {p.code: p for p in created}
    assert set(by_code) == {"mood-induction", "pain-crps", "headache", "booster"}
    mood = by_code["mood-induction"]
    assert (mood.default_dose, mood.default_duration_min) == (Decimal("0.5"), 40)
    assert (mood.infusions_in_series, mood.series_window_min_days, mood.series_window_max_days) == (
        6,
        14,
        21,
    )
    assert mood.minimum_gap_hours == 44 and "[U]" in mood.sources
    assert mood.max_mg_per_kg_per_session == Decimal("1.0")
    assert mood.max_total_mg_per_session == Decimal("200")
    assert (mood.vitals_every_min_during, mood.vitals_every_min_after) == (10, 15)
    pain = by_code["pain-crps"]
    assert pain.dosing_mode == DosingMode.RATE_PER_HOUR
    assert (pain.default_dose, pain.default_duration_min) == (Decimal("0.35"), 240)
    assert pain.minimum_total_mg == Decimal("80") and pain.minimum_total_over_min == 120
    assert pain.max_mg_per_kg_per_hour == Decimal("2.0")
    assert "NO domain.md source" in by_code["headache"].sources
    assert by_code["booster"].infusions_in_series == 1
    concentrations = sorted(
        StockedProduct.objects.filter(clinic=clinic).values_list("concentration_mg_per_ml", flat=True)
    )
    assert concentrations == [Decimal("10"), Decimal("50"), Decimal("100")]


def test_seed_is_idempotent_and_per_clinic(clinic, other_clinic, staff):
    protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])

    again = protocol_library_seed(clinic=clinic, seeded_by=staff[Role.ADMIN])
    protocol_library_seed(clinic=other_clinic)

    assert again == []
    assert Protocol.objects.filter(clinic=clinic).count() == 4
    assert Protocol.objects.filter(clinic=other_clinic).count() == 4
    assert StockedProduct.objects.filter(clinic=clinic).count() == 3


def test_revise_creates_a_new_version_and_keeps_the_old(mood_protocol, staff):
    admin = staff[Role.ADMIN]

    new = protocol_revise(
        protocol=mood_protocol,
        revised_by=admin,
        change_reason="Medical director review",
        max_total_mg_per_session=Decimal("150"),
    )

    mood_protocol.refresh_from_db()
    assert new.version == 2 and new.supersedes == mood_protocol and new.is_active
    assert new.max_total_mg_per_session == Decimal("150")
    assert new.code == mood_protocol.code and new.default_dose == mood_protocol.default_dose
    assert not mood_protocol.is_active
    assert mood_protocol.max_total_mg_per_session == Decimal("200")
    event = AuditEvent.objects.filter(object_id=str(new.pk), action=AuditAction.UPDATE).get()
    assert event.changes["extra"]["change_reason"] == "Medical director review"


def test_revise_needs_a_reason_and_the_current_version(mood_protocol, staff):
    admin = staff[Role.ADMIN]
    with pytest.raises(ValidationError) as exc:
        protocol_revise(protocol=mood_protocol, revised_by=admin, change_reason=" ")
    assert exc.value.message_dict == {"change_reason": [CHANGE_REASON_REQUIRED]}

    protocol_revise(protocol=mood_protocol, revised_by=admin, change_reason="v2")
    with pytest.raises(ValidationError) as exc:
        protocol_revise(protocol=mood_protocol, revised_by=admin, change_reason="again")
    assert exc.value.messages == [PROTOCOL_SUPERSEDED]


def test_revise_refuses_inconsistent_numbers(mood_protocol, staff):
    with pytest.raises(ValidationError) as exc:
        protocol_revise(
            protocol=mood_protocol,
            revised_by=staff[Role.ADMIN],
            change_reason="typo",
            usual_range_low=Decimal("2"),
        )

    assert USUAL_RANGE_ORDER in exc.value.message_dict["usual_range_low"]
    assert Protocol.objects.filter(code="mood-induction").count() == 1
