"""The issue lists' rows written from plain values (issues/rows.py) are what the serializer
and the template wrote for the same issues: the list API's JSON byte for byte as
`IssueSerializer(many=True)` writes it, and the list page's table rows as the template loop
drew them — for issues of every status, with and without a point, a unit, a deadline and
coordinates, overdue, relapsed twice, with photos, and texts that need escaping; and one
issue's detail (photos, events, actions, look-alikes) as `IssueDetailSerializer` writes it."""

import datetime as dt
import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db.models import Prefetch
from django.template import engines
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from evidence.processing import hash_bands
from issues import services
from issues.models import ExtensionRequest, Issue, IssueEvent
from issues.rows import ROW_VALUES, api_rows, html_rows
from issues.serializers import IssueDetailSerializer, IssueSerializer

from .factories import photo

# The list template's loop as it was before the rows were written in Python: the reference.
TEMPLATE_ROWS = """{% for issue in object_list %}
  <tr class="{% if issue.is_overdue %}table-danger{% endif %}">
    {% if can_dispatch %}<td>{% if issue.status == "new" %}<input class="form-check-input" type="checkbox" name="ids" value="{{ issue.pk }}" aria-label="勾选 {{ issue.pk }}">{% endif %}</td>{% endif %}
    <td><a href="{{ detail_url }}{{ issue.pk }}/">#{{ issue.pk }}</a></td>
    <td>{{ issue.category.name }}<div class="small text-muted">{{ issue.get_source_display }}</div></td>
    <td>{{ issue.location_display }}</td>
    <td class="issue-desc">{{ issue.description|truncatechars:40 }}</td>
    <td>{{ issue.responsible_unit.name|default:"—" }}</td>
    <td>{{ issue.deadline|date:"m-d H:i"|default:"—" }}{% if issue.is_overdue %} <span class="badge bg-danger">逾期</span>{% endif %}</td>
    <td><span class="badge status-{{ issue.status }}">{{ issue.get_status_display }}</span>{% if issue.relapse_count %} <span class="badge bg-warning text-dark">反弹{{ issue.relapse_count }}</span>{% endif %}</td>
  </tr>
{% endfor %}"""  # noqa: E501


@pytest.fixture
def mixed(city, make_issue, point):
    """Thirteen issues covering what a row shows differently."""
    now = timezone.now()
    cg, zj = city.units.cg, city.units.zj
    long_text = "<b>路边</b>垃圾 & 杂物堆放，" * 6
    made = [
        make_issue(status="new", point=point, source="undercover", description=long_text),
        make_issue(status="new", point=None, address="", latitude=Decimal("36.061234"),
                   longitude=Decimal("103.834567"), source="hotline"),
        make_issue(status="new", point=None, address="东街 <1> 号 \"北\"", source="citizen",
                   description="咖啡馆 Cafe\u0301 门口乱停"),  # short, not NFC
        make_issue(status="assigned", responsible_unit=cg, deadline=now - dt.timedelta(days=2),
                   point=point, severity="severe"),  # overdue
        make_issue(status="assigned", responsible_unit=zj, deadline=now + dt.timedelta(days=3),
                   latitude=Decimal("-0.000001"), longitude=Decimal("179.999999")),
        make_issue(status="assigned", responsible_unit=cg, deadline=None),  # no deadline
        make_issue(status="submitted", responsible_unit=cg,
                   deadline=now - dt.timedelta(hours=5), severity="major"),  # not overdue
        make_issue(status="disputed", responsible_unit=zj, deadline=now + dt.timedelta(hours=1),
                   source="provincial"),
        make_issue(status="closed", responsible_unit=cg, deadline=now - dt.timedelta(days=9),
                   closed_at=now - dt.timedelta(days=8), source="national"),
        make_issue(status="assigned", responsible_unit=cg, deadline=now - dt.timedelta(days=1),
                   source="mock"),  # relapsed twice, below
    ]
    for _ in range(2):
        IssueEvent.objects.create(issue=made[-1], kind=IssueEvent.Kind.REOPEN,
                                  to_status="assigned")
    # Filed as the office files them: with photos and the `file` event.
    category = made[0].category
    made.append(services.issue_file(by=city.users.office, point=point, category=category,
                                    description="井盖缺失", photos=[photo(seed=3)]))
    made.append(services.issue_file(by=city.users.office, category=category,
                                    description="飞线充电", address="幸福巷 3 号",
                                    latitude=Decimal("36.060001"), longitude=Decimal("103.83"),
                                    photos=[photo(seed=4), photo(seed=5)]))
    Issue.objects.filter(pk=made[3].pk).update(created=now - dt.timedelta(days=30))
    return made


