from io import StringIO

import pytest

from clinic.reminders import sms


def test_mask_phone():
    assert sms.mask_phone("+16175550100") == "+1******0100"
    assert sms.mask_phone("+442079460958") == "+4*******0958"
    assert sms.mask_phone("123") == "***"


def test_console_backend_prints_the_masked_number_and_length_not_the_body():
    stream = StringIO()
    provider_id = sms.ConsoleSmsBackend(stream=stream).send(
        "+16175550100", "No solid food after 08:00"
    )
    printed = stream.getvalue()
    assert printed.startswith("SMS to +1******0100 (25 chars)")
    assert provider_id in printed
    assert "food" not in printed and "6175550100" not in printed


def test_locmem_backend_keeps_an_outbox():
    provider_id = sms.LocmemSmsBackend().send("+16175550100", "hello")
    assert sms.outbox[-1] == sms.SmsMessage(
        to="+16175550100", body="hello", provider_id=provider_id
    )


def test_backend_comes_from_the_setting(settings):
    settings.KETACLINIC_SMS_BACKEND = "clinic.reminders.sms.FailingSmsBackend"
    backend = sms.get_sms_backend()
    with pytest.raises(sms.SmsSendError):
        backend.send("+16175550100", "x")


def test_default_backend_is_the_console(settings):
    del settings.KETACLINIC_SMS_BACKEND
    assert isinstance(sms.get_sms_backend(), sms.ConsoleSmsBackend)
