import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_home_sends_anonymous_visitors_to_the_chinese_login_page(client):
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    page = response.content.decode()
    assert "创城管理平台" in page and "用户名" in page and "密码" in page


def test_login_with_wrong_password_shows_a_chinese_error(client, city):
    response = client.post("/accounts/login/", {"username": "liaison", "password": "bad"})
    assert response.status_code == 200
    assert "用户名或密码不正确" in response.content.decode()


def test_login_then_home_shows_role_and_unit(client, city):
    response = client.post("/accounts/login/", {"username": "liaison", "password": "pw-123456"},
                           follow=True)
    page = response.content.decode()
    assert response.status_code == 200
    assert "单位联络员" in page and "区城管局" in page


def test_navigation_follows_the_role(client, city):
    client.force_login(city.users.liaison)
    assert reverse("accounts:unit-list") not in client.get("/").content.decode()
    client.force_login(city.users.office)
    assert reverse("accounts:unit-list") in client.get("/").content.decode()


def test_unit_list_page_is_for_office_leaders_and_inspectors(client, city):
    client.force_login(city.users.liaison)
    assert client.get(reverse("accounts:unit-list")).status_code == 403
    client.force_login(city.users.leader)
    page = client.get(reverse("accounts:unit-list")).content.decode()
    assert "区住建局" in page and "高新区城管局" not in page


def test_unit_page_of_another_district_answers_404(client, city):
    client.force_login(city.users.office)
    assert client.get(reverse("accounts:unit-detail", args=[city.units.b_dept.pk])).status_code == 404
    assert client.get(reverse("accounts:unit-detail", args=[city.units.cg.pk])).status_code == 200


def test_unit_list_page_query_count_is_constant(client, city, django_assert_num_queries):
    from tests.factories import UnitFactory

    client.force_login(city.users.office)
    url = reverse("accounts:unit-list")
    # session, user, user's unit, units for the filter's select, count, page (with parents),
    # unread count, the office's photo setting (the phone scripts read it on every page)
    with django_assert_num_queries(8):
        client.get(url)
    for i in range(10):
        UnitFactory(name=f"新增{i}", parent=city.units.street)
    with django_assert_num_queries(8):
        client.get(url)


def test_logout_is_a_post(client, city):
    client.force_login(city.users.office)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302


def test_form_post_without_csrf_token_is_refused(city):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/accounts/login/", {"username": "office", "password": "pw-123456"})
    assert response.status_code == 403


def test_pages_ask_for_no_outside_assets(client, city):
    client.force_login(city.users.office)
    page = client.get("/").content.decode()
    assert "http://" not in page.replace("http://testserver", "")
    assert "https://" not in page
    assert "script-src 'self'" in client.get("/").headers["Content-Security-Policy"]
