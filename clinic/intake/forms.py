"""Forms of the public site (request, self-check) and of the front-desk inbox."""

import uuid

from django import forms
from django.core.exceptions import ValidationError

from clinic.core.models import Clinic
from clinic.core.phones import clinic_phone_parse, clinic_phone_region, phone_help
from clinic.core.validators import validate_date_of_birth
from clinic.intake import antispam
from clinic.intake.models import CloseReason, ContactAttempt, Interest, RequestStatus
from clinic.intake.selfcheck import Question
from clinic.intake.services import CONTACT_METHOD_INVALID, CONTACT_OUTCOME_INVALID
from clinic.patients.models import SexAtBirth
from clinic.scheduling.forms import ConsultationTimeMixin

CONTACT_REQUIRED = "Give us an e-mail address or a phone number so we can reach you."
PREFERRED_NEEDS_EMAIL = "You chose e-mail as the way to reach you; please add an e-mail address."
PREFERRED_NEEDS_PHONE = "You chose phone or text as the way to reach you; please add a phone number."
CONSENT_REQUIRED = "Please tick the box so we may contact you about your request."
TOO_FAST = (
    "That was quicker than we expect anyone to fill in the form. Please check your details and "
    "press Send again."
)
FORM_EXPIRED = "This form was open for too long or could not be read. Please press Send again."
SELF_CHECK_UNREADABLE = (
    "We could not read your self-check answers. Please send this request without them, or take "
    "the self-check again."
)
ANSWER_REQUIRED = "Please choose an answer."

CONTACT_CHOICES = [("phone", "Phone call"), ("email", "E-mail"), ("text", "Text message")]


class PublicClinicChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Clinic) -> str:
        place = ", ".join(p for p in (obj.city, obj.state) if p)
        return f"{obj.name} ({place})" if place else obj.name


class ConsultationRequestForm(forms.Form):
    """A visitor asks for a free consultation. Validated here; created by the service."""

    given_name = forms.CharField(
        label="First name", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "given-name"})
    )
    family_name = forms.CharField(
        label="Last name", max_length=80, widget=forms.TextInput(attrs={"autocomplete": "family-name"})
    )
    date_of_birth = forms.DateField(
        label="Date of birth", required=False,
        widget=forms.DateInput(attrs={"type": "date", "autocomplete": "bday"}),
        help_text="Optional. It helps us find your record when we call.",
    )
    email = forms.EmailField(
        label="E-mail", required=False, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    phone = forms.CharField(
        label="Phone", max_length=30, required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        help_text="A US number, or an international number starting with +.",
    )
    preferred_contact = forms.ChoiceField(
        label="How should we contact you?", choices=CONTACT_CHOICES, initial="phone",
    )
    interest = forms.ChoiceField(
        label="What would you like help with?", choices=Interest.choices, initial=Interest.UNSURE,
    )
    message = forms.CharField(
        label="Anything you would like us to know", max_length=2000, required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="Optional. Please do not include anything you would not want in an e-mail.",
    )
    referred_by = forms.CharField(
        label="Who referred you?", max_length=160, required=False,
        help_text="Optional: your doctor or therapist, a friend, a web search…",
    )
    clinic = PublicClinicChoiceField(
        label="Preferred clinic location", queryset=Clinic.objects.none(), empty_label=None,
    )
    consent = forms.BooleanField(
        label="I agree that the clinic may contact me about this request by the means I chose.",
        error_messages={"required": CONSENT_REQUIRED},
    )
    # Spam resistance and idempotency: not shown to people.
    website = forms.CharField(
        label="Leave this field empty", required=False,
        widget=forms.TextInput(attrs={"class": "honeypot", "tabindex": "-1", "autocomplete": "off"}),
    )
    started = forms.CharField(widget=forms.HiddenInput, required=False)
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)
    self_check = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, clinics, **kwargs):
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("submission_key", uuid.uuid4())
        initial.setdefault("started", antispam.form_started_token())
        super().__init__(*args, **kwargs)
        clinics = list(clinics)
        self.fields["clinic"].queryset = Clinic.objects.filter(pk__in=[c.pk for c in clinics])
        if len(clinics) == 1:
            # One location: nothing to choose.
            self.fields["clinic"].initial = clinics[0].pk
            self.fields["clinic"].widget = forms.HiddenInput()
            self.fields["phone"].help_text = phone_help(clinic_phone_region(clinics[0]))
        self.self_check_answers: dict[str, str] | None = None
        self.fill_seconds: float | None = None

    def full_clean(self):
        super().full_clean()
        # On a phone the first field with an error may be screens below the top: focus it (the
        # browser scrolls it into view with its message), so the visitor sees what to correct.
        first = next((name for name in self.fields if name in self.errors), None)
        if first is not None and not self.fields[first].widget.is_hidden:
            self.fields[first].widget.attrs["autofocus"] = True

    @property
    def honeypot_filled(self) -> bool:
        return bool((self.data.get(self.add_prefix("website")) or "").strip())

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value:
            validate_date_of_birth(value)
        return value

    def clean_phone(self):
        # Read in the chosen clinic's region once the clinic is known (clean, below).
        return (self.cleaned_data.get("phone") or "").strip()

    def clean_self_check(self):
        token = self.cleaned_data.get("self_check") or ""
        if token:
            answers = antispam.self_check_answers_from_token(token)
            if answers is None:
                raise ValidationError(SELF_CHECK_UNREADABLE, code="self_check")
            self.self_check_answers = answers
        return token

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("phone") and cleaned.get("clinic"):
            try:
                cleaned["phone"] = clinic_phone_parse(cleaned["phone"], clinic=cleaned["clinic"])
            except ValidationError as exc:
                self.add_error("phone", exc)
        email, phone = cleaned.get("email"), cleaned.get("phone")
        if not email and not phone and "email" not in self.errors and "phone" not in self.errors:
            raise ValidationError(CONTACT_REQUIRED, code="contact_required")
        preferred = cleaned.get("preferred_contact")
        if preferred == "email" and not email and "email" not in self.errors:
            self.add_error("email", PREFERRED_NEEDS_EMAIL)
        if preferred in ("phone", "text") and not phone and "phone" not in self.errors:
            self.add_error("phone", PREFERRED_NEEDS_PHONE)
        self.fill_seconds = antispam.form_fill_seconds(cleaned.get("started", ""))
        if self.fill_seconds is None:
            # Re-render with a fresh start time, so pressing Send again can succeed.
            self.data = self.data.copy()
            self.data[self.add_prefix("started")] = antispam.form_started_token()
            raise ValidationError(FORM_EXPIRED, code="expired")
        if self.fill_seconds < antispam.MIN_FILL_SECONDS:
            raise ValidationError(TOO_FAST, code="too_fast")
        return cleaned


