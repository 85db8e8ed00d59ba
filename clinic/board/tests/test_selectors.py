from clinic.accounts.roles import Role
from clinic.board.selectors import FREE, board_for_clinic
from clinic.board.tests.builders import make_session, shift_session, vitals


def test_every_chair_is_listed_free_or_with_its_session(clinic, staff, chairs, make_patient):
    # given one running session in Chair 2
    patient = make_patient(clinic, staff[Role.FRONT_DESK])
    session = make_session(patient, staff, chairs[1], "running")
    # when
    board = board_for_clinic(clinic=clinic)
    # then
    assert [r.chair_name for r in board.rows] == [c.name for c in chairs]
    assert [r.status for r in board.rows].count(FREE) == 7
    row = board.rows[1]
    assert row.status == "running" and row.session.pk == session.pk
    assert row.patient == patient
    assert row.time_label == "infusing"
    assert row.remaining_min is not None and row.remaining_min <= 40
    assert ("running", "Running", 1) in board.counts


def test_vitals_past_due_and_grace_are_overdue(clinic, staff, chairs, make_patient):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    shift_session(session, 15)  # started 15 min ago, no vitals since: due at 10 min, grace 2 min

    row = board_for_clinic(clinic=clinic).rows[0]

    assert row.vitals_overdue
    assert board_for_clinic(clinic=clinic).overdue_count == 1


def test_open_vital_alert_is_on_the_row(clinic, staff, chairs, make_patient):
    session = make_session(make_patient(clinic, staff[Role.FRONT_DESK]), staff, chairs[0], "running")
    vitals(session, staff[Role.NURSE], sbp=186, dbp=100)

    row = board_for_clinic(clinic=clinic).rows[0]

    assert [a.kind for a in row.alerts] == ["vital"]
    assert row.has_urgent_alert
    assert not row.vitals_overdue


def test_other_clinic_sessions_are_not_on_the_board(
    clinic, other_clinic, staff, chairs, make_patient, make_user
):
    # given a running session at another clinic
    from clinic.board.tests.builders import make_chair

    other_staff = {
        role: make_user(role, other_clinic)
        for role in (Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.FRONT_DESK)
    }
    other_chair = make_chair(other_clinic, other_staff, "Chair 1")
    make_session(
        make_patient(other_clinic, other_staff[Role.FRONT_DESK]), other_staff, other_chair, "running"
    )
    # when
    board = board_for_clinic(clinic=clinic)
    # then
    assert all(row.is_free for row in board.rows)
