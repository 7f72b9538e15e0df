"""撤销 after deleting a draft's photo or document: the message says what was deleted and
offers 撤销 for 10 minutes, to the liaison who deleted it only; the file is hidden at once and
purged with its stored file once the window has passed."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from ledgers import services
from ledgers.models import LedgerDocument, LedgerEvent, LedgerPhoto
from tests.factories import UserFactory

from .test_services import _draft, _photo

pytestmark = pytest.mark.django_db


def _remove(client, sub, photo):
    return client.post(f"/ledgers/submissions/{sub.pk}/remove-photo/",
                       {"file": photo.pk, "confirmed": "1"}, follow=True)


def test_the_message_offers_undo_and_undo_puts_the_photo_back(city, client, req_cg):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    client.force_login(city.users.liaison)
    page = _remove(client, sub, photo).content.decode()
    assert (f"已删除：照片“{photo.caption_text}”（“{req_cg.title}”台账）。10 分钟内可以撤销。"
            in page)
    undo = f'action="/ledgers/submissions/{sub.pk}/restore-photo/"'
    assert undo in page and f'name="file" value="{photo.pk}"' in page
    assert "csrfmiddlewaretoken" in page.split(undo)[1][:400]
    # Hidden from the draft, its page and the count the leader's signature needs.
    assert list(sub.photos.all()) == [] and not LedgerPhoto.objects.filter(pk=photo.pk)
    assert f"/ledgers/photos/{photo.pk}/" not in client.get(sub.get_absolute_url()).content.decode()

    done = client.post(f"/ledgers/submissions/{sub.pk}/restore-photo/", {"file": photo.pk},
                       follow=True)
    assert (f"已撤销删除：照片“{photo.caption_text}”已放回“{req_cg.title}”台账。"
            in done.content.decode())
    assert list(sub.photos.all()) == [photo]
    assert photo.file.storage.exists(photo.file.name)
    assert list(sub.events.values_list("action", "comment").order_by("pk"))[-2:] == [
        (LedgerEvent.Action.REMOVE_FILE, f"删除照片：{photo.caption_text}"),
        (LedgerEvent.Action.RESTORE_FILE, f"撤销删除照片：{photo.caption_text}")]


def test_a_document_is_put_back_the_same_way(city, client, req_cg):
    sub = _draft(city, req_cg)
    doc = LedgerDocument.objects.create(submission=sub, title="部署会议纪要.pdf",
                                        file="ledgers/x/minutes.pdf")
    client.force_login(city.users.liaison)
    page = client.post(f"/ledgers/submissions/{sub.pk}/remove-document/",
                       {"file": doc.pk, "confirmed": "1"}, follow=True).content.decode()
    assert "已删除：文件“部署会议纪要.pdf”" in page and "restore-document" in page
    assert list(sub.documents.all()) == []
    client.post(f"/ledgers/submissions/{sub.pk}/restore-document/", {"file": doc.pk})
    assert list(sub.documents.all()) == [doc]


def test_undo_after_ten_minutes_is_refused_and_the_purge_deletes_the_file(
        city, client, req_cg, django_capture_on_commit_callbacks):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    client.force_login(city.users.liaison)
    removed = timezone.now()
    with time_machine.travel(removed, tick=False):
        _remove(client, sub, photo)
    # 9 minutes 59 seconds later the purge keeps it …
    assert services.ledger_removed_files_purge(now=removed + dt.timedelta(minutes=9,
                                                                          seconds=59)) == 0
    # … and at 10 minutes 1 second the undo is refused in words.
    with time_machine.travel(removed + dt.timedelta(minutes=10, seconds=1), tick=False):
        response = client.post(f"/ledgers/submissions/{sub.pk}/restore-photo/",
                               {"file": photo.pk}, follow=True)
    assert "删除已超过 10 分钟，不能撤销；如需要请重新上传。" in response.content.decode()
    assert list(sub.photos.all()) == []
    # The purge waits 5 minutes more (a margin for the clocks of the web hosts and the
    # worker): at 14:59 after the removal the file is still there, at 15:01 it goes.
    assert services.ledger_removed_files_purge(
        now=removed + dt.timedelta(minutes=14, seconds=59)) == 0
    with django_capture_on_commit_callbacks(execute=True):
        assert services.ledger_removed_files_purge(
            now=removed + dt.timedelta(minutes=15, seconds=1)) == 1
    assert not LedgerPhoto.with_removed.filter(pk=photo.pk).exists()
    assert not photo.file.storage.exists(photo.file.name)


def test_only_the_one_who_deleted_may_undo(city, client, req_cg):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    client.force_login(city.users.liaison)
    _remove(client, sub, photo)
    url = f"/ledgers/submissions/{sub.pk}/restore-photo/"
    # Another unit's liaison does not see the draft at all; a second liaison of 城管局 sees
    # it but may not take back someone else's deletion; the office may not either.
    colleague = UserFactory(username="liaison_cg2", unit=city.units.cg, role="liaison")
    for user, status in [(city.users.liaison2, 404), (city.users.liaison_b, 404),
                         (colleague, 403), (city.users.office, 403)]:
        client.force_login(user)
        assert client.post(url, {"file": photo.pk}).status_code == status, user
    assert list(sub.photos.all()) == []
    # A GET does nothing; a POST without the CSRF token is refused.
    client.force_login(city.users.liaison)
    assert client.get(url).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(city.users.liaison)
    assert strict.post(url, {"file": photo.pk}).status_code == 403
    assert list(sub.photos.all()) == []


def test_a_signed_draft_cannot_get_a_removed_file_back(city, client, req_cg):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    services.ledger_file_remove(submission=sub, by=city.users.liaison, photo_id=photo.pk)
    services.ledger_submission_update(submission=sub, by=city.users.liaison,
                                      photos=[_photo(seed=3)])
    services.ledger_submission_sign(submission=sub, by=city.users.unitleader)
    client.force_login(city.users.liaison)
    response = client.post(f"/ledgers/submissions/{sub.pk}/restore-photo/", {"file": photo.pk},
                           follow=True)
    assert "alert-danger" in response.content.decode()
    assert photo.pk not in [p.pk for p in sub.photos.all()]
