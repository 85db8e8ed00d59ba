"""Test settings: the production settings with fast hashing and http cookies for the live server."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-secret-key-not-for-production")
os.environ.setdefault("KETACLINIC_SECURE_COOKIES", "false")

from config.settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only; prod uses Argon2
STAFF_TWO_FACTOR_REQUIRED = False  # tests that cover 2FA turn it on explicitly
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SECURE_HSTS_SECONDS = 0
SECURE_SSL_REDIRECT = False
AXES_FAILURE_LIMIT = 5
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
KETACLINIC_SMS_BACKEND = "clinic.reminders.sms.LocmemSmsBackend"
