"""Helpers shared by the demo and synthetic-data tests."""

import io

from django.core.management import call_command

from clinic.scheduling.models import Appointment


def load_demo_command(*args) -> str:
    out = io.StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def overlapping_bookings() -> int:
    active = Appointment.objects.exclude(status__in=["cancelled", "no_show"])
    clashes = 0
    for appointment in active:
        clashes += (
            active.filter(
                room_id=appointment.room_id,
                starts_at__lt=appointment.ends_at,
                ends_at__gt=appointment.starts_at,
            )
            .exclude(pk=appointment.pk)
            .count()
        )
    return clashes
