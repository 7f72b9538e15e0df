"""The worker's part of photo handling: checksum, EXIF time and GPS, perceptual hash,
thumbnail and watermarked display copy. The original file is never rewritten.

`process_image(instance)` is idempotent: each step runs only if its result is missing, so a
retried or duplicated task finishes the work without redoing it. The caller (each app's task)
locks the row first.
"""

import datetime as dt
import hashlib
import io
import logging
from functools import lru_cache
from pathlib import Path

import imagehash
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from PIL import ExifTags, ImageDraw, ImageFont, ImageOps
from pypinyin import lazy_pinyin

from .validators import open_image

logger = logging.getLogger(__name__)

THUMBNAIL_SIZE = (320, 320)
DISPLAY_SIZE = (1600, 1600)
WEBP_QUALITY = 82

# Fonts that carry Chinese glyphs, tried in order (Debian fonts-noto-cjk, wqy); a setting
# EVIDENCE_WATERMARK_FONT names another file.
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/truetype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)

HASH_BITS = 64
SIGN_BIT = 1 << 63


def to_signed64(value):
    """An unsigned 64-bit hash as the signed int64 a BigIntegerField holds."""
    return value - (1 << 64) if value & SIGN_BIT else value


def to_unsigned64(value):
    return value & ((1 << 64) - 1)


def hash_bands(signed_hash):
    """The four 16-bit bands of a hash, lowest first (see evidence.duplicates)."""
    u = to_unsigned64(signed_hash)
    return [(u >> (16 * i)) & 0xFFFF for i in range(4)]


def compute_phash(img):
    """imagehash.phash of an (already transposed) image as a signed int64."""
    return to_signed64(int(str(imagehash.phash(img)), 16))


def sha256_of(fieldfile):
    digest = hashlib.sha256()
    with fieldfile.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _rational(value):
    try:
        return float(value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None


def _dms_to_degrees(dms, ref):
    if not dms or len(dms) != 3:
        return None
    parts = [_rational(v) for v in dms]
    if any(p is None for p in parts):
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if ref in ("S", "W", b"S", b"W"):
        degrees = -degrees
    return round(degrees, 7)


def read_exif(img):
    """(taken_at, lat, lng) from EXIF DateTimeOriginal and the GPS IFD; None where absent or
    unreadable. Camera time has no zone: it is read as local time (TIME_ZONE)."""
    try:
        exif = img.getexif()
    except Exception:  # a broken EXIF block is not a broken photo
        return None, None, None
    taken_at = None
    try:
        sub = exif.get_ifd(ExifTags.IFD.Exif)
        raw = sub.get(ExifTags.Base.DateTimeOriginal) or exif.get(ExifTags.Base.DateTime)
        if raw:
            naive = dt.datetime.strptime(str(raw).strip("\x00 ")[:19], "%Y:%m:%d %H:%M:%S")
            taken_at = timezone.make_aware(naive)
    except (ValueError, TypeError, KeyError):
        taken_at = None
    lat = lng = None
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
        if gps:
            lat = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLatitude),
                                  gps.get(ExifTags.GPS.GPSLatitudeRef))
            lng = _dms_to_degrees(gps.get(ExifTags.GPS.GPSLongitude),
                                  gps.get(ExifTags.GPS.GPSLongitudeRef))
            if lat is not None and not -90 <= lat <= 90:
                lat = None
            if lng is not None and not -180 <= lng <= 180:
                lng = None
    except (ValueError, TypeError, KeyError):
        lat = lng = None
    return taken_at, lat, lng


def _webp(img, size):
    copy = img.copy()
    copy.thumbnail(size)
    if copy.mode not in ("RGB", "RGBA"):
        copy = copy.convert("RGB")
    buf = io.BytesIO()
    copy.save(buf, "WEBP", quality=WEBP_QUALITY)
    return buf.getvalue()


@lru_cache(maxsize=4)
def watermark_font(size):
    """(font, supports_cjk). A CJK font when one is installed, else Pillow's default font,
    whose glyphs are Latin only, so callers then write ASCII text."""
    configured = getattr(settings, "EVIDENCE_WATERMARK_FONT", "")
    for path in ([configured] if configured else []) + list(CJK_FONT_CANDIDATES):
        if path and Path(path).exists():
            try:
                return ImageFont.truetype(path, size), True
            except OSError:
                logger.warning("Watermark font %s cannot be loaded", path)
    try:
        return ImageFont.load_default(size), False
    except (TypeError, OSError):  # Pillow built without FreeType
        return ImageFont.load_default(), False


