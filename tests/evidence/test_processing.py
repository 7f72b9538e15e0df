import datetime as dt
import io

from PIL import Image

from evidence.duplicates import hamming
from evidence.processing import (
    compute_phash,
    hash_bands,
    make_display,
    read_exif,
    to_signed64,
    to_unsigned64,
    watermark_lines,
)

from .images import exif_for, jpeg_bytes, scene


def _open(data):
    img = Image.open(io.BytesIO(data))
    img.load()
    return img


def test_it_reads_exif_time_and_gps():
    img = _open(jpeg_bytes(exif=exif_for("2024:06:10 09:30:00", (34, 15, 30), (108, 56, 24))))
    taken_at, lat, lng = read_exif(img)
    assert taken_at.astimezone(dt.timezone(dt.timedelta(hours=8))).replace(tzinfo=None) == (
        dt.datetime(2024, 6, 10, 9, 30)
    )
    assert round(lat, 4) == 34.2583
    assert round(lng, 4) == 108.94


def test_a_photo_without_exif_gives_nothing():
    assert read_exif(_open(jpeg_bytes())) == (None, None, None)


def test_phash_is_stable_and_fits_a_signed_bigint():
    a = compute_phash(_open(jpeg_bytes(seed=3)))
    b = compute_phash(_open(jpeg_bytes(seed=3)))
    assert a == b
    assert -(2**63) <= a < 2**63
    assert to_signed64(to_unsigned64(a)) == a


def test_a_reencoded_resized_copy_is_near_and_another_scene_is_far():
    original = compute_phash(_open(jpeg_bytes(seed=5, quality=95)))
    small = scene(5).resize((400, 300))
    copy = compute_phash(_open(jpeg_bytes(small, quality=55)))
    other = compute_phash(_open(jpeg_bytes(seed=6)))
    assert hamming(original, copy) <= 6
    assert hamming(original, other) > 12


def test_bands_rebuild_the_hash():
    h = compute_phash(_open(jpeg_bytes(seed=8)))
    bands = hash_bands(h)
    assert all(0 <= b <= 0xFFFF for b in bands)
    assert to_signed64(sum(b << (16 * i) for i, b in enumerate(bands))) == h


def test_watermark_never_fails_without_a_cjk_font_and_leaves_the_source_untouched():
    img = scene(2)
    before = img.tobytes()
    lines = watermark_lines(
        taken_at=dt.datetime(2024, 6, 10, 1, 30, tzinfo=dt.UTC), place="幸福社区",
        lat=34.1, lng=108.9, cjk=False,
    )
    assert all(line.isascii() for line in lines)
    assert "Xing Fu She Qu" in lines
    data = make_display(img, lines)
    out = Image.open(io.BytesIO(data))
    assert out.format == "WEBP"
    assert img.tobytes() == before
    # The band at the bottom is darker than the same area of the source.
    assert out.convert("L").getpixel((5, out.height - 5)) != img.convert("L").resize(
        out.size).getpixel((5, out.height - 5))
