"""Serving evidence files after a permission check.

Each app's view first finds the owning object through its scoped queryset (another unit's
file answers 404), then calls `serve_file`. With media on the filesystem the web server may
send the bytes: nginx with `EVIDENCE_ACCEL_PREFIX` (an `internal` location mapped to
MEDIA_ROOT) or Apache / lighttpd with `EVIDENCE_SENDFILE = True`; otherwise, and always with
media on S3, Django streams the file from the storage itself. A bucket URL (public or signed)
is never handed out, so the permission check cannot be bypassed by a copied link.
"""

import mimetypes
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.utils.http import content_disposition_header


def _is_local(storage):
    try:
        storage.path("probe")
    except NotImplementedError:
        return False
    return True


def _open_remote(fieldfile):
    """The object's body as a stream read chunk by chunk from the object store, and its size.

    django-storages' `S3File` first copies the whole object into a temporary file; reading the
    `get_object` body directly sends the first bytes at once and keeps memory flat."""
    from botocore.exceptions import ClientError
    from storages.utils import clean_name

    storage = fieldfile.storage
    try:
        obj = storage.bucket.Object(storage._normalize_name(clean_name(fieldfile.name)))
        answer = obj.get()
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
            raise Http404("文件不存在") from None
        raise
    return answer["Body"], answer.get("ContentLength")


def serve_file(request, fieldfile, *, download_name, as_attachment=True):
    """A response carrying `fieldfile`, named `download_name` in Content-Disposition, with
    `X-Content-Type-Options: nosniff`. Missing file → 404."""
    if not fieldfile:
        raise Http404("文件不存在")
    content_type = mimetypes.guess_type(fieldfile.name)[0] or "application/octet-stream"
    accel_prefix = getattr(settings, "EVIDENCE_ACCEL_PREFIX", "")
    local = _is_local(fieldfile.storage)
    if local and (accel_prefix or getattr(settings, "EVIDENCE_SENDFILE", False)):
        response = HttpResponse(content_type=content_type)
        if accel_prefix:
            response["X-Accel-Redirect"] = accel_prefix.rstrip("/") + "/" + quote(fieldfile.name)
        else:
            response["X-Sendfile"] = fieldfile.path
        response["Content-Disposition"] = content_disposition_header(
            as_attachment, download_name
        )
    elif local or not hasattr(fieldfile.storage, "bucket"):
        try:
            fh = fieldfile.storage.open(fieldfile.name, "rb")
        except FileNotFoundError:
            raise Http404("文件不存在") from None
        response = FileResponse(fh, as_attachment=as_attachment, filename=download_name,
                                content_type=content_type)
    else:
        body, size = _open_remote(fieldfile)
        response = FileResponse(body, as_attachment=as_attachment, filename=download_name,
                                content_type=content_type)
        if size is not None:
            response["Content-Length"] = str(size)
    response["X-Content-Type-Options"] = "nosniff"
    # Evidence is private: shared proxies must not keep it.
    response["Cache-Control"] = "private, max-age=3600"
    return response
