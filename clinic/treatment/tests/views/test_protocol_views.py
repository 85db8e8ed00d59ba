from clinic.accounts.roles import Role
from clinic.treatment.models import Protocol


def protocol_post(protocol, **overrides):
    fields = [
        "name",
        "kind",
        "dosing_mode",
        "default_dose",
        "default_duration_min",
        "duration_min_min",
        "duration_max_min",
        "usual_range_low",
        "usual_range_high",
        "max_mg_per_kg_per_session",
        "max_mg_per_kg_per_hour",
        "max_total_mg_per_session",
        "weight_basis",
        "infusions_in_series",
        "series_window_min_days",
        "series_window_max_days",
        "minimum_gap_hours",
        "visit_length_min",
        "vitals_every_min_during",
        "vitals_every_min_after",
        "sources",
    ]
    data = {name: str(getattr(protocol, name)) for name in fields}
    data["is_active"] = "on"
    data.update(overrides)
    return data


def test_admin_seeds_the_library_from_the_empty_list(client_for, staff):
    client = client_for(staff[Role.ADMIN])
    assert "Add the standard protocols" in client.get("/treatment/protocols/").content.decode()

    client.post("/treatment/protocols/seed/")

    assert Protocol.objects.count() == 4


def test_edit_saves_a_new_version(client_for, staff, mood_protocol):
    response = client_for(staff[Role.ADMIN]).post(
        f"/treatment/protocols/{mood_protocol.pk}/edit/",
        protocol_post(mood_protocol, max_total_mg_per_session="150", change_reason="Director review"),
    )

    new = Protocol.objects.get(code="mood-induction", version=2)
    assert response["Location"] == f"/treatment/protocols/{new.pk}/"
    assert str(new.max_total_mg_per_session) == "150.0"
    mood_protocol.refresh_from_db()
    assert not mood_protocol.is_active


def test_edit_errors_name_the_field(client_for, staff, mood_protocol):
    response = client_for(staff[Role.ADMIN]).post(
        f"/treatment/protocols/{mood_protocol.pk}/edit/",
        protocol_post(mood_protocol, usual_range_low="3", change_reason="x"),
    )
    assert response.context["form"].errors["usual_range_low"]
    assert Protocol.objects.filter(code="mood-induction").count() == 1


def test_editing_an_old_version_goes_to_the_current_one(client_for, staff, mood_protocol):
    client = client_for(staff[Role.ADMIN])
    client.post(
        f"/treatment/protocols/{mood_protocol.pk}/edit/",
        protocol_post(mood_protocol, change_reason="v2"),
    )
    new = Protocol.objects.get(code="mood-induction", version=2)
    response = client.get(f"/treatment/protocols/{mood_protocol.pk}/edit/")
    assert response["Location"] == f"/treatment/protocols/{new.pk}/edit/"


def test_physicians_see_the_sources_but_no_edit_button(client_for, physician, mood_protocol):
    body = client_for(physician).get(f"/treatment/protocols/{mood_protocol.pk}/").content.decode()
    # the sources as a physician names them: the trial, not its citation key or confidence tag
    assert "Singh 2016 trial" in body and "Murrough 2013" in body
    for internal in ("[Singh2016]", "[U]", "[V]", "§", "domain.md"):
        assert internal not in body
    assert "Edit (new version)" not in body


def test_the_protocol_form_edits_the_sources_as_they_read(client_for, staff, mood_protocol):
    form = client_for(staff[Role.ADMIN]).get(f"/treatment/protocols/{mood_protocol.pk}/edit/").context["form"]
    assert "Singh 2016 trial" in form.initial["sources"]
    for shown in (
        form.initial["sources"],
        form.fields["sources"].help_text,
        form.fields["minimum_total_mg"].help_text,
    ):
        assert "domain.md" not in shown and "§" not in shown and "[V]" not in shown


def test_protocol_list_query_count(client_for, staff, library, django_assert_max_num_queries):
    client = client_for(staff[Role.ADMIN])
    client.get("/treatment/protocols/")
    with django_assert_max_num_queries(10):
        response = client.get("/treatment/protocols/?kind=pain")
    assert [p.code for p in response.context["page_obj"]] == ["pain-crps"]
