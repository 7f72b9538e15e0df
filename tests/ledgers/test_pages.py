from ledgers.models import LedgerPhoto

from .test_services import _draft


def test_pages_are_scoped_and_files_served_only_in_scope(city, client, req_cg):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    client.force_login(city.users.liaison)
    assert client.get("/ledgers/").status_code == 200
    assert client.get(f"/ledgers/requirements/{req_cg.pk}/").status_code == 200
    page = client.get(f"/ledgers/submissions/{sub.pk}/")
    assert page.status_code == 200 and "照片处理中" in page.content.decode()
    r = client.get(f"/ledgers/photos/{photo.pk}/file/")
    assert r.status_code == 200 and r["X-Content-Type-Options"] == "nosniff"
    client.force_login(city.users.liaison2)
    assert client.get(f"/ledgers/submissions/{sub.pk}/").status_code == 404
    assert client.get(f"/ledgers/photos/{photo.pk}/file/").status_code == 404
    assert req_cg.title not in client.get("/ledgers/").content.decode()


def test_unit_leader_signs_from_the_page_and_liaison_cannot(city, client, req_cg):
    sub = _draft(city, req_cg)
    client.force_login(city.users.liaison)
    assert client.post(f"/ledgers/submissions/{sub.pk}/sign/").status_code == 403
    client.force_login(city.users.unitleader)
    asked = client.post(f"/ledgers/submissions/{sub.pk}/sign/")
    body = asked.content.decode()
    assert asked.status_code == 200 and "data-confirm-page" in body and "确认签字" in body
    assert f"签字：“{req_cg.title}”台账（区城管局）" in body
    sub.refresh_from_db()
    assert sub.status == "draft"
    done = client.post(f"/ledgers/submissions/{sub.pk}/sign/", {"confirmed": "1"}, follow=True)
    sub.refresh_from_db()
    assert sub.status == "signed"
    assert (f"已签字：“{req_cg.title}”台账（区城管局），材料已报送创城办审核。"
            "如需改动，请联系创城办退回后重新填报。") in done.content.decode()


def test_deleting_a_draft_photo_asks_first_then_names_it(city, client, req_cg):
    sub = _draft(city, req_cg)
    photo = LedgerPhoto.objects.get(submission=sub)
    client.force_login(city.users.liaison)
    url = f"/ledgers/submissions/{sub.pk}/remove-photo/"
    asked = client.post(url, {"file": photo.pk})
    body = asked.content.decode()
    assert asked.status_code == 200 and "确认删除照片" in body
    assert "删除后 10 分钟内可以撤销；过后照片不能恢复" in body
    assert f'name="file" value="{photo.pk}"' in body
    assert LedgerPhoto.objects.filter(pk=photo.pk).exists()
    done = client.post(url, {"file": photo.pk, "confirmed": "1"}, follow=True)
    assert not LedgerPhoto.objects.filter(pk=photo.pk).exists()
    assert f"已删除：照片“{photo.caption_text}”（“{req_cg.title}”台账）。" in \
        done.content.decode()


def test_anonymous_is_redirected(client):
    assert client.get("/ledgers/").status_code == 302
