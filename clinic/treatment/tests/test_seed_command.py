import io

import pytest
from django.core.management import CommandError, call_command

from clinic.treatment.models import Protocol


def test_seed_protocols_command(clinic):
    out = io.StringIO()
    call_command("seed_protocols", "--clinic", clinic.slug, stdout=out)
    assert "Added 4 protocol(s)" in out.getvalue()
    assert Protocol.objects.filter(clinic=clinic).count() == 4

    again = io.StringIO()
    call_command("seed_protocols", "--clinic", clinic.slug, stdout=again)
    assert "nothing added" in again.getvalue()


def test_seed_protocols_unknown_clinic(db):
    with pytest.raises(CommandError, match="No clinic with slug"):
        call_command("seed_protocols", "--clinic", "nowhere")
