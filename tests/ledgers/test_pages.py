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
    assert client.post(f"/ledgers/submissions/{sub.pk}/sign/").status_code == 302
    sub.refresh_from_db()
    assert sub.status == "signed"


def test_anonymous_is_redirected(client):
    assert client.get("/ledgers/").status_code == 302
