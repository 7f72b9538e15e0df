"""Per-person delivery: e-mail, the unit robot's @mention by phone, SMS through the gateway,
the daily digest, the delivery log; one message per person and minute; bulk inserts."""

import json
from unittest import mock

import pytest
from django.core import mail
from django.urls import reverse

from accounts.delivery import deliver_notifications, send_digests
from accounts.models import Channel, Delivery, Notification, NotificationKind
from accounts.services import Message, notify, notify_many

pytestmark = pytest.mark.django_db


class Posts:
    """What left the process over HTTP (robot and SMS gateway), by URL."""

    def __init__(self):
        self.sent = []

    def __call__(self, request, timeout):
        self.sent.append((request.full_url, json.loads(request.data), dict(request.headers)))
        return mock.MagicMock()


@pytest.fixture
def posts():
    recorder = Posts()
    with mock.patch("accounts.delivery.urllib.request.urlopen", recorder):
        yield recorder


def _choose(user, kind, channels, **fields):
    user.delivery = {kind: channels}
    for name, value in fields.items():
        setattr(user, name, value)
    user.save()


def test_sms_goes_through_the_gateway_and_is_logged(city, settings, posts):
    settings.SMS_GATEWAY_URL = "http://sms.gateway.invalid/send"
    settings.SMS_GATEWAY_TOKEN = "t0ken"
    _choose(city.users.liaison, NotificationKind.ASSIGNED, [Channel.SMS], phone="13900000001")
    note = Notification.objects.create(recipient=city.users.liaison, title="新交办问题",
                                       kind=NotificationKind.ASSIGNED)
    deliver_notifications([note.pk])
    url, body, headers = posts.sent[0]
    assert url == "http://sms.gateway.invalid/send"
    assert body["phone"] == "13900000001" and "新交办问题" in body["text"]
    assert headers["Authorization"] == "Bearer t0ken"
    log = Delivery.objects.get(notification=note)
    assert (log.channel, log.status, log.address) == ("sms", "sent", "13900000001")
    assert mail.outbox == []  # e-mail was not chosen for this kind


def test_sms_without_a_gateway_is_logged_as_not_sent(city, settings, posts):
    settings.SMS_GATEWAY_URL = ""
    _choose(city.users.liaison, NotificationKind.DUE_SOON, [Channel.SMS], phone="13900000001")
    note = Notification.objects.create(recipient=city.users.liaison, title="即将到期",
                                       kind=NotificationKind.DUE_SOON)
    deliver_notifications([note.pk])
    log = Delivery.objects.get(notification=note)
    assert log.status == "skipped" and "短信网关" in log.detail
    assert posts.sent == []


@pytest.mark.parametrize("webhook, mention_key", [
    ("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k", "wecom"),
    ("https://oapi.dingtalk.com/robot/send?access_token=t", "dingtalk"),
])
def test_robot_mentions_the_people_who_chose_it_by_phone(city, posts, webhook, mention_key):
    city.units.cg.webhook_url = webhook
    city.units.cg.save()
    _choose(city.users.liaison, NotificationKind.RETURNED, [Channel.ROBOT], phone="13900000002")
    _choose(city.users.unitleader, NotificationKind.RETURNED, [Channel.EMAIL],
            email="leader@example.invalid")
    notes = notify_many([Message(users=[city.users.liaison, city.users.unitleader],
                                 title="问题 #1 已退回", kind=NotificationKind.RETURNED)])
    deliver_notifications([n.pk for n in notes])
    assert len(posts.sent) == 1  # one group message for the unit
    _url, body, _headers = posts.sent[0]
    if mention_key == "wecom":
        assert body["text"]["mentioned_mobile_list"] == ["13900000002"]
    else:
        assert body["at"]["atMobiles"] == ["13900000002"]
        assert "@13900000002" in body["text"]["content"]
    assert [m.to for m in mail.outbox] == [["leader@example.invalid"]]
    assert set(Delivery.objects.values_list("recipient__username", "channel", "status")) == {
        ("liaison", "robot", "sent"), ("unitleader", "email", "sent")}


def test_a_failing_mail_server_is_logged_as_failed(city, posts):
    _choose(city.users.liaison, NotificationKind.OTHER, [Channel.EMAIL],
            email="l@example.invalid")
    note = Notification.objects.create(recipient=city.users.liaison, title="提醒")
    with mock.patch("accounts.delivery.send_mail", side_effect=OSError("connection refused")):
        deliver_notifications([note.pk])
    log = Delivery.objects.get(notification=note)
    assert log.status == "failed" and "connection refused" in log.detail


