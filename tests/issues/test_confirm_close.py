"""销号 from the issue page asks first on a page of its own (no script needed), and then
says what was closed."""

import datetime

import pytest
from django.utils import timezone

from issues.models import Status

pytestmark = pytest.mark.django_db


def test_closing_asks_first_then_names_the_issue(client, city, make_issue, point):
    issue = make_issue(status="submitted", responsible_unit=city.units.cg, point=point,
                       deadline=timezone.now() + datetime.timedelta(days=3))
    client.force_login(city.users.office)
    url = f"/issues/{issue.pk}/approve/"
    asked = client.post(url)
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body
    assert f"销号：问题 #{issue.pk} 乱停乱放（幸福巷）" in body and "确认销号" in body
    assert 'name="confirmed" value="1"' in body and f'href="/issues/{issue.pk}/"' in body
    issue.refresh_from_db()
    assert issue.status == Status.SUBMITTED  # nothing done yet
    done = client.post(url, {"confirmed": "1"}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Status.CLOSED
    assert (f"已销号：问题 #{issue.pk} 乱停乱放（幸福巷），复核通过。"
            "如问题反弹需要重新整改，请在问题页点击“反弹重开”。") in done.content.decode()


def test_who_may_not_close_is_refused_without_the_question(client, city, make_issue):
    issue = make_issue(status="submitted", responsible_unit=city.units.cg,
                       deadline=timezone.now() + datetime.timedelta(days=3))
    client.force_login(city.users.liaison)
    response = client.post(f"/issues/{issue.pk}/approve/")
    assert "data-confirm-page" not in response.content.decode()
    issue.refresh_from_db()
    assert issue.status == Status.SUBMITTED


def test_returning_for_rework_asks_first_with_the_reason(client, city, make_issue, point):
    issue = make_issue(status="submitted", responsible_unit=city.units.cg, point=point,
                       deadline=timezone.now() + datetime.timedelta(days=3))
    client.force_login(city.users.office)
    url = f"/issues/{issue.pk}/reject/"
    asked = client.post(url, {"reason": "垃圾仍未清运"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body and "确认退回" in body
    assert f"退回重改：问题 #{issue.pk} 乱停乱放（幸福巷）（理由：垃圾仍未清运）" in body
    assert 'name="reason" value="垃圾仍未清运"' in body
    issue.refresh_from_db()
    assert issue.status == Status.SUBMITTED  # nothing done yet
    done = client.post(url, {"reason": "垃圾仍未清运", "confirmed": "1"}, follow=True)
    issue.refresh_from_db()
    assert issue.status == Status.ASSIGNED
    assert f"问题 #{issue.pk} 已退回区城管局重新整改。" in done.content.decode()
    # Without a reason nothing is asked: the refusal comes at once.
    assert client.post(url, {"reason": ""}).status_code == 400
