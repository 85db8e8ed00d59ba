import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_unknown_url_shows_the_not_found_page():
    response = Client().get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_server_error_shows_a_page_that_says_nothing_was_half_saved(settings):
    from clinic.core.errors import server_error

    response = server_error(None)
    assert response.status_code == 500
    assert "nothing was half-saved" in response.content.decode()


def test_responses_carry_security_headers():
    response = Client().get("/no-such-page/")
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Request-ID"]


def test_a_visitor_who_is_not_signed_in_sees_crisis_help_on_the_not_found_page():
    # given a visitor with no account
    # when they follow a broken link
    response = Client().get("/no-such-page/")
    # then the public layout's footer still offers crisis help
    page = response.content.decode()
    assert response.status_code == 404
    assert 'href="tel:988"' in page
    assert "Free consultation" in page


def test_signed_in_staff_get_the_staff_layout_on_the_not_found_page(django_user_model):
    user = django_user_model.objects.create_user(username="someone", password="x-long-password-1")
    client = Client()
    client.force_login(user)
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Free consultation" not in response.content.decode()
