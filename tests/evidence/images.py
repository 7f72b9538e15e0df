"""Real images generated in memory for the evidence tests (no fixture files)."""

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw


def scene(seed=1, size=(800, 600)):
    """A picture with structure (shapes on a gradient), different for each seed."""
    rng = random.Random(seed)
    img = Image.new("RGB", size)
    draw = ImageDraw.Draw(img)
    for y in range(size[1]):
        shade = int(255 * y / size[1])
        draw.line([(0, y), (size[0], y)], fill=(shade, rng.randint(0, 40) + 80, 255 - shade))
    for _ in range(12):
        x0, y0 = rng.randint(0, size[0] - 100), rng.randint(0, size[1] - 100)
        x1, y1 = x0 + rng.randint(40, 300), y0 + rng.randint(40, 300)
        color = tuple(rng.randint(0, 255) for _ in range(3))
        if rng.random() < 0.5:
            draw.rectangle([x0, y0, x1, y1], fill=color)
        else:
            draw.ellipse([x0, y0, x1, y1], fill=color)
    return img


def exif_for(taken="2024:06:10 09:30:00", lat=(34, 15, 30), lng=(108, 56, 24)):
    exif = Image.Exif()
    exif[0x0132] = taken  # DateTime
    sub = exif.get_ifd(0x8769)
    sub[0x9003] = taken  # DateTimeOriginal
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = tuple(float(v) for v in lat)
    gps[3] = "E"
    gps[4] = tuple(float(v) for v in lng)
    return exif


def jpeg_bytes(img=None, *, quality=90, exif=None, seed=1):
    img = img or scene(seed)
    buf = io.BytesIO()
    kwargs = {"quality": quality}
    if exif is not None:
        kwargs["exif"] = exif
    img.save(buf, "JPEG", **kwargs)
    return buf.getvalue()


def upload(data, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def bomb_png():
    """A PNG of 10,000 × 8,000 pixels (80 MP) that compresses to a few kilobytes."""
    buf = io.BytesIO()
    Image.new("1", (10_000, 8_000)).save(buf, "PNG")
    return buf.getvalue()


def docx_bytes():
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("word/document.xml", "<w:document/>")
    return buf.getvalue()


def xlsx_bytes():
    from openpyxl import Workbook

    buf = io.BytesIO()
    Workbook().save(buf)
    return buf.getvalue()
