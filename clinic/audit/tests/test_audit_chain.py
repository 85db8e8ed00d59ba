import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from clinic.accounts.roles import Role
from clinic.audit.models import AuditAction, AuditEvent
from clinic.audit.selectors import audit_chain_first_break
from clinic.audit.services import NOT_IN_TRANSACTION, audit_record
from clinic.patients.services import patient_update

pytestmark = pytest.mark.django_db


def _chain(clinic):
    return f"clinic:{clinic.pk}"


def test_registering_a_patient_writes_a_linked_event(clinic, staff, patient):
    # given a patient registered through the service (fixture)
    events = list(AuditEvent.objects.filter(chain_key=_chain(clinic)).order_by("seq"))
    # then the chain starts at 1, each event links to the previous hash
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    for previous, current in zip(events, events[1:], strict=False):
        assert current.prev_hash == previous.hash
    created = AuditEvent.objects.get(object_type="patients.Patient", action=AuditAction.CREATE)
    assert created.patient_id == patient.pk
    assert created.changes["after"]["family_name"] == patient.family_name
    assert audit_chain_first_break(chain_key=_chain(clinic)) is None


def test_update_records_only_changed_fields(clinic, staff, patient):
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], city="Boston")
    event = AuditEvent.objects.filter(action=AuditAction.UPDATE).latest("seq")
    assert event.changes["diff"] == {"city": ["", "Boston"]}


@pytest.mark.django_db(transaction=True)
def test_audit_outside_transaction_is_refused(clinic):
    with pytest.raises(RuntimeError, match=NOT_IN_TRANSACTION):
        audit_record(action=AuditAction.VIEW, clinic=clinic, summary="x")


def test_events_cannot_be_changed_or_deleted_through_the_orm(clinic, patient):
    event = AuditEvent.objects.filter(chain_key=_chain(clinic)).first()
    event.summary = "tampered"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.filter(pk=event.pk).update(summary="tampered")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()


def _raw_sql(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_verify_detects_altered_content(clinic, staff, patient):
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], city="Boston")
    victim = AuditEvent.objects.filter(chain_key=_chain(clinic)).order_by("seq")[2]
    # when someone edits a row behind the application's back
    _raw_sql(
        "UPDATE audit_auditevent SET summary = %s WHERE id = %s", ["nothing happened", victim.pk]
    )
    # then verification names that event
    broken = audit_chain_first_break(chain_key=_chain(clinic))
    assert broken is not None and broken.seq == victim.seq
    assert "altered" in broken.problem
    with pytest.raises(CommandError):
        call_command("audit_verify")


def test_verify_detects_a_deleted_event(clinic, staff, patient):
    patient_update(patient=patient, updated_by=staff[Role.FRONT_DESK], city="Boston")
    victim = AuditEvent.objects.filter(chain_key=_chain(clinic)).order_by("seq")[1]
    _raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [victim.pk])
    broken = audit_chain_first_break(chain_key=_chain(clinic))
    assert broken is not None and broken.seq == victim.seq
    assert "missing" in broken.problem


def test_verify_detects_a_truncated_tail(clinic, staff, patient):
    last = AuditEvent.objects.filter(chain_key=_chain(clinic)).order_by("-seq").first()
    _raw_sql("DELETE FROM audit_auditevent WHERE id = %s", [last.pk])
    broken = audit_chain_first_break(chain_key=_chain(clinic))
    assert broken is not None and "missing" in broken.problem


def test_verify_command_reports_intact_chains(clinic, patient, capsys):
    call_command("audit_verify")
    assert "intact" in capsys.readouterr().out


def test_a_failed_change_leaves_no_audit_event(clinic, staff, patient):
    before = AuditEvent.objects.count()
    with pytest.raises(ValueError), transaction.atomic():
        audit_record(action=AuditAction.UPDATE, actor=staff[Role.NURSE], clinic=clinic, summary="x")
        raise ValueError("the change failed")
    assert AuditEvent.objects.count() == before
