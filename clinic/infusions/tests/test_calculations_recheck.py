"""The readiness gate's re-check rules (pure): which answers changed since the last check, and which
of those changes are on items that failed and so need the nurse's confirmation."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clinic.infusions.calculations import (
    GATE_ANSWER_FIELDS,
    failed_items_changed,
    gate_answer_changes,
    gate_answer_same,
    stored_gate_answers,
)

T0 = dt.datetime(2026, 11, 20, 8, 30, tzinfo=dt.UTC)


def answers(**changes) -> dict[str, dict]:
    given = {
        "identity": {"identity_name_confirmed": True, "identity_date_of_birth": "1979-03-14"},
        "fasting": {
            "last_solids_at": T0.isoformat(),
            "last_clear_liquids_at": (T0 + dt.timedelta(hours=3)).isoformat(),
        },
        "escort": {
            "escort_name": "Jordan Lindqvist",
            "escort_phone": "+16175550142",
            "escort_confirmed": True,
        },
        "medications": {"medications_reviewed": True, "medication_changes": ""},
        "pregnancy": {"pregnancy_status": "not_pregnant"},
    }
    for name, value in changes.items():
        item = next(item for item, fields in given.items() if name in fields)
        given[item] = {**given[item], name: value}
    return given


def stored(given: dict[str, dict], *, failing=()) -> dict:
    """ReadinessCheck.items as the service stores them."""
    return {
        item: {"status": "fail" if item in failing else "pass", "value": None, "note": "", "answers": fields}
        for item, fields in given.items()
    }


@pytest.mark.parametrize(
    "name, old, new, same",
    [
        ("last_solids_at", T0.isoformat(), (T0 + dt.timedelta(seconds=59)).isoformat(), True),
        ("last_solids_at", T0.isoformat(), (T0 + dt.timedelta(minutes=1)).isoformat(), False),
        ("last_solids_at", T0.isoformat(), (T0 - dt.timedelta(hours=8, minutes=10)).isoformat(), False),
        ("last_solids_at", T0.isoformat(), T0, True),  # a datetime or its ISO text
        ("last_solids_at", None, T0.isoformat(), False),
        ("last_solids_at", None, "", True),
        ("escort_name", "Jordan  Lindqvist", " jordan lindqvist", True),
        ("escort_name", "Jordan Lindqvist", "Sam Lindqvist", False),
        ("escort_phone", "+16175550142", "+16175550143", False),
        ("medication_changes", "", None, True),
        ("pregnancy_status", "not_pregnant", "unsure", False),
        ("identity_date_of_birth", "1979-03-14", "1979-03-14", True),
    ],
)
def test_when_two_answers_are_the_same(name, old, new, same):
    assert gate_answer_same(name, old, new) is same


def test_no_change_no_changes():
    assert gate_answer_changes(previous_items=stored(answers()), answers=answers()) == {}


def test_ticks_are_not_compared():
    changed = answers(identity_name_confirmed=False, escort_confirmed=False, medications_reviewed=False)
    assert gate_answer_changes(previous_items=stored(answers()), answers=changed) == {}


def test_the_changes_name_item_field_old_and_new():
    later = (T0 - dt.timedelta(hours=8)).isoformat()
    changes = gate_answer_changes(
        previous_items=stored(answers()), answers=answers(last_solids_at=later, escort_name="Sam")
    )
    assert changes == {
        "fasting": {"last_solids_at": (T0.isoformat(), later)},
        "escort": {"escort_name": ("Jordan Lindqvist", "Sam")},
    }


def test_only_changes_on_failed_items_need_the_confirmation():
    later = (T0 - dt.timedelta(hours=8)).isoformat()
    given = answers(last_solids_at=later, escort_name="Sam")
    previous = stored(answers(), failing=("fasting", "pre_dose_vitals"))
    assert failed_items_changed(previous_items=previous, answers=given) == {
        "fasting": {"last_solids_at": (T0.isoformat(), later)}
    }
    assert failed_items_changed(previous_items=stored(answers()), answers=given) == {}


def test_a_check_stored_before_the_answers_were_kept_is_read_from_its_values():
    legacy = {
        "identity": {"status": "pass", "value": None},
        "fasting": {
            "status": "fail",
            "value": {"last_solids_at": T0.isoformat(), "last_clear_liquids_at": None},
        },
        "escort": {"status": "pass", "value": {"name": "Jordan", "phone": "+16175550142"}},
        "medications": {"status": "pass", "value": "none"},
        "pregnancy": {"status": "na", "value": None},
    }
    before = stored_gate_answers(legacy)
    assert before["identity"] == {}  # not recorded then: not compared
    assert before["escort"] == {"escort_name": "Jordan", "escort_phone": "+16175550142"}
    later = (T0 - dt.timedelta(hours=8)).isoformat()
    changed = failed_items_changed(previous_items=legacy, answers=answers(last_solids_at=later))
    assert set(changed) == {"fasting"} and "last_solids_at" in changed["fasting"]


_text = st.text(alphabet="abcdefghij +0123456789", max_size=12)
_moments = st.integers(min_value=-24 * 60, max_value=24 * 60).map(lambda m: T0 + dt.timedelta(minutes=m))
_fields = [(item, name) for item, names in GATE_ANSWER_FIELDS.items() for name in names]


@given(
    field=st.sampled_from(_fields),
    old=st.one_of(_text, _moments),
    new=st.one_of(_text, _moments),
    failing=st.sets(st.sampled_from(list(GATE_ANSWER_FIELDS))),
)
def test_exactly_the_changed_field_is_reported_and_only_on_failed_items(field, old, new, failing):
    item, name = field
    if name in ("last_solids_at", "last_clear_liquids_at"):
        old, new = (v.isoformat() if isinstance(v, dt.datetime) else None for v in (old, new))
    elif isinstance(old, dt.datetime) or isinstance(new, dt.datetime):
        old, new = str(old), str(new)
    previous = stored(answers(**{name: old}), failing=failing)
    changes = gate_answer_changes(previous_items=previous, answers=answers(**{name: new}))
    if gate_answer_same(name, old, new):
        assert changes == {}
    else:
        assert changes == {item: {name: (old, new)}}
    needing = failed_items_changed(previous_items=previous, answers=answers(**{name: new}))
    assert set(needing) == set(changes) & set(failing)
