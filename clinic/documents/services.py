"""Writes of the documents app: the audit event of every document produced, and e-mailing the
summary to the patient's referring clinician.

Every PDF handed out is an EXPORT in the audit trail (who, which session, which document); opening
the flowsheet page is a VIEW, like opening a chart.
"""

import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from clinic.accounts.models import Membership
from clinic.accounts.roles import Perm, role_has_perm
from clinic.audit.models import AuditAction
from clinic.audit.services import audit_record, model_snapshot
from clinic.core.services import idempotent
from clinic.documents.models import DeliveryChannel, DocumentDelivery, DocumentKind
from clinic.documents.pdf import referral_letter_pdf
from clinic.documents.selectors import after_visit_summary
from clinic.infusions.models import InfusionSession, SessionStatus

NOT_DISCHARGED = "The summary is available once the patient has been discharged."
NO_REFERRER_EMAIL = (
    "The chart has no e-mail address for the referring clinician: add it to the patient's details first."
)
NOT_PERMITTED = "Your role does not allow sending documents."
SEND_SCOPE = "documents.referral_letter_send"
EMAIL_SUBJECT = "Infusion summary from {clinic}"
EMAIL_BODY = (
    "Dear {name},\n\n"
    "Please find attached a summary of a ketamine infusion your patient received at {clinic} "
    "on {date}.\n\n"
    "This message contains confidential health information. If you received it in error, please "
    "delete it and let us know{phone}.\n\n"
    "{sender}\n{clinic}\n"
)


def document_filename(*, kind: str, session_id: int) -> str:
    """A download name that carries no patient data (only the session id)."""
    return {
        DocumentKind.AFTER_VISIT_SUMMARY: f"after-visit-summary-session-{session_id}.pdf",
        DocumentKind.REFERRAL_LETTER: f"infusion-summary-session-{session_id}.pdf",
        DocumentKind.FLOWSHEET: f"flowsheet-session-{session_id}.pdf",
    }[kind]


def document_export_record(*, session: InfusionSession, exported_by, kind: str, size_bytes: int) -> None:
    """Audit a PDF handed out (downloaded by staff or by the patient in the portal): EXPORT."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.EXPORT,
            actor=exported_by,
            clinic=session.clinic,
            obj=session,
            patient_id=session.patient_id,
            summary=f"{DocumentKind(kind).label} downloaded (PDF)",
            extra={"document": str(kind), "format": "pdf", "size_bytes": size_bytes},
        )


def document_view_record(*, session: InfusionSession, opened_by, what: str) -> None:
    """Audit opening a document page about the session (e.g. the flowsheet): VIEW."""
    with transaction.atomic():
        audit_record(
            action=AuditAction.VIEW,
            actor=opened_by,
            clinic=session.clinic,
            obj=session,
            patient_id=session.patient_id,
            summary=f"{what} opened",
        )


def _may_send(user, clinic) -> bool:
    roles = Membership.objects.filter(user=user, clinic=clinic, is_active=True).values_list("role", flat=True)
    return any(role_has_perm(role, Perm.PATIENT_EDIT) for role in roles)


def referral_letter_send(*, session: InfusionSession, sent_by, submission_key=None) -> DocumentDelivery:
    """E-mail the infusion summary PDF to the patient's referring clinician (address from the chart).

    Refused before discharge or without an address. The delivery row, its EXPORT audit event and
    the e-mail go together: if the mail server refuses, nothing is recorded. A repeat with the same
    `submission_key` (a double click) sends nothing more and returns the first delivery.
    """
    if not _may_send(sent_by, session.clinic):
        raise ValidationError(NOT_PERMITTED, code="not_permitted")
    if session.status != SessionStatus.DISCHARGED:
        raise ValidationError(NOT_DISCHARGED, code="not_discharged")
    patient = session.patient
    address = (patient.referring_clinician_email or "").strip()
    if not address:
        raise ValidationError(NO_REFERRER_EMAIL, code="no_email")

    with transaction.atomic():

        def create() -> DocumentDelivery:
            now = timezone.now()
            summary = after_visit_summary(session=session)
            pdf = referral_letter_pdf(summary, prepared_by=sent_by.signature_name, prepared_at=now)
            delivery = DocumentDelivery.objects.create(
                clinic=session.clinic,
                session=session,
                patient=patient,
                kind=DocumentKind.REFERRAL_LETTER,
                channel=DeliveryChannel.EMAIL,
                recipient_name=patient.referring_clinician_name[:200],
                recipient_email=address,
                sent_by=sent_by,
                sent_at=now,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size_bytes=len(pdf),
            )
            audit_record(
                action=AuditAction.EXPORT,
                actor=sent_by,
                clinic=session.clinic,
                obj=delivery,
                patient_id=patient.pk,
                summary="Infusion summary e-mailed to the referring clinician",
                after=model_snapshot(delivery),
                extra={"document": DocumentKind.REFERRAL_LETTER, "session_id": session.pk},
            )
            clinic = session.clinic
            local_day = summary.visit_date
            message = EmailMessage(
                subject=EMAIL_SUBJECT.format(clinic=clinic.name),
                body=EMAIL_BODY.format(
                    name=patient.referring_clinician_name or "colleague",
                    clinic=clinic.name,
                    date=f"{local_day:%B} {local_day.day}, {local_day:%Y}",
                    phone=f" at {summary.clinic_phone}" if summary.clinic_phone else "",
                    sender=sent_by.signature_name,
                ),
                from_email=settings.DEFAULT_FROM_EMAIL,
                to=[address],
                reply_to=[clinic.email] if clinic.email else None,
            )
            message.attach(
                document_filename(kind=DocumentKind.REFERRAL_LETTER, session_id=session.pk),
                pdf,
                "application/pdf",
            )
            # Last: a refused send raises and rolls back the delivery row and its audit event.
            message.send(fail_silently=False)
            return delivery

        delivery, _ = idempotent(
            scope=SEND_SCOPE, key=submission_key, clinic=session.clinic, model=DocumentDelivery, create=create
        )
    return delivery
