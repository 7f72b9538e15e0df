"""The installable app: manifest, service worker and the login page's QR code."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_login_page_shows_a_qr_code_of_the_site(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert response.context["install_qr"].startswith("data:image/svg+xml")
    assert "添加到主屏幕" in response.content.decode()


def test_the_manifest_opens_the_role_page(client, city):
    client.force_login(city.users.inspector)
    body = client.get("/manifest.webmanifest").json()
    assert body["start_url"].startswith("/points/inspections/nearby/")
    client.force_login(city.users.liaison)
    assert client.get("/manifest.webmanifest").json()["start_url"].startswith("/?")


def test_the_worker_keeps_the_role_pages_and_only_the_shell_before_login(client, city):
    anonymous = client.get("/sw.js").content.decode()
    assert '"pages": []' in anonymous and "vendor/idb/umd.js" in anonymous
    client.force_login(city.users.liaison)
    response = client.get("/sw.js")
    assert response["Service-Worker-Allowed"] == "/"
    code = response.content.decode()
    assert "/ledgers/" in code and "/points/inspections/nearby/" not in code
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