def _list(now):
    return Issue.objects.for_list(now).order_by("-created", "-id")


def _json(data):
    return JSONRenderer().render(data)


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_api_rows_are_the_serializers_json(mixed, zone):
    now = timezone.now()
    with timezone.override(zone):
        expected = IssueSerializer(_list(now), many=True).data
        got = api_rows(_list(now).values(*ROW_VALUES))
    assert len(got) == 12
    assert [list(row) for row in got] == [list(row) for row in expected]
    assert _json(got) == _json(expected)
    by_id = {row["id"]: row for row in got}
    assert by_id[mixed[3].pk]["is_overdue"] is True
    assert by_id[mixed[9].pk]["relapse_count"] == 2
    assert by_id[mixed[1].pk]["latitude"] == "36.061234" and by_id[mixed[1].pk]["point"] is None
    assert by_id[mixed[4].pk]["latitude"] == "-0.000001"
    if zone == "UTC":
        assert by_id[mixed[0].pk]["created"].endswith("Z")


def test_the_list_api_answers_the_serializers_rows(api, city, mixed):
    client = api.as_user(city.users.office)
    body = client.get("/api/v1/issues/?page_size=200").json()
    expected = IssueSerializer(_list(timezone.now()), many=True).data
    assert body["count"] == 12
    assert _json(body["results"]) == _json(expected)
    # Filters and ordering still choose the rows.
    body = client.get("/api/v1/issues/?open=true&ordering=deadline").json()
    assert [row["id"] for row in body["results"]] == list(
        _list(timezone.now()).exclude(status="closed").order_by("deadline", "-id")
        .values_list("pk", flat=True))