def test_digest_holds_messages_and_sends_one_summary(city, posts):
    _choose(city.users.liaison, NotificationKind.ASSIGNED, [Channel.EMAIL],
            email="l@example.invalid", digest=True)
    notes = [Notification.objects.create(recipient=city.users.liaison, title=f"新交办问题 {i}",
                                         kind=NotificationKind.ASSIGNED) for i in range(3)]
    deliver_notifications([n.pk for n in notes])
    assert mail.outbox == []
    assert Delivery.objects.filter(status="held").count() == 3
    assert send_digests() == 1
    assert len(mail.outbox) == 1
    assert "3 条" in mail.outbox[0].subject
    assert all(f"新交办问题 {i}" in mail.outbox[0].body for i in range(3))
    assert not Delivery.objects.filter(status="held").exists()
    assert send_digests() == 0  # nothing sent twice


def test_a_concurrent_run_sends_nothing_twice(city, posts):
    _choose(city.users.liaison, NotificationKind.OTHER, [Channel.EMAIL],
            email="l@example.invalid")
    note = Notification.objects.create(recipient=city.users.liaison, title="逾期")
    from accounts import delivery

    real_claim = delivery._claim
    second = []

    def claim_then_race(ids, now):
        taken = real_claim(ids, now)
        if not second:
            second.append(None)
            second[0] = deliver_notifications(ids)  # the sweeper, at the same moment
        return taken

    with mock.patch.object(delivery, "_claim", claim_then_race):
        deliver_notifications([note.pk])
    assert second == [0]
    assert len(mail.outbox) == 1


def test_the_same_person_gets_a_message_once(city, django_capture_on_commit_callbacks):
    chief_and_liaison = [city.users.liaison, city.users.liaison]
    with mock.patch("accounts.tasks.deliver_notifications_task.delay"):
        notify(users=chief_and_liaison, title="新交办问题", url="/issues/1/")
        notify(users=[city.users.liaison], title="新交办问题", url="/issues/1/")
    assert Notification.objects.filter(recipient=city.users.liaison).count() == 1


def test_notify_many_inserts_every_message_at_once(city, django_assert_num_queries):
    people = [city.users.liaison, city.users.liaison2, city.users.unitleader]
    messages = [Message(users=people, title=f"{i} 个问题即将到期") for i in range(40)]
    with mock.patch("accounts.tasks.deliver_notifications_task.delay"):
        # SAVEPOINT, the recent-duplicates read, one INSERT, RELEASE.
        with django_assert_num_queries(4) as captured:
            notes = notify_many(messages)
    inserts = [q for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert len(inserts) == 1 and len(notes) == 120


def test_person_sets_own_choices(client, city):
    client.force_login(city.users.liaison)
    response = client.post(reverse("accounts:delivery-settings"), {
        "phone": "13900000003", "email": "", "digest": "on",
        "kind_assigned": ["robot", "sms"], "kind_due_soon": ["sms"]})
    assert response.status_code == 302
    city.users.liaison.refresh_from_db()
    assert city.users.liaison.channels_for("assigned") == ["robot", "sms"]
    assert city.users.liaison.channels_for("returned") == []
    assert city.users.liaison.digest and city.users.liaison.phone == "13900000003"


def test_bad_choices_answer_400_with_a_message(client, city):
    client.force_login(city.users.liaison)
    response = client.post(reverse("accounts:delivery-settings"), {
        "phone": "", "email": "", "kind_assigned": ["sms", "pigeon"]})
    assert response.status_code == 400
    assert "有效的选项" in response.content.decode()
    response = client.post(reverse("accounts:delivery-settings"), {
        "phone": "", "email": "", "kind_assigned": ["sms"]})
    assert response.status_code == 400
    assert "选择短信推送时请填写手机号" in response.content.decode()
    city.users.liaison.refresh_from_db()
    assert city.users.liaison.delivery == {}


def test_the_office_reads_its_districts_delivery_log_only(client, city):
    for user in (city.users.liaison, city.users.liaison_b):
        Delivery.objects.create(recipient=user, channel="email", status="failed",
                                title=f"给{user.username}的提醒")
    client.force_login(city.users.office)
    page = client.get(reverse("accounts:delivery-list")).content.decode()
    assert "给liaison的提醒" in page and "给liaison_b的提醒" not in page
    client.force_login(city.users.office_b)
    page = client.get(reverse("accounts:delivery-list")).content.decode()
    assert "给liaison_b的提醒" in page and "给liaison的提醒" not in page
    for role in ("liaison", "leader", "inspector"):
        client.force_login(getattr(city.users, role))
        assert client.get(reverse("accounts:delivery-list")).status_code == 403
