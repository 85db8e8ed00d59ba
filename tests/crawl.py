"""Walk the pages a signed-in person can reach by following links, as they would.

`crawl(client, start=[...])` GETs each start URL, then every same-site link found on the pages it
reached, breadth first. Links that differ only in their record ids ("/patients/12/", "/patients/13/")
count as one kind of page, and at most `per_kind` of each kind are opened, so a walk over the demo
clinic stays a few hundred requests. Sign-out links and the bodies of file downloads are not followed.
"""

import re
from collections import deque
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlsplit

SKIP = re.compile(r"^/(accounts/logout|static/|media/|admin/)")


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    html: str
    linked_from: str


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            href = dict(attrs).get("href")
            if href:
                self.links.append(href)


def links_of(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.links


def page_kind(url: str) -> str:
    """The URL with its numbers and UUIDs replaced: pages of one kind share it."""
    path, _, query = url.partition("?")
    path = re.sub(r"/[0-9a-f]{8}-[0-9a-f-]{27,}/", "/<uuid>/", path)
    path = re.sub(r"/\d+/", "/<id>/", path)
    query_keys = sorted(part.split("=")[0] for part in query.split("&") if part)
    return path + ("?" + "&".join(query_keys) if query_keys else "")


def _internal(href: str) -> str | None:
    href, _ = urldefrag(href)
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not href.startswith("/"):
        return None
    if SKIP.match(parts.path):
        return None
    return href


def crawl(client, start: list[str], per_kind: int = 2, max_pages: int = 600) -> list[Page]:
    seen: set[str] = set()
    kinds: dict[str, int] = {}
    queue: deque[tuple[str, str]] = deque((url, "(start)") for url in start)
    pages: list[Page] = []
    while queue and len(pages) < max_pages:
        url, source = queue.popleft()
        if url in seen:
            continue
        kind = page_kind(url)
        if kinds.get(kind, 0) >= per_kind:
            continue
        seen.add(url)
        kinds[kind] = kinds.get(kind, 0) + 1
        response = client.get(url)
        content_type = response.get("Content-Type", "")
        html = response.content.decode("utf-8", "replace") if "text/html" in content_type else ""
        pages.append(Page(url, response.status_code, content_type, html, source))
        if response.status_code in (301, 302) and response.get("Location", "").startswith("/"):
            queue.append((response["Location"], url))
        for href in links_of(html):
            target = _internal(href)
            if target and target not in seen:
                queue.append((target, url))
    return pages
