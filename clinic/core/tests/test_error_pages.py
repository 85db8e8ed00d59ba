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
