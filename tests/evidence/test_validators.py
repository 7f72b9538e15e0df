import pytest
from django.core.exceptions import ValidationError

from evidence.validators import validate_document, validate_image

from .images import bomb_png, docx_bytes, jpeg_bytes, upload, xlsx_bytes


def test_it_accepts_a_real_jpeg_and_reports_its_format():
    info = validate_image(upload(jpeg_bytes()))
    assert (info.format, info.ext, info.width, info.height) == ("JPEG", "jpg", 800, 600)


def test_it_rejects_a_corrupt_jpeg():
    data = jpeg_bytes()
    with pytest.raises(ValidationError) as exc:
        validate_image(upload(data[:200] + b"\x00" * 500))
    assert exc.value.code in {"corrupt", "not_image"}


def test_it_rejects_text_named_jpg():
    with pytest.raises(ValidationError) as exc:
        validate_image(upload(b"just some text, not a photo" * 10, name="现场.jpg"))
    assert exc.value.code == "not_image"
    assert "JPG" in exc.value.messages[0]


def test_it_rejects_svg_even_if_named_png():
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(ValidationError):
        validate_image(upload(svg, name="a.png", content_type="image/png"))


def test_it_rejects_a_decompression_bomb_with_a_chinese_message():
    with pytest.raises(ValidationError) as exc:
        validate_image(upload(bomb_png(), name="big.png", content_type="image/png"))
    assert exc.value.code == "too_many_pixels"
    assert "像素" in exc.value.messages[0]


def test_it_rejects_an_oversize_file(settings):
    settings.UPLOAD_MAX_BYTES = 10_000
    with pytest.raises(ValidationError) as exc:
        validate_image(upload(jpeg_bytes()))
    assert exc.value.code == "file_too_large"
    assert "不能超过" in exc.value.messages[0]


@pytest.mark.parametrize(
    ("data", "name", "ext"),
    [
        (b"%PDF-1.7\n%...", "方案.pdf", "pdf"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "报表.xls", "xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "通知.doc", "doc"),
        (docx_bytes(), "通知.docx", "docx"),
        (xlsx_bytes(), "数据.xlsx", "xlsx"),
    ],
)
def test_it_accepts_documents_by_content(data, name, ext):
    assert validate_document(upload(data, name=name, content_type="")).ext == ext


@pytest.mark.parametrize(
    "data",
    [b"MZ\x90\x00 executable", b"PK\x03\x04 not really a zip", jpeg_bytes()],
)
def test_it_rejects_files_that_are_not_documents(data):
    with pytest.raises(ValidationError) as exc:
        validate_document(upload(data, name="报告.pdf", content_type="application/pdf"))
    assert exc.value.code == "not_document"
