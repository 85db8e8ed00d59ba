import uuid

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm
from django.contrib.auth.password_validation import password_validators_help_texts

from clinic.accounts.roles import STAFF_ROLES, Role
from clinic.accounts.selectors import STATUS_ACTIVE, STATUS_ALL, STATUS_INACTIVE

STAFF_ROLE_CHOICES = [(value, label) for value, label in Role.choices if value in STAFF_ROLES]


class SignInForm(AuthenticationForm):
    username = forms.CharField(
        label="Username",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )


class TokenForm(forms.Form):
    token = forms.RegexField(
        label="Six-digit code",
        regex=r"^\d{6}$",
        error_messages={"invalid": "Enter the six digits your authenticator app shows."},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


def _submission_key_field() -> forms.UUIDField:
    # Generated when the empty form is rendered; a re-rendered form keeps the posted one.
    return forms.UUIDField(widget=forms.HiddenInput, required=False, initial=uuid.uuid4)


class StaffFilterForm(forms.Form):
    role = forms.ChoiceField(label="Role", required=False, choices=[("", "All roles"), *STAFF_ROLE_CHOICES])
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[(STATUS_ACTIVE, "Active"), (STATUS_INACTIVE, "Deactivated"), (STATUS_ALL, "All")],
    )


class StaffCreateForm(forms.Form):
    """A new staff account with a temporary password the person replaces at first sign-in."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        help_text="Letters, digits and @ . + - _ only.",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    credentials = forms.CharField(
        label="Credentials", max_length=40, required=False, help_text="Printed after the name, e.g. MD, RN."
    )
    email = forms.EmailField(label="Email", required=False)
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES)
    password = forms.CharField(
        label="Temporary password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Give it to the person in private; they must choose their own at first sign-in.",
    )
    submission_key = _submission_key_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Read at render time so the rules shown are the ones AUTH_PASSWORD_VALIDATORS enforces.
        self.fields["password"].help_text += " " + " ".join(password_validators_help_texts())


class ColleagueAddForm(forms.Form):
    """Give someone who already works at another of the administrator's clinics a role here."""

    username = forms.CharField(label="Their username", max_length=150)
    role = forms.ChoiceField(label="Role at this clinic", choices=STAFF_ROLE_CHOICES)
    submission_key = _submission_key_field()


class MembershipEditForm(forms.Form):
    role = forms.ChoiceField(label="Role", choices=STAFF_ROLE_CHOICES)
    is_active = forms.BooleanField(label="Active: may sign in to this clinic", required=False)
    is_medical_director = forms.BooleanField(
        label="Medical director",
        required=False,
        help_text=(
            "Physicians only. Proposes changes to clinical limits (vital-sign alarms, fasting, doses, "
            "intervals); each change applies only after a second physician or nurse co-signs it."
        ),
    )


class OwnPasswordChangeForm(PasswordChangeForm):
    """Django's form (old password, new twice, AUTH_PASSWORD_VALIDATORS); saving is the service's job."""
