"""What the fast issue lists rely on, checked against the plain way of doing the same thing:
search through the bigram index finds exactly the rows of `icontains`; the region scope by
ids, the unit filter by subtree ids and the two-step pages give the rows of the path joins and
plain slices; the filter bar drawn in Python is the HTML Django's templates draw; and the
query counts do not grow with the rows, whatever the filters."""

import datetime as dt
import re

import pytest
from django.db import connection
from django.db.models import Q
from django.forms.renderers import get_default_renderer
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Role, Unit
from issues.filters import IssueFilterSet
from issues.models import Issue, search_grams
from points.models import Point, PointCategory
from tests.factories import UserFactory

TEXTS = [
    ("路边垃圾堆放", "东街12号"), ("垃圾桶满溢，未及时清运", ""), ("垃", "西街"),
    ("Wi-Fi 线缆乱拉 ABC", "abc 路"), ("飞线充电（电动车）", "幸福巷3号楼"),
    ("占道经营 / 流动摊贩", "南门 菜市场"), ("墙面小广告", "垃圾站旁"),
    ("路面破损，积水", "中山路与解放路交口"), ("绿化带内有垃 圾", "x"),
    ("ABCdef ghi", "DEF路"), ("no match here", ""), ("烟头、纸屑", "公园东门 100 米"),
]
TERMS = ["垃圾", "垃", "圾", "垃圾桶", "路", "街", "东街", "12", "号", "abc", "ABC", "Abc",
         "wi-fi", "i-F", "fi 线", "（电动车）", "电动", "/", "南门 菜", "门 菜市", "垃 圾",
         "广告", "中山路与解放路", "def", "DEF路", "no match", "ghi", "米", "100 米",
         "东门", "不存在的词", "e", "幸福", "幸福巷", "烟头、纸屑", "头、纸"]


@pytest.fixture
def texts(city, make_issue):
    cat = PointCategory.objects.create(name="背街小巷")
    points = [Point.objects.create(name=name, category=cat,
                                   territorial_unit=city.units.community)
              for name in ("东街菜市场", "幸福巷", "垃圾中转站", "Abc 广场")]
    issues = [make_issue(description=d, address=a, point=points[i % 5] if i % 5 < 4 else None)
              for i, (d, a) in enumerate(TEXTS)]
    return issues


def icontains(qs, term):
    """The reference: the search as it was written with plain icontains joins."""
    cond = (Q(description__icontains=term) | Q(address__icontains=term)
            | Q(point__name__icontains=term) | Q(point__name_initials__contains=term.lower()))
    if term.isdigit():
        cond |= Q(pk=int(term))
    return set(qs.filter(cond).values_list("pk", flat=True))


def test_search_finds_exactly_the_icontains_rows(texts):
    qs = Issue.objects.all()
    found_any = 0
    for term in TERMS:
        expected = icontains(qs, term)
        assert set(qs.search(term).values_list("pk", flat=True)) == expected, term
        found_any += bool(expected)
    assert found_any > 20  # the sample exercises matches, not only misses


def test_search_grams_follow_saves_and_bulk_creates(city, make_issue, category):
    issue = make_issue(description="路边垃圾堆放")
    assert Issue.objects.search("垃圾").filter(pk=issue.pk).exists()
    issue.description = "井盖缺失"
    issue.save(update_fields=["description"])
    assert not Issue.objects.search("垃圾").filter(pk=issue.pk).exists()
    assert Issue.objects.search("井盖").filter(pk=issue.pk).exists()
    made = Issue.objects.bulk_create([Issue(description="共享单车乱停", region=city.units.a,
                                            category=category)])
    assert Issue.objects.search("单车").filter(pk=made[0].pk).exists()
    assert search_grams("垃圾", "AB") == "g5783x573e g61x62"


def test_region_scope_by_ids_matches_the_path_join(city, make_issue):
    a, b = city.units.a, city.units.b
    mine = {make_issue(region=a).pk for _ in range(3)}
    theirs = {make_issue(region=b).pk for _ in range(2)}
    office = city.users.office
    assert set(Issue.objects.visible_to(office).values_list("pk", flat=True)) == mine
    # A city-wide office sees the issues of every district below the city.
    city_office = UserFactory(username="city_office", unit=a.parent, role=Role.OFFICE)
    assert set(Issue.objects.visible_to(city_office).values_list("pk", flat=True)) == (
        mine | theirs)
    reference = set(Issue.objects.filter(region__path__startswith=a.region_path)
                    .values_list("pk", flat=True))
    assert reference == mine


def test_unit_filter_by_subtree_matches_the_path_join(api, city, make_issue):
    cg, team, zj = city.units.cg, city.units.cg_team, city.units.zj
    for unit in (cg, team, zj, None):
        make_issue(responsible_unit=unit, status="assigned" if unit else "new",
                   deadline=timezone.now() if unit else None)
    client = api.as_user(city.users.office)
    got = {row["id"] for row in client.get(f"/api/v1/issues/?unit={cg.pk}").json()["results"]}
    assert got == set(Issue.objects.filter(responsible_unit__path__startswith=cg.path)
                      .values_list("pk", flat=True))
    assert len(got) == 2


