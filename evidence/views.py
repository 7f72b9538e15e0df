"""Serving evidence files after a permission check.

Each app's view first finds the owning object through its scoped queryset (another unit's
file answers 404), then calls `serve_file`. In production the web server sends the bytes:
nginx with `EVIDENCE_ACCEL_PREFIX` (an `internal` location mapped to MEDIA_ROOT) or Apache /
lighttpd with `EVIDENCE_SENDFILE = True`; otherwise Django streams the file itself.
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def serve_file(request, fieldfile, *, download_name, as_attachment=True):
    """A response carrying `fieldfile`, named `download_name` in Content-Disposition, with
    `X-Content-Type-Options: nosniff`. Missing file → 404."""
    if not fieldfile:
        raise Http404("文件不存在")
    content_type = mimetypes.guess_type(fieldfile.name)[0] or "application/octet-stream"
    accel_prefix = getattr(settings, "EVIDENCE_ACCEL_PREFIX", "")
    if accel_prefix or getattr(settings, "EVIDENCE_SENDFILE", False):
        response = HttpResponse(content_type=content_type)
        if accel_prefix:
            response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(fieldfile.name)
        else:
            response["X-Sendfile"] = fieldfile.path
        response["Content-Disposition"] = content_disposition_header(
            as_attachment, download_name
        )
    else:
        try:
            fh = fieldfile.open("rb")
        except FileNotFoundError:
            raise Http404("文件不存在") from None
        response = FileResponse(fh, as_attachment=as_attachment, filename=download_name,
                                content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Evidence is private: shared proxies must not keep it.
    response["Cache-Control"] = "private, max-age=3600"
    return response
