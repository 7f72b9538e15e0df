from unittest import mock

import pytest
from django.core import mail

from accounts.models import Notification
from accounts.services import notify
from accounts.tasks import deliver_notifications, sweep_undelivered_notifications

pytestmark = pytest.mark.django_db


def test_notify_fills_inboxes_and_enqueues_delivery_after_commit(city,
                                                                 django_capture_on_commit_callbacks):
    users = [city.users.liaison, city.users.unitleader]
    with mock.patch("accounts.tasks.deliver_notifications_task.delay") as delay:
        with django_capture_on_commit_callbacks(execute=True):
            notes = notify(users=users, title="问题即将到期", body="请在今天内完成整改")
        delay.assert_called_once_with([n.pk for n in notes])
    assert Notification.objects.filter(title="问题即将到期").count() == 2


def test_broker_outage_does_not_undo_the_notification(city, django_capture_on_commit_callbacks):
    from kombu.exceptions import OperationalError

    with mock.patch("accounts.tasks.deliver_notifications_task.delay",
                    side_effect=OperationalError("down")):
        with django_capture_on_commit_callbacks(execute=True):
            notify(users=[city.users.liaison], title="提醒")
    note = Notification.objects.get(title="提醒")
    assert note.delivered_at is None  # left for the sweeper


def test_delivery_sends_each_mail_once_even_when_run_twice(city):
    city.users.liaison.email = "liaison@example.invalid"
    city.users.liaison.save()
    note = Notification.objects.create(recipient=city.users.liaison, title="逾期提醒")
    assert deliver_notifications([note.pk]) == 1
    assert deliver_notifications([note.pk]) == 0
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "逾期提醒"
    note.refresh_from_db()
    assert note.delivered_at is not None


def test_sweeper_delivers_what_was_left_behind(city):
    from datetime import timedelta

    from django.utils import timezone

    note = Notification.objects.create(recipient=city.users.liaison, title="旧消息")
    Notification.objects.filter(pk=note.pk).update(created=timezone.now() - timedelta(minutes=5))
    fresh = Notification.objects.create(recipient=city.users.liaison, title="新消息")
    assert sweep_undelivered_notifications() == 1
    note.refresh_from_db()
    fresh.refresh_from_db()
    assert note.delivered_at is not None and fresh.delivered_at is None


def test_inbox_api_shows_only_own_messages_and_marks_read(api, city):
    mine = Notification.objects.create(recipient=city.users.liaison, title="给我的")
    other = Notification.objects.create(recipient=city.users.liaison2, title="给别人的")
    client = api.as_user(city.users.liaison)
    titles = [n["title"] for n in client.get("/api/v1/notifications/").json()["results"]]
    assert titles == ["给我的"]
    assert client.get(f"/api/v1/notifications/{other.pk}/").status_code == 404
    assert client.post(f"/api/v1/notifications/{other.pk}/read/").status_code == 404
    assert client.post(f"/api/v1/notifications/{mine.pk}/read/").json()["is_read"] is True


def test_unread_count_is_in_the_header(client, city):
    Notification.objects.create(recipient=city.users.liaison, title="未读一条")
    client.force_login(city.users.liaison)
    page = client.get("/").content.decode()
    assert 'id="unread-count">1<' in page


def test_opening_a_message_marks_it_read_and_follows_the_link(client, city):
    note = Notification.objects.create(recipient=city.users.liaison, title="看这里", url="/")
    client.force_login(city.users.liaison2)
    assert client.post(f"/accounts/notifications/{note.pk}/open/").status_code == 404
    client.force_login(city.users.liaison)
    response = client.post(f"/accounts/notifications/{note.pk}/open/")
    assert response.status_code == 302 and response.url == "/"
    note.refresh_from_db()
    assert note.read_at is not None
