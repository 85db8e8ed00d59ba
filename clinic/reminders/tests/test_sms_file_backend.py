"""The demo's SMS backend writes each text to its own file instead of the terminal."""

from clinic.reminders.sms import FileSmsBackend


def test_file_backend_writes_each_text_to_the_outbox_folder(settings, tmp_path):
    # given the outbox folder
    settings.KETACLINIC_SMS_FILE_PATH = str(tmp_path / "sms")

    # when two texts are sent
    first = FileSmsBackend().send("+16175550100", "Reminder: fast from 6 am.")
    second = FileSmsBackend().send("+16175550101", "Reminder: bring your driver.")

    # then each is a file named by its provider id, with the number and the text
    assert first != second
    assert (
        tmp_path / "sms" / f"{first}.txt"
    ).read_text() == "To: +16175550100\n\nReminder: fast from 6 am.\n"
    assert len(list((tmp_path / "sms").iterdir())) == 2
