"""No English word on the product's pages: every page of the URL conf (with an object of the
user's own unit where the route needs one), for each role, read as a user reads it — the
text, the choices of the selects, placeholders and button titles — holds no Latin word
outside the short list of names users know (Excel, PDF …)."""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from accounts.models import User

from .test_access_matrix import (
    PAGES,
    RESOURCES,
    SKIP_PREFIXES,
    _is_public,
    _walk_named,
    all_urls,
    build_world,
)

pytestmark = pytest.mark.django_db

# Names users read as they are: file formats, products, units of measure, codes.
ALLOWED = {
    "excel", "pdf", "word", "xlsx", "xls", "docx", "doc", "zip", "csv", "jpeg", "jpg", "png",
    "webp", "heic", "gps", "exif", "api", "id", "url", "qr", "app", "wifi", "ctrl", "sms",
    "ip", "km", "kb", "mb", "gb", "pwa", "ai", "svg", "json", "geojson", "open", "georeport",
    "v2", "ok", "pc", "wecom", "dingtalk", "wgs", "shp", "shx", "dbf", "prj", "cpg",
}
# The test world names its objects with markers (MKownissue …) to find them on pages.
MARKER = re.compile(r"MK\w+")
LINK = re.compile(r"https?://\S+")
WORD = re.compile(r"[A-Za-z][A-Za-z]+")


class _Text(HTMLParser):
    """Visible text plus the attributes a user reads (placeholder, title, aria-label,
    value of buttons); skips scripts, styles and hidden inputs."""

    SKIP = {"script", "style", "template"}

    def __init__(self):
        super().__init__()
        self.parts, self._skip = [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self._skip += 1
        for name in ("placeholder", "title", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def english_words(html, names=frozenset()):
    """Latin words of the page outside ALLOWED and `names` (the login names people chose,
    which the account pages show as they are)."""
    parser = _Text()
    parser.feed(html)
    text = LINK.sub(" ", MARKER.sub(" ", " ".join(parser.parts)))
    return sorted({w for w in WORD.findall(text) if w.lower() not in ALLOWED and w not in names})


def _pages(world, role):
    """Every HTML page URL: the fixed ones and those of the objects the role sees."""
    urls = [u for u in all_urls() if not u.startswith("/api/") and not _is_public(u)
            and "999999" not in u and "/x/" not in u]
    for route, name, params in _walk_named(__import__("django.urls").urls.get_resolver()
                                           .url_patterns):
        if not params or route.startswith(SKIP_PREFIXES + ("api/",)) or name not in PAGES:
            continue
        key, extra = PAGES[name]
        resource = RESOURCES[key]
        obj = resource.build(world, role).get("own") or resource.build(world, role).get(
            "global")
        if obj is None:
            continue
        kwargs = {resource.kwarg: getattr(obj, resource.attr)}
        for param in params - {resource.kwarg}:
            values = extra.get(param)
            values = values(obj) if callable(values) else values
            kwargs[param] = values[0]
        urls.append(reverse(name, kwargs=kwargs))
    return urls


@pytest.mark.parametrize("role", ["office", "liaison", "inspector", "unitleader", "leader",
                                  "pointchief"])
def test_no_page_shows_an_english_word(client, city, role):
    world = build_world(city)
    client.raise_request_exception = False
    client.force_login(getattr(city.users, role))
    login_names = set(User.objects.values_list("username", flat=True))
    found = {}
    for url in _pages(world, role):
        response = client.get(url)
        if response.streaming or not response.get("Content-Type", "").startswith("text/html"):
            continue
        words = english_words(response.content.decode("utf-8", "replace"), login_names)
        if words:
            found[url] = words
    assert found == {}, "\n".join(f"{u}: {' '.join(w)}" for u, w in sorted(found.items()))


def test_the_404_page_is_chinese_in_the_local_run_too(client, city, settings):
    settings.DEBUG = True
    client.force_login(city.users.office)
    for url in ("/issues/999999/", "/no-such-page/"):
        response = client.get(url)
        assert response.status_code == 404
        body = response.content.decode()
        assert "找不到该页面或记录" in body and english_words(body) == []
    # The API keeps answering JSON.
    assert client.get("/api/v1/issues/999999/").headers["Content-Type"].startswith(
        "application/json")


def test_the_scanner_sees_english_where_there_is_some():
    assert english_words('<p>状态 (descending)</p><option>---------</option>') == [
        "descending"]
    assert english_words('<input placeholder="Search">') == ["Search"]
    assert english_words("<script>var a = 1;</script><p>导出 Excel</p>") == []
