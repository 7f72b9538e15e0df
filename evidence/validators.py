"""Evidence files are judged by their content, never by their name or the browser's claim.

`validate_image` and `validate_document` return what they found (format and the extension to
store the file under) or raise `django.core.exceptions.ValidationError` with a message a clerk
understands. Both leave the upload's read position at 0.
"""

import io
import warnings
import zipfile
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from PIL import Image, UnidentifiedImageError

# Formats a phone or a camera produces and a browser shows; never SVG/HTML/TIFF.
IMAGE_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
IMAGE_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# 50 megapixels: more than any phone camera, far less than a decompression bomb needs.
DEFAULT_MAX_PIXELS = 50_000_000

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DOCUMENT_CONTENT_TYPES = {
    "pdf": "application/pdf",
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class FileInfo:
    """What the content says the file is."""

    format: str
    ext: str
    content_type: str
    size: int
    width: int | None = None
    height: int | None = None


def max_pixels():
    return getattr(settings, "EVIDENCE_MAX_PIXELS", DEFAULT_MAX_PIXELS)


def _check_size(uploaded):
    limit = settings.UPLOAD_MAX_BYTES
    size = uploaded.size
    if size is None:
        uploaded.seek(0, io.SEEK_END)
        size = uploaded.tell()
        uploaded.seek(0)
    if size > limit:
        raise ValidationError(
            "文件过大（%(size).1f MB），单个文件不能超过 %(limit).0f MB，请压缩后再上传。",
            code="file_too_large",
            params={"size": size / 1024 / 1024, "limit": limit / 1024 / 1024},
        )
    if size == 0:
        raise ValidationError("文件是空的，请重新选择。", code="empty")
    return size


DEFAULT_MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# A real workbook or Word file packs its XML 5 to 30 times; a bomb a thousand times.
DEFAULT_MAX_PACKING_RATIO = 200


def check_unpacked_size(uploaded):
    """Refuse a zip container (.xlsx/.docx) that would unpack to more than
    UPLOAD_MAX_UNPACKED_BYTES or packs its content suspiciously tight, before any parser opens
    it: a 1 MB "workbook" holding a 1 GiB sheet would tie a web worker for a minute. The sizes
    are the ones the zip's directory declares; Python's zipfile (under openpyxl and
    python-docx) never unpacks a member past its declared size, so the sum bounds the work.
    Not a zip: nothing to check. Rewinds the file; raises ValidationError (code zip_bomb)."""
    uploaded.seek(0)
    head = uploaded.read(4)
    uploaded.seek(0)
    if head != b"PK\x03\x04":
        return
    try:
        with zipfile.ZipFile(uploaded) as zf:
            members = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable zip: the format checks say so in their own words
    finally:
        uploaded.seek(0)
    unpacked = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    limit = getattr(settings, "UPLOAD_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES)
    ratio = getattr(settings, "UPLOAD_MAX_PACKING_RATIO", DEFAULT_MAX_PACKING_RATIO)
    # Small files are harmless however tight they pack (an almost empty sheet packs 100×).
    too_tight = unpacked > 10 * 1024 * 1024 and unpacked > ratio * max(packed, 1)
    if unpacked > limit or too_tight:
        raise ValidationError(
            "文件解压后过大（约 %(size).0f MB，上限 %(limit).0f MB），可能已损坏或被恶意构造，"
            "请另存为新的文件或分成几个文件后再上传。",
            code="zip_bomb",
            params={"size": unpacked / 1024 / 1024, "limit": limit / 1024 / 1024},
        )


def open_image(fp):
    """Open an image with the allowed formats only, refusing decompression bombs.

    Pillow's bomb warning (over the pixel limit) becomes an error here, so a hostile file is
    refused instead of filling the worker's memory.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        img = Image.open(fp, formats=list(IMAGE_FORMATS))
    if img.width * img.height > max_pixels():
        raise Image.DecompressionBombError(f"{img.width}x{img.height}")
    return img


def validate_image(uploaded):
    """Check size, real format (JPEG/PNG/WebP by content), integrity and pixel count.

    Returns a `FileInfo`; raises ValidationError (code file_too_large, not_image, too_many_pixels,
    corrupt)."""
    size = _check_size(uploaded)
    uploaded.seek(0)
    try:
        img = open_image(uploaded)
        info = FileInfo(
            format=img.format,
            ext=IMAGE_FORMATS[img.format],
            content_type=IMAGE_CONTENT_TYPES[IMAGE_FORMATS[img.format]],
            size=size,
            width=img.width,
            height=img.height,
        )
        img.verify()
        # verify() checks structure only; decoding finds truncated or garbled data. JPEG is
        # decoded at 1/8 scale (draft mode), which keeps a phone photo's check quick.
        uploaded.seek(0)
        img = open_image(uploaded)
        if img.format == "JPEG":
            img.draft("RGB", (max(1, img.width // 8), max(1, img.height // 8)))
        img.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(
            "图片像素过大（超过 %(mp)d 百万像素），请缩小后再上传。",
            code="too_many_pixels",
            params={"mp": max_pixels() // 1_000_000},
        ) from None
    except UnidentifiedImageError:
        raise ValidationError(
            "这不是可识别的照片文件，只接受 JPG、PNG、WebP 格式的照片。", code="not_image"
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError):
        raise ValidationError("照片文件已损坏，无法打开，请重新拍摄或选择。", code="corrupt") from None
    finally:
        uploaded.seek(0)
    return info


def validate_document(uploaded):
    """Check size and that the content is a PDF, Word or Excel file (magic bytes; for the
    Office Open XML formats, the zip must hold word/ or xl/ and unpack to a sane size).
    Returns a `FileInfo`; raises ValidationError (file_too_large, empty, zip_bomb,
    not_document)."""
    size = _check_size(uploaded)
    uploaded.seek(0)
    head = uploaded.read(8)
    uploaded.seek(0)
    name = (getattr(uploaded, "name", "") or "").lower()
    ext = None
    if head.startswith(b"%PDF"):
        ext = "pdf"
    elif head == OLE2_MAGIC:
        # Legacy Word and Excel share the OLE2 container; the name tells which one it is.
        ext = "xls" if name.endswith(".xls") else "doc"
    elif head.startswith(b"PK\x03\x04"):
        check_unpacked_size(uploaded)
        try:
            with zipfile.ZipFile(uploaded) as zf:
                names = zf.namelist()
        except (zipfile.BadZipFile, OSError):
            names = []
        finally:
            uploaded.seek(0)
        if any(n.startswith("word/") for n in names):
            ext = "docx"
        elif any(n.startswith("xl/") for n in names):
            ext = "xlsx"
    if ext is None:
        raise ValidationError(
            "文件格式不正确，只接受 PDF、Word（doc/docx）、Excel（xls/xlsx）文件。",
            code="not_document",
        )
    return FileInfo(format=ext.upper(), ext=ext, content_type=DOCUMENT_CONTENT_TYPES[ext],
                    size=size)
