from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory

from evidence.views import serve_file


def _fieldfile(name="ledgers/1/abc.pdf", data=b"%PDF-1.4 test"):
    stored = default_storage.save(name, ContentFile(data))
    return FieldFile(None, models.FileField(), stored)


def test_it_streams_with_disposition_and_nosniff():
    response = serve_file(RequestFactory().get("/"), _fieldfile(), download_name="方案.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 test"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "attachment" in response["Content-Disposition"]
    assert "%E6%96%B9%E6%A1%88.pdf" in response["Content-Disposition"]


def test_it_hands_the_file_to_nginx_when_configured(settings):
    settings.EVIDENCE_ACCEL_PREFIX = "/protected/"
    ff = _fieldfile()
    response = serve_file(RequestFactory().get("/"), ff, download_name="a.pdf",
                          as_attachment=False)
    assert response["X-Accel-Redirect"] == "/protected/" + ff.name
    assert response.content == b""
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_uses_x_sendfile_when_configured(settings):
    settings.EVIDENCE_SENDFILE = True
    ff = _fieldfile()
    response = serve_file(RequestFactory().get("/"), ff, download_name="a.pdf")
    assert response["X-Sendfile"] == ff.path
