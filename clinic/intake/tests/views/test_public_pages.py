"""Every public page renders for a visitor, with crisis resources and no inline script or style."""

import re

import pytest
from django.urls import reverse

PUBLIC_PAGES = [
    ("intake:home", "When depression or chronic pain has not let go"),
    ("intake:treatment", "Schedule III"),
    ("intake:mood", "Treatment-resistant depression"),
    ("intake:pain", "Complex regional pain syndrome"),
    ("intake:visit", "No driving until the next day"),
    ("intake:faq", "Is the self-check a diagnosis?"),
    ("intake:self_check", "not a diagnosis"),
    ("intake:request", "Request a free consultation"),
    ("intake:request_done", "we have your request"),
]


@pytest.mark.parametrize("name, text", PUBLIC_PAGES)
def test_public_page_renders_with_crisis_resources(client, clinic, name, text):
    response = client.get(reverse(name))
    assert response.status_code == 200
    html = response.content.decode()
    assert text in html
    assert 'href="tel:988"' in html
    assert "In immediate danger call" in html  # the crisis bar
    assert "In crisis?" in html  # the footer
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert " style=" not in html


def test_site_root_sends_visitors_to_the_public_home(client, db):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url == reverse("intake:home")
    assert reverse("intake:home") == "/welcome/"


def test_the_current_page_is_marked_in_the_menu(client, db):
    html = client.get(reverse("intake:pain")).content.decode()
    assert f'href="{reverse("intake:pain")}" aria-current="page"' in html


def test_evidence_is_stated_honestly(client, db):
    pain = client.get(reverse("intake:pain")).content.decode()
    assert "B · moderate" in pain and "D · weak or none" in pain
    mood = client.get(reverse("intake:mood")).content.decode()
    assert "Strongest evidence" in mood and mood.count("Limited evidence") == 5
    treatment = client.get(reverse("intake:treatment")).content.decode()
    assert "off-label" in treatment and "only here in the clinic" in treatment
    visit = client.get(reverse("intake:visit")).content.decode()
    assert "40 minutes" in visit and "Bring an adult to take you home" in visit
