"""Every page each person can reach in the demo clinic, walked by following links as they would:

- no page fails (5xx) and no link leads a person to a page their role may not open (403);
- screens speak to clinicians: no file names, section signs, confidence tags, model or field names;
- every `aria-describedby` / `aria-labelledby` points at an element that exists, so screen readers
  read the help text and errors.
"""

import re

import pytest
from django.test import Client

from clinic.accounts.models import User
from clinic.core.demo import data
from tests.crawl import crawl

pytestmark = pytest.mark.django_db

STAFF_START = ["/"]
PORTAL_START = ["/"]

# Internal references that must never reach a screen (they belong in code and docs).
INTERNAL = re.compile(
    r"domain\.md|§|\[(?:U|V|S)\]|\bopentiva\b|\w+\.py\b|\b[a-z_]+\.[A-Z][A-Za-z]+\b(?: \d+)?|\bmanage\.py\b"
)
_TAGS = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.S)


def visible_text(html: str) -> str:
    return re.sub(r"\s+", " ", _TAGS.sub(" ", html))


def _ids(html: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html))


def _referenced_ids(html: str) -> set[str]:
    refs: set[str] = set()
    for value in re.findall(r'aria-(?:describedby|labelledby)="([^"]+)"', html):
        refs.update(value.split())
    return refs


def _walk(username: str):
    client = Client()
    client.force_login(User.objects.get(username=username))
    return crawl(client, STAFF_START)


USERNAMES = [member.username for member in data.STAFF if member.clinic == data.HARBOR_SLUG] + [
    data.PORTAL_USERS[0][0]
]


@pytest.mark.parametrize("username", USERNAMES)
def test_every_reachable_page_works_speaks_to_clinicians_and_is_labelled(demo_clinic, username):
    # when the person follows every link they are shown
    pages = _walk(username)
    assert len(pages) > 5

    problems = []
    for page in pages:
        where = f"{page.url} (linked from {page.linked_from})"
        # then nothing fails and no link leads to a refusal
        if page.status >= 500:
            problems.append(f"{where}: {page.status}")
        if page.status == 403:
            problems.append(f"{where}: a link to a page this role may not open")
        if not page.html:
            continue
        # and no internal reference shows
        for match in sorted(set(INTERNAL.findall(visible_text(page.html)))):
            problems.append(f"{where}: shows {match!r}")
        # and every accessible description points at something that exists
        missing = _referenced_ids(page.html) - _ids(page.html)
        if missing:
            problems.append(f"{where}: aria points at missing ids {sorted(missing)}")
    assert not problems, "\n".join(problems)