class SelfCheckForm(forms.Form):
    """One radio group per question of selfcheck.questions(); danger answers trigger crisis help."""

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            attrs = {"data-crisis-trigger": "yes"} if q.danger else {}
            self.fields[q.code] = forms.ChoiceField(
                label=q.text, choices=q.choices, help_text=q.help_text,
                widget=forms.RadioSelect(attrs=attrs),
                error_messages={"required": ANSWER_REQUIRED},
            )

    def general_fields(self):
        return [self[q.code] for q in self.questions if not q.danger]

    def danger_fields(self):
        return [self[q.code] for q in self.questions if q.danger]

    def any_danger_checked(self) -> bool:
        """Whether a danger "yes" is among the submitted answers, even if other answers are missing."""
        return any(self.data.get(q.code) == "yes" for q in self.questions if q.danger)


class InboxFilterForm(forms.Form):
    OPEN = "open"
    ALL = "all"
    STATUS_CHOICES = [(OPEN, "Open (new and contacted)"), *RequestStatus.choices, (ALL, "All")]

    status = forms.ChoiceField(label="Status", choices=STATUS_CHOICES, required=False)
    urgent = forms.BooleanField(label="Urgent only", required=False)


class ContactAttemptForm(forms.Form):
    """One try to reach the person. The outcome starts empty: the front desk says what happened
    (a default of "Reached" recorded calls nobody answered). The method starts from the person's
    preferred contact, which the inbox passes as `initial`."""

    method = forms.ChoiceField(
        label="How", choices=[("", "Choose…"), *ContactAttempt._meta.get_field("method").choices],
        error_messages={"required": CONTACT_METHOD_INVALID},
    )
    outcome = forms.ChoiceField(
        label="Outcome", choices=[("", "Choose…"), *ContactAttempt._meta.get_field("outcome").choices],
        error_messages={"required": CONTACT_OUTCOME_INVALID},
    )
    note = forms.CharField(label="Note", max_length=500, required=False)


class ConvertForm(ConsultationTimeMixin):
    """Register the person as a patient and book their consultation in one step."""

    given_name = forms.CharField(label="First name", max_length=80)
    family_name = forms.CharField(label="Last name", max_length=80)
    date_of_birth = forms.DateField(
        label="Date of birth", widget=forms.DateInput(attrs={"type": "date"}),
        help_text="Needed to register the patient; ask for it if the request has none.",
    )
    sex_at_birth = forms.ChoiceField(
        label="Sex at birth", choices=SexAtBirth.choices, initial=SexAtBirth.UNKNOWN,
        help_text="Used later for ideal body weight.",
    )

    field_order = [
        "given_name", "family_name", "date_of_birth", "sex_at_birth",
        "date", "start_time", "room", "clinician",
    ]

    def __init__(self, *args, clinic: Clinic, request_obj=None, **kwargs):
        if request_obj is not None:
            initial = kwargs.setdefault("initial", {})
            initial.setdefault("given_name", request_obj.given_name)
            initial.setdefault("family_name", request_obj.family_name)
            initial.setdefault("date_of_birth", request_obj.date_of_birth)
        super().__init__(*args, **kwargs)
        self.setup_consultation_fields(clinic)

    def clean_date_of_birth(self):
        value = self.cleaned_data["date_of_birth"]
        validate_date_of_birth(value)
        return value


class CloseForm(forms.Form):
    reason = forms.ChoiceField(label="Reason", choices=CloseReason.choices)
    note = forms.CharField(
        label="Close note", max_length=300, required=False,
        help_text="Required when the reason is Other.",
    )
