"""The issue lists keep their row count per scope and filter until issues change
(issues/counts.py): a repeated page does not count again, and every kind of write is seen."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from issues.models import Issue, Status


def _count(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response.json()["count"]


def _counted(client, url):
    with CaptureQueriesContext(connection) as ctx:
        count = _count(client, url)
    return count, sum("COUNT(*)" in q["sql"] for q in ctx.captured_queries)


def test_repeated_page_is_not_counted_again(api, city, make_issue):
    for _ in range(3):
        make_issue(status=Status.ASSIGNED)
    client = api.as_user(city.users.office)
    assert _counted(client, "/api/v1/issues/?open=true") == (3, 1)
    assert _counted(client, "/api/v1/issues/?open=true") == (3, 0)
    # Another filter and another scope are counted on their own.
    assert _counted(client, "/api/v1/issues/?status=new") == (0, 1)
    assert _count(api.as_user(city.users.office_b), "/api/v1/issues/?open=true") == 0


def test_every_write_changes_the_count(api, city, make_issue):
    first = make_issue(status=Status.ASSIGNED)
    client = api.as_user(city.users.office)
    url = "/api/v1/issues/?open=true"
    assert _count(client, url) == 1
    make_issue(status=Status.ASSIGNED)  # save
    assert _count(client, url) == 2
    Issue.objects.filter(pk=first.pk).update(status=Status.CLOSED)  # QuerySet.update
    assert _count(client, url) == 1
    assert _count(client, "/api/v1/issues/?open=false") == 1
    Issue.objects.bulk_create([Issue(region=first.region, category=first.category,
                                     description="批量", status=Status.NEW)])
    assert _count(client, url) == 2
    Issue.objects.filter(status=Status.NEW).delete()
    assert _count(client, url) == 1


def test_html_list_shares_the_rule(client, city, make_issue):
    make_issue(status=Status.ASSIGNED)
    client.force_login(city.users.office)
    assert client.get("/issues/?open=true").context["paginator"].count == 1
    make_issue(status=Status.CLOSED)
    assert client.get("/issues/?open=true").context["paginator"].count == 1
    assert client.get("/issues/?open=false").context["paginator"].count == 1
    assert client.get("/issues/").context["paginator"].count == 2
