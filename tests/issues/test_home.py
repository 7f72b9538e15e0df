import datetime as dt
import re

import pytest
from django.utils import timezone

from issues.home import home_panel

pytestmark = pytest.mark.django_db


@pytest.fixture
def issues(city, make_issue, point):
    now = timezone.now()
    cg = city.units.cg
    return {
        "overdue": make_issue(status="assigned", responsible_unit=cg, point=point,
                              deadline=now - dt.timedelta(hours=3), description="垃圾堆放逾期"),
        "soon": make_issue(status="assigned", responsible_unit=cg,
                           deadline=now + dt.timedelta(days=1), description="店外经营即将到期"),
        "later": make_issue(status="assigned", responsible_unit=cg,
                            deadline=now + dt.timedelta(days=20), description="广告牌破损"),
        "new": make_issue(status="new", description="新上报的飞线充电"),
        "submitted": make_issue(status="submitted", responsible_unit=city.units.zj,
                                deadline=now + dt.timedelta(days=2), description="待复核的路面"),
        "closed": make_issue(status="closed", responsible_unit=cg, closed_at=now),
    }


def _home(client, user):
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def test_liaison_sees_their_open_overdue_and_due_soon_issues(client, city, issues):
    panel = home_panel(city.users.liaison)
    assert panel["mode"] == "unit"
    assert (panel["counts"]["open"], panel["counts"]["overdue"],
            panel["counts"]["due_soon"]) == (3, 1, 1)
    assert [i.pk for i in panel["overdue_rows"]] == [issues["overdue"].pk]
    assert [i.pk for i in panel["due_rows"]] == [issues["soon"].pk]
    page = _home(client, city.users.liaison)
    assert f'href="/issues/{issues["overdue"].pk}/"' in page
    assert f'href="/issues/{issues["soon"].pk}/"' in page
    assert f'/issues/{issues["submitted"].pk}/' not in page  # 住建局's issue


def test_unit_leader_and_point_chief_get_the_unit_panel(client, city, issues):
    assert home_panel(city.users.unitleader)["counts"]["overdue"] == 1
    chief = home_panel(city.users.pointchief)  # chief of the overdue issue's point
    assert chief["mode"] == "unit"
    assert [i.pk for i in chief["overdue_rows"]] == [issues["overdue"].pk]
    assert "已逾期" in _home(client, city.users.pointchief)
    other = home_panel(city.users.liaison2)
    assert (other["counts"]["open"], other["counts"]["overdue"]) == (1, 0)


def test_office_sees_issues_to_assign_and_review(client, city, issues):
    panel = home_panel(city.users.office)
    assert panel["mode"] == "office" and panel["is_office"]
    assert (panel["counts"]["new"], panel["counts"]["submitted"],
            panel["counts"]["overdue"]) == (1, 1, 1)
    assert [i.pk for i in panel["new_rows"]] == [issues["new"].pk]
    page = _home(client, city.users.office)
    assert "待派发" in page and f'/issues/{issues["new"].pk}/' in page
    assert f'/issues/{issues["submitted"].pk}/' in page
    inspector = home_panel(city.users.inspector)
    assert inspector["mode"] == "office" and not inspector["is_office"]
    # Another district's office sees none of it.
    assert home_panel(city.users.office_b)["counts"]["total"] == 0


def test_leader_sees_headline_counts(client, city, issues):
    panel = home_panel(city.users.leader)
    assert panel["mode"] == "leader"
    counts = panel["counts"]
    assert (counts["open"], counts["overdue"], counts["closed_30"]) == (5, 1, 1)
    assert panel["close_rate"] == round(100 / 6, 1)
    page = _home(client, city.users.leader)
    assert "销号率" in page and "16.7%" in page
    # Each count opens the list that counts the same: 5 open issues, 1 overdue.
    link = re.search(r'href="([^"]+)"><div class="fs-3 fw-bold">5</div>', page).group(1)
    assert link == "/issues/?open=true"
    assert client.get(link).context["page_obj"].paginator.count == 5


def test_panel_queries_do_not_grow_with_issues(city, make_issue, django_assert_num_queries):
    for _ in range(5):
        make_issue(status="assigned", responsible_unit=city.units.cg,
                   deadline=timezone.now() - dt.timedelta(days=1))
    liaison = city.users.liaison
    with django_assert_num_queries(4):
        panel = home_panel(liaison)
        assert len(panel["overdue_rows"]) == 5