def watermark_lines(*, taken_at, place, lat, lng, cjk):
    """The text drawn on the display copy: time, place, coordinates. Without a CJK font the
    place name is written in pinyin, so the watermark never shows empty boxes."""
    lines = []
    if taken_at:
        local = timezone.localtime(taken_at)
        lines.append(("时间 " if cjk else "") + local.strftime("%Y-%m-%d %H:%M"))
    if place:
        lines.append(("地点 " + place) if cjk else " ".join(lazy_pinyin(place)).title())
    if lat is not None and lng is not None:
        lines.append(f"{lat:.5f}, {lng:.5f}" if not cjk else f"坐标 {lat:.5f}, {lng:.5f}")
    return lines


def make_display(img, lines):
    """A display-size WebP copy with `lines` drawn in a dark band at the bottom."""
    copy = img.copy()
    copy.thumbnail(DISPLAY_SIZE)
    copy = copy.convert("RGB")
    if lines:
        size = max(14, copy.width // 40)
        font, _ = watermark_font(size)
        draw = ImageDraw.Draw(copy, "RGBA")
        pad = size // 2
        line_h = size + pad // 2
        band_h = line_h * len(lines) + pad
        draw.rectangle([0, copy.height - band_h, copy.width, copy.height], fill=(0, 0, 0, 110))
        y = copy.height - band_h + pad // 2
        for line in lines:
            draw.text((pad, y), line, font=font, fill=(255, 255, 255, 235))
            y += line_h
    buf = io.BytesIO()
    copy.save(buf, "WEBP", quality=WEBP_QUALITY)
    return buf.getvalue()


def process_image(instance, *, now=None):
    """Fill in what is missing on an `EvidenceImage` row and save those fields.

    Reads the original once; writes the thumbnail and display files only if absent; sets
    `processed_at`. Returns the list of fields it updated (empty if nothing was to do).
    """
    done = instance.thumbnail and instance.display and instance.phash is not None
    if instance.processed_at and done:
        return []
    updated = []
    if not instance.sha256:
        instance.sha256 = sha256_of(instance.file)
        updated.append("sha256")
    with instance.file.open("rb") as fh:
        img = open_image(fh)
        img.load()
    if instance.exif_taken_at is None and instance.exif_lat is None:
        taken_at, lat, lng = read_exif(img)
        if taken_at or lat is not None:
            instance.exif_taken_at, instance.exif_lat, instance.exif_lng = taken_at, lat, lng
            updated += ["exif_taken_at", "exif_lat", "exif_lng"]
    img = ImageOps.exif_transpose(img)
    if instance.phash is None:
        instance.phash = compute_phash(img)
        (instance.phash_band0, instance.phash_band1,
         instance.phash_band2, instance.phash_band3) = hash_bands(instance.phash)
        updated += ["phash", "phash_band0", "phash_band1", "phash_band2", "phash_band3"]
    if not instance.thumbnail:
        instance.thumbnail.save("t.webp", ContentFile(_webp(img, THUMBNAIL_SIZE)), save=False)
        updated.append("thumbnail")
    if not instance.display:
        _, cjk = watermark_font(max(14, min(img.width, DISPLAY_SIZE[0]) // 40))
        lines = watermark_lines(
            taken_at=instance.exif_taken_at or instance.created,
            place=instance.watermark_place(),
            lat=instance.exif_lat,
            lng=instance.exif_lng,
            cjk=cjk,
        )
        instance.display.save("d.webp", ContentFile(make_display(img, lines)), save=False)
        updated.append("display")
    instance.processed_at = now or timezone.now()
    updated.append("processed_at")
    instance.save(update_fields=updated)
    return updated


def process_image_by_id(model, pk):
    """Lock the row, process it, commit. Returns the instance, or None if the row is gone
    (deleted before the worker got to it). For each app's thin task:

        @shared_task(autoretry_for=(OSError,), retry_backoff=True, retry_jitter=True,
                     max_retries=5)
        def process_issue_photo_task(photo_id):
            process_image_by_id(IssuePhoto, photo_id)
    """
    with transaction.atomic():
        instance = model._default_manager.select_for_update().filter(pk=pk).first()
        if instance is None:
            return None
        process_image(instance)
    return instance