def _normalised(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", str(html))).strip()


@pytest.mark.parametrize("can_dispatch", [True, False])
def test_html_rows_are_the_templates(mixed, can_dispatch):
    now = timezone.now()
    reference = engines["django"].from_string(TEMPLATE_ROWS).render(
        {"object_list": list(_list(now)), "can_dispatch": can_dispatch,
         "detail_url": "/issues/"})
    fast = html_rows(_list(now).values(*ROW_VALUES), detail_url="/issues/",
                     can_dispatch=can_dispatch)
    assert _normalised(fast) == _normalised(reference)
    assert fast.count("<tr") == 12
    assert "&lt;b&gt;路边&lt;/b&gt;垃圾 &amp; 杂物堆放" in fast
    assert "东街 &lt;1&gt; 号 &quot;北&quot;" in fast
    assert "（未填地址）" in fast and "反弹2" in fast and "table-danger" in fast
    assert ('name="ids"' in fast) is can_dispatch


def test_the_list_page_shows_the_rows_and_says_when_there_are_none(client, city, mixed):
    client.force_login(city.users.office)
    page = client.get("/issues/?open=true").content.decode()
    assert page.count('<tr class="') == 11  # every issue but the closed one
    assert f'href="/issues/{mixed[9].pk}/">#{mixed[9].pk}</a>' in page
    empty = client.get("/issues/?status=submitted&source=daily&q=没有这个词").content.decode()
    assert "没有符合条件的问题" in empty and '<tr class="' not in empty


@pytest.fixture
def detailed(city, mixed, point):
    """The mixed issues, with what only the detail shows: an event with its unit, deadline
    and actor, processed photos with EXIF and review flags, a pending extension request,
    and look-alikes (same point and category; the same photo filed twice)."""
    now = timezone.now()
    first, overdue, filed_twice = mixed[0], mixed[3], mixed[11]
    IssueEvent.objects.create(issue=overdue, kind=IssueEvent.Kind.ASSIGN, actor=city.users.office,
                              from_status="new", to_status="assigned", unit=city.units.cg,
                              deadline=now + dt.timedelta(days=3), reason="请 <尽快> 处理")
    photo_row = first.photos.model.objects.filter(issue=filed_twice).order_by("pk").first()
    type(photo_row).objects.filter(pk=photo_row.pk).update(
        thumbnail="issues/x/thumb.webp", display="issues/x/display.webp",
        exif_taken_at=now - dt.timedelta(days=40), exif_lat=36.06, exif_lng=103.83,
        review_flags=["EXIF 时间早于问题发现时间"])
    ExtensionRequest.objects.create(issue=overdue, requested_by=city.users.liaison,
                                    reason="雨天", requested_deadline=now + dt.timedelta(days=9))
    again = services.issue_file(by=city.users.office, category=first.category,
                                description="飞线充电（又一次）", address="幸福巷 3 号",
                                photos=[photo(seed=4)])
    # The same photo twice (processing, which hashes, runs in the worker): 2 bits apart.
    for row, phash in ((photo_row, 0x0F0F_1234_5678_9ABC), (again.photos.get(), 0x0F0F_1234_5678_9ABF)):
        bands = dict(zip(("phash_band0", "phash_band1", "phash_band2", "phash_band3"),
                         hash_bands(phash), strict=True))
        type(row).objects.filter(pk=row.pk).update(phash=phash, **bands)
    return [*mixed, again]


def _detail_reference(issue, user):
    qs = (Issue.objects.visible_to(user).for_list(timezone.now()).with_pending_extension()
          .prefetch_related("photos", Prefetch("events",
                                               queryset=IssueEvent.objects.select_related("actor"))))
    context = {"request": SimpleNamespace(user=user)}
    return _json(IssueDetailSerializer(qs.get(pk=issue.pk), context=context).data)


@pytest.mark.parametrize("role", ["office", "liaison"])
def test_the_detail_api_answers_the_serializers_json(api, city, detailed, role):
    user = getattr(city.users, role)
    client = api.as_user(user)
    seen = 0
    for issue in detailed:
        response = client.get(f"/api/v1/issues/{issue.pk}/")
        if not Issue.objects.visible_to(user).filter(pk=issue.pk).exists():
            assert response.status_code == 404  # another unit's issue does not exist
            continue
        seen += 1
        assert response.content == _detail_reference(issue, user), issue.pk
    assert seen == (13 if role == "office" else 5)
    if role == "office":  # what the comparison covered
        body = client.get(f"/api/v1/issues/{detailed[3].pk}/").json()
        assert {"grant_extension", "refuse_extension"} <= set(body["actions"])
        assert body["events"][0]["actor"] and body["events"][0]["unit"] == city.units.cg.pk
        relapsed = client.get(f"/api/v1/issues/{detailed[9].pk}/").json()
        assert [e["actor"] for e in relapsed["events"]] == ["", ""]
        assert body["possible_duplicates"]
        twice = client.get(f"/api/v1/issues/{detailed[11].pk}/").json()
        assert twice["photos"][0]["thumbnail_url"].endswith("/thumbnail/")
        assert twice["photos"][0]["url"].endswith("/display/")
        assert {"id": detailed[12].pk, "reasons": ["照片相似（相差 2 位）"]}.items() <= (
            twice["possible_duplicates"][0].items())
