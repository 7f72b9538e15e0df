"""Issue photos on top of the shared evidence handling: validate every file before anything is
saved, refuse an after-photo that copies a before-photo, and flag after-photos whose EXIF time
or position does not fit the issue ("书面整改/虚假整改")."""

import math

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import ImageOps

from config.celery import enqueue_on_commit
from evidence.duplicates import hamming, max_bits
from evidence.processing import compute_phash, read_exif
from evidence.validators import open_image, validate_image

from .models import IssuePhoto

DEFAULT_MAX_DISTANCE_M = 500


def validate_photos(files):
    """Validate every upload (content, size, pixels); ValidationError on `photos` naming the
    file and the problem. Returns the evidence infos in the same order."""
    infos, errors = [], []
    for i, f in enumerate(files, start=1):
        try:
            infos.append(getattr(f, "evidence_info", None) or validate_image(f))
        except ValidationError as exc:
            errors.append(f"第 {i} 张照片（{getattr(f, 'name', '')}）：{exc.messages[0]}")
    if errors:
        raise ValidationError({"photos": errors})
    return infos


def _read(fileobj):
    """(phash, taken_at, lat, lng) of an upload or stored file, reading it once."""
    fileobj.seek(0)
    try:
        img = open_image(fileobj)
        img.load()
        taken_at, lat, lng = read_exif(img)
        return compute_phash(ImageOps.exif_transpose(img)), taken_at, lat, lng
    finally:
        fileobj.seek(0)


def _stored_phash(photo):
    if photo.phash is not None:
        return photo.phash
    with photo.file.open("rb") as fh:
        return _read(fh)[0]


def distance_m(lat1, lng1, lat2, lng2):
    """Great-circle distance in metres (haversine)."""
    r = 6_371_000
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lng2 - lng1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def review_flags(issue, taken_at, lat, lng):
    """Reasons for the reviewer to look twice at an after-photo."""
    flags = []
    if taken_at is not None and taken_at < issue.created:
        flags.append("拍摄时间早于问题发现时间，可能不是整改后拍摄")
    where = issue.coordinates()
    if where is not None and lat is not None and lng is not None:
        limit = getattr(settings, "ISSUE_PHOTO_MAX_DISTANCE_M", DEFAULT_MAX_DISTANCE_M)
        d = distance_m(where[0], where[1], lat, lng)
        if d > limit:
            flags.append(f"拍摄位置距问题地点约 {d / 1000:.1f} 公里")
    return flags


def check_after_photos(*, issue, files):
    """Refuse after-photos identical or near-identical to a before-photo of the issue
    (ValidationError on `photos`); annotate each file with its review flags."""
    befores = [_stored_phash(p) for p in issue.photos.filter(kind=IssuePhoto.Kind.BEFORE)]
    limit = max_bits()
    errors = []
    for i, f in enumerate(files, start=1):
        phash, taken_at, lat, lng = _read(f)
        if any(b is not None and hamming(b, phash) <= limit for b in befores):
            errors.append(f"第 {i} 张照片与整改前照片相同或几乎相同，请上传整改后现场拍摄的照片。")
        f.issue_review_flags = review_flags(issue, taken_at, lat, lng)
    if errors:
        raise ValidationError({"photos": errors})


def attach_photos(*, issue, files, infos, kind, by):
    """Save validated uploads as photos of `issue` and enqueue their processing (thumbnail,
    watermark, hash, EXIF) after commit. One INSERT per photo (the file must be written)."""
    from .tasks import process_issue_photo_task

    photos = []
    for f, info in zip(files, infos, strict=True):
        photo = IssuePhoto(issue=issue, kind=kind, uploaded_by=by,
                           review_flags=getattr(f, "issue_review_flags", []))
        photo.attach(f, info)
        photo.save()
        photos.append(photo)
    for photo in photos:
        enqueue_on_commit(process_issue_photo_task, photo.pk)
    return photos
