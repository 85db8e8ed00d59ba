"""Every form each person of the demo clinic reaches, sent back empty: the page that names the
errors keeps every `aria-describedby` / `aria-labelledby` pointing at an element that exists, so a
screen reader reads each error and help text with its input.

Each submission runs inside a transaction rolled back at once, so nothing it does stays.
"""

from html.parser import HTMLParser
from urllib.parse import urldefrag

import pytest
from django.db import transaction
from django.test import Client

from clinic.accounts.models import User
from tests.crawl import crawl, page_kind
from tests.test_every_page import USERNAMES, _ids, _referenced_ids

pytestmark = pytest.mark.django_db

# Forms whose empty submission changes who is signed in, not a record.
SKIP_ACTIONS = ("/accounts/logout/", "/accounts/switch-clinic/")


class _Forms(HTMLParser):
    """(action, hidden fields) of every POST form on a page."""

    def __init__(self, url: str):
        super().__init__()
        self.url = url
        self.forms: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and (attrs.get("method") or "get").lower() == "post":
            action = urldefrag(attrs.get("action") or self.url)[0]
            self.forms.append((action, {}))
        elif tag == "input" and self.forms and attrs.get("type") == "hidden" and attrs.get("name"):
            self.forms[-1][1][attrs["name"]] = attrs.get("value") or ""


def _forms_of(page) -> list[tuple[str, dict[str, str]]]:
    parser = _Forms(page.url)
    parser.feed(page.html)
    return [(action, hidden) for action, hidden in parser.forms if action.startswith("/")]


@pytest.mark.parametrize("username", USERNAMES)
def test_every_form_sent_empty_names_its_errors_where_screen_readers_find_them(demo_clinic, username):
    client = Client(raise_request_exception=False)
    client.force_login(User.objects.get(username=username))
    pages = [page for page in crawl(client, ["/"]) if page.status == 200 and page.html]

    tried: set[str] = set()
    problems = []
    for page in pages:
        for action, hidden in _forms_of(page):
            kind = page_kind(action)
            if kind in tried or action.startswith(SKIP_ACTIONS):
                continue
            tried.add(kind)
            # when the form is sent with only its hidden fields
            with transaction.atomic():
                response = client.post(action, hidden)
                transaction.set_rollback(True)
            html = response.content.decode("utf-8", "replace")
            if response.status_code >= 500:
                problems.append(f"{action} (form on {page.url}): {response.status_code}")
            if response.status_code != 200 or "<html" not in html:
                continue  # a redirect, a refusal, or an htmx fragment of a larger page
            # then every accessible description on the page with the errors exists
            missing = _referenced_ids(html) - _ids(html)
            if missing:
                problems.append(f"{action} (form on {page.url}): aria points at missing {sorted(missing)}")
    assert tried, "no form found"
    assert not problems, "\n".join(problems)