@pytest.mark.parametrize("ordering", ["", "&ordering=deadline", "&ordering=-status"])
def test_pages_read_in_two_steps_are_the_plain_slices(api, city, make_issue, ordering):
    now = timezone.now()
    for i in range(23):
        issue = make_issue(status="assigned", responsible_unit=city.units.cg,
                           deadline=now + dt.timedelta(days=i % 4))
        if i % 3 == 0:  # ties on created: the id decides
            Issue.objects.filter(pk=issue.pk).update(created=now - dt.timedelta(days=1))
    client = api.as_user(city.users.office)
    order = {"": ["-created", "-id"], "&ordering=deadline": ["deadline", "-id"],
             "&ordering=-status": ["-status", "-id"]}[ordering]
    expected = list(Issue.objects.order_by(*order).values_list("pk", flat=True))
    seen = []
    for page in (1, 2, 3):
        body = client.get(f"/api/v1/issues/?page_size=10&page={page}{ordering}").json()
        assert body["count"] == 23
        seen += [row["id"] for row in body["results"]]
    # Ties on the ordering field fall by id: the pages never overlap nor skip a row.
    assert seen == expected


def test_list_page_rows_and_pages(client, city, make_issue):
    ids = [make_issue().pk for _ in range(55)]
    client.force_login(city.users.office)
    first = client.get("/issues/").content.decode()
    second = client.get("/issues/?page=2").content.decode()
    shown = [int(x) for x in re.findall(r'href="/issues/(\d+)/"', first)]
    rest = [int(x) for x in re.findall(r'href="/issues/(\d+)/"', second)]
    assert shown + rest == sorted(ids, reverse=True)
    assert "共 55 条" in first


def _normalised(html):
    return re.sub(r"\s+", " ", re.sub(r">\s+<", "><", html)).strip()


def test_filter_bar_is_the_html_of_djangos_widget_templates(city, category):
    request = RequestFactory().get(
        "/issues/", {"status": "assigned", "unit": city.units.cg.pk, "category": category.pk,
                     "q": '<b>"垃圾"&', "overdue": "true", "created_after": "2026-01-02",
                     "ordering": "-deadline"})
    request.user = city.users.office
    fast = IssueFilterSet(request.GET, queryset=Issue.objects.all(), request=request).form
    plain = IssueFilterSet(request.GET, queryset=Issue.objects.all(), request=request).form
    plain.renderer = get_default_renderer()
    for field in plain.fields.values():
        if hasattr(field, "queryset"):
            del field._choices  # back to Django's own model choice iterator
            field.widget.choices = field.choices
    fast_html = "".join(str(b) for b in fast.visible_fields())
    plain_html = "".join(str(b) for b in plain.visible_fields())
    assert _normalised(fast_html) == _normalised(plain_html)
    assert "&lt;b&gt;&quot;垃圾&quot;&amp;" in fast_html
    assert f'<option value="{city.units.cg.pk}" selected>区城管局</option>' in fast_html


def test_api_reads_no_choice_lists(api, city, make_issue, django_assert_num_queries):
    category = make_issue().category_id
    client = api.as_user(city.users.office)
    # region units, the filter's unit and category, count, page: no choice lists
    with django_assert_num_queries(5):
        client.get(f"/api/v1/issues/?unit={city.units.cg.pk}&category={category}")


FILTERS = ["", "status=assigned", "overdue=true", "q=垃圾", "q=垃", "q=12", "page=2",
           "ordering=deadline", "due_within=3", "source=daily", "created_after=2020-01-01"]


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


def test_list_queries_do_not_grow_under_any_filter(client, api, city, make_issue, category):
    def fill(n):
        for i in range(n):
            make_issue(status="assigned", responsible_unit=city.units.cg,
                       deadline=timezone.now() + dt.timedelta(days=i % 5 - 2),
                       description=f"路边垃圾{i}", address=f"东街{i}号")

    unit, cat = city.units.cg.pk, category.pk
    urls = [f"?{f}" for f in FILTERS] + [f"?unit={unit}", f"?category={cat}",
                                        f"?status=assigned&overdue=true&unit={unit}&category={cat}"]
    client.force_login(city.users.office)
    rest = api.as_user(city.users.office)
    rest.get("/api/v1/issues/")  # loads the user's unit once, as any later request finds it
    fill(60)
    small = {u: (_count(client, f"/issues/{u}"), _count(rest, f"/api/v1/issues/{u}"))
             for u in urls}
    fill(120)
    big = {u: (_count(client, f"/issues/{u}"), _count(rest, f"/api/v1/issues/{u}"))
           for u in urls}
    assert big == small
    assert max(n for pair in big.values() for n in pair) <= 16


def test_units_subtree_ids_in_scope_only(city):
    # The region ids come from the scope's subtree only.
    other = Unit.objects.filter(kind=Unit.Kind.DISTRICT).exclude(pk=city.units.a.pk).first()
    assert other is not None
    user = city.users.office
    sql = str(Issue.objects.visible_to(user).query)
    assert f"IN ({city.units.a.pk})" in sql
