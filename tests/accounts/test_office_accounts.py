"""Accounts run by the office: add, edit, disable, hand over, reset a password, and who has
not logged in for 30 days — scoped to the office's district."""

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from accounts import services
from accounts.models import Notification, Role, User
from points.models import Point

from ..points.factories import PointCategoryFactory

pytestmark = pytest.mark.django_db


def authenticate(*, username, password):
    """The account that would log in with these credentials (active, right password)."""
    user = User.objects.get(username=username)
    return user if user.is_active and user.check_password(password) else None


def test_office_adds_a_liaison_with_a_temporary_password(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:account-create"), {
        "username": "zhangsan", "full_name": "张三", "unit": city.units.zj.pk,
        "role": Role.LIAISON, "phone": "13800000001", "email": ""})
    assert response.status_code == 200
    page = response.content.decode()
    password = page.split('id="temp-password">')[1].split("<")[0]
    user = User.objects.get(username="zhangsan")
    assert (user.unit, user.role, user.full_name) == (city.units.zj, Role.LIAISON, "张三")
    assert authenticate(username="zhangsan", password=password) == user


def test_add_refuses_a_unit_of_another_district_and_a_taken_name(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:account-create"), {
        "username": "lisi", "full_name": "李四", "unit": city.units.b_dept.pk,
        "role": Role.LIAISON})
    assert response.status_code == 400
    assert "有效的选项" in response.content.decode()
    response = client.post(reverse("accounts:account-create"), {
        "username": "liaison2", "full_name": "李四", "unit": city.units.zj.pk,
        "role": Role.LIAISON})
    assert response.status_code == 400
    assert "该登录账号已被使用" in response.content.decode()
    assert not User.objects.filter(full_name="李四").exists()


def test_add_keeps_input_and_says_what_is_wrong(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:account-create"), {
        "username": "wang wu!", "full_name": "", "unit": city.units.cg.pk, "role": "office",
        "email": "not-mail"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "该字段是必填项" in page
    assert "请输入合法的邮件地址" in page
    assert 'value="wang wu!"' in page
    assert not User.objects.filter(username="wang wu!").exists()


def test_an_office_account_must_sit_in_an_office(city):
    with pytest.raises(ValidationError) as exc:
        services.account_create(by=city.users.office, username="x1", unit=city.units.cg,
                                role=Role.OFFICE, full_name="某")
    assert "创城办" in str(exc.value.message_dict["unit"])


def test_services_refuse_other_roles_and_other_districts(city):
    with pytest.raises(PermissionDenied):
        services.account_create(by=city.users.liaison, username="x2", unit=city.units.cg,
                                role=Role.LIAISON)
    with pytest.raises(PermissionDenied):
        services.account_reset_password(by=city.users.leader, user=city.users.liaison)
    with pytest.raises(User.DoesNotExist):
        services.account_set_active(by=city.users.office, user=city.users.liaison_b,
                                    active=False)
    with pytest.raises(User.DoesNotExist):
        services.account_handover(by=city.users.office_b, user=city.users.liaison,
                                  successor=city.users.unitleader)


@pytest.mark.parametrize("name", ["account-detail", "account-password", "account-active",
                                  "account-handover"])
def test_another_districts_person_is_not_found_and_other_roles_are_refused(client, city, name):
    url = reverse(f"accounts:{name}", args=[city.users.liaison_b.pk])
    client.force_login(city.users.office)
    assert client.get(url).status_code in (404, 405)
    assert client.post(url).status_code == 404
    client.force_login(city.users.leader)
    assert client.post(reverse(f"accounts:{name}", args=[city.users.liaison.pk])
                       ).status_code == 403
    city.users.liaison_b.refresh_from_db()
    assert city.users.liaison_b.is_active


def test_disable_stops_login_and_enable_restores_it(client, city):
    client.force_login(city.users.office)
    url = reverse("accounts:account-active", args=[city.users.liaison2.pk])
    asked = client.post(url, {"active": "0"})
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body
    assert "停用账号：" in body and "（liaison2）" in body and 'name="active" value="0"' in body
    assert authenticate(username="liaison2", password="pw-123456") is not None  # asked only
    response = client.post(url, {"active": "0", "confirmed": "1"}, follow=True)
    assert "已停用" in response.content.decode()
    assert authenticate(username="liaison2", password="pw-123456") is None
    client.post(url, {"active": "1"})
    assert authenticate(username="liaison2", password="pw-123456") is not None


def test_office_cannot_disable_itself(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:account-active", args=[city.users.office.pk]),
                           {"active": "0"}, follow=True)
    assert "不能停用自己的账号" in response.content.decode()
    city.users.office.refresh_from_db()
    assert city.users.office.is_active


def test_reset_password_replaces_the_old_one(client, city):
    client.force_login(city.users.office)
    url = reverse("accounts:account-password", args=[city.users.liaison.pk])
    asked = client.post(url)
    assert asked.status_code == 200 and "确认重置密码" in asked.content.decode()
    assert authenticate(username="liaison", password="pw-123456") is not None  # asked only
    response = client.post(url, {"confirmed": "1"})
    password = response.content.decode().split('id="temp-password">')[1].split("<")[0]
    assert authenticate(username="liaison", password="pw-123456") is None
    assert authenticate(username="liaison", password=password) is not None


def test_handover_moves_role_and_points_and_disables_the_old_account(client, city):
    newcomer = User.objects.create_user("zhao", unit=city.units.community, full_name="赵六")
    point = Point.objects.create(name="幸福市场", category=PointCategoryFactory(),
                                 territorial_unit=city.units.community,
                                 chief=city.users.pointchief, latitude="38.9", longitude="100.4")
    client.force_login(city.users.office)
    url = reverse("accounts:account-handover", args=[city.users.pointchief.pk])
    asked = client.post(url, {"successor": newcomer.pk})
    assert asked.status_code == 200 and "交接：" in asked.content.decode()
    assert point.chief == city.users.pointchief and city.users.pointchief.is_active
    response = client.post(url, {"successor": newcomer.pk, "confirmed": "1"})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    point.refresh_from_db()
    city.users.pointchief.refresh_from_db()
    assert newcomer.role == Role.POINT_CHIEF and point.chief == newcomer
    assert not city.users.pointchief.is_active
    assert Notification.objects.filter(recipient=newcomer, title__contains="接任").exists()


def test_handover_refuses_a_person_of_another_unit(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("accounts:account-handover", args=[city.users.liaison.pk]),
                           {"successor": city.users.liaison2.pk})
    assert response.status_code == 400
    city.users.liaison.refresh_from_db()
    assert city.users.liaison.is_active


def test_the_list_shows_who_has_not_logged_in_for_30_days(client, city):
    now = timezone.now()
    User.objects.filter(pk=city.users.liaison.pk).update(last_login=now - dt.timedelta(days=40))
    User.objects.filter(pk=city.users.liaison2.pk).update(last_login=now - dt.timedelta(days=2))
    User.objects.filter(pk=city.users.unitleader.pk).update(
        last_login=None, date_joined=now - dt.timedelta(days=60))
    client.force_login(city.users.office)
    page = client.get(reverse("accounts:account-list"), {"stale": "30"}).content.decode()
    assert "liaison</td>" in page and "unitleader</td>" in page
    assert "liaison2</td>" not in page
    assert "liaison_b" not in page  # another district's person


def test_the_list_is_for_the_office_only(client, city):
    for role in ("leader", "liaison", "inspector"):
        client.force_login(getattr(city.users, role))
        assert client.get(reverse("accounts:account-list")).status_code == 403
