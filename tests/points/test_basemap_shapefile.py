"""The offline base map from a shapefile: the office uploads a .zip of .shp/.shx/.dbf (and
.prj, .cpg) on the same page as GeoJSON; it is converted on upload to the same outlines with
their names, read in the .cpg's encoding, else UTF-8, else GBK. Anything it cannot draw
truthfully is refused with the reason on the field, and nothing is stored."""

import io
import zipfile

import pytest
import shapefile
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points.models import BaseMapLayer

from .shapefiles import PROJECTED_PRJ, STREET_ROWS, WGS84_PRJ, ring, shapefile_parts, zipped

pytestmark = pytest.mark.django_db

# Numbers outside degrees with no .prj: refused, saying they were read as degrees.
NOT_DEGREES = "形状文件的坐标不是经纬度（压缩包中没有 .prj 坐标系文件，按经纬度读取）"


def post(client, raw, name="街道.zip", follow=False, **data):
    return client.post(reverse("points:basemap"), {
        "kind": "street", "file": SimpleUploadedFile(name, raw, "application/zip"), **data},
        follow=follow)


def names_drawn(client, user):
    client.force_login(user)
    layers = client.get(reverse("points:basemap-data")).json()["layers"]
    return [f["properties"]["name"] for layer in layers for f in layer["features"]["features"]]


@pytest.mark.parametrize("encoding, cpg", [("gbk", None), ("utf-8", None), ("gbk", b"936"),
                                           ("utf-8", b"UTF-8"), ("gbk", b"UTF-8"),
                                           ("gbk", b"base64"), ("utf-8", b"UTF-16")])
def test_a_shapefile_is_converted_and_every_map_of_the_district_draws_it(client, city, encoding,
                                                                         cpg):
    parts = shapefile_parts(STREET_ROWS, encoding=encoding)
    # The last cases: a .cpg that says UTF-8 over GBK text, one naming a codec that is no
    # text encoding, one naming an encoding that does not keep ASCII: the text decides.
    if cpg is not None:
        parts[".cpg"] = cpg
    client.force_login(city.users.office)
    response = post(client, zipped({**parts, ".prj": WGS84_PRJ.encode()}), follow=True)
    assert "已保存城关区的街道（镇）界，共 2 个轮廓" in response.content.decode()
    layer = BaseMapLayer.objects.get()
    assert (layer.region, layer.kind, layer.file_name) == (city.units.a, "street", "街道.zip")
    east, west = layer.features["features"]
    # The same GeoJSON an uploaded .geojson is stored as: a square stays a Polygon, the
    # two-part street a MultiPolygon, each position [longitude, latitude].
    assert east == {"type": "Feature", "properties": {"name": "东街街道"}, "geometry": {
        "type": "Polygon", "coordinates": [[[100.45, 38.93], [100.45, 38.94], [100.46, 38.94],
                                            [100.46, 38.93], [100.45, 38.93]]]}}
    assert west["properties"] == {"name": "西街街道"}
    assert west["geometry"]["type"] == "MultiPolygon"
    assert [len(part[0]) for part in west["geometry"]["coordinates"]] == [5, 5]
    assert names_drawn(client, city.users.liaison) == ["东街街道", "西街街道"]
    assert names_drawn(client, city.users.office_b) == []


def test_an_archive_entry_without_a_name_is_passed_over(client, city):
    client.force_login(city.users.office)
    response = post(client, zipped(GOOD, **{".": b"x", "": b"y"}), follow=True)
    assert "共 2 个轮廓" in response.content.decode()


def test_the_name_comes_from_the_field_the_office_names(client, city):
    table = shapefile_parts([([ring(100.45, 38.93)], ["东街街道", "620102001"])],
                            fields=(("XZQMC", "C", 50), ("XZQDM", "C", 12)), encoding="gbk")
    client.force_login(city.users.office)
    response = post(client, zipped(table))
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        "形状文件的属性表中没有名称字段（name 或 名称）。属性表的字段有：XZQMC、XZQDM；"
        "请在“名称字段”一栏填写其中作为名称的一个，再上传。"]
    response = post(client, zipped(table), name_field="XZQDX")
    assert response.status_code == 400
    assert response.context["form"].errors["name_field"] == [
        "属性表中没有“XZQDX”字段。属性表的字段有：XZQMC、XZQDM。"]
    assert not BaseMapLayer.objects.exists()
    assert post(client, zipped(table), name_field="xzqmc").status_code == 302
    assert names_drawn(client, city.users.office) == ["东街街道"]


def test_a_chinese_field_name_in_gbk_is_found(client, city):
    table = shapefile_parts([([ring(100.45, 38.93)], ["东街街道"])], fields=(("名称", "C", 50),),
                            encoding="gbk")
    client.force_login(city.users.office)
    assert post(client, zipped(table)).status_code == 302
    assert names_drawn(client, city.users.office) == ["东街街道"]


def _bomb():
    """A .dbf that unpacks to 21 MB from a few kilobytes."""
    parts = shapefile_parts(STREET_ROWS)
    return zipped({**parts, ".dbf": parts[".dbf"] + b"\0" * (21 * 1024 * 1024)})


def _climbing():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for ext, data in shapefile_parts(STREET_ROWS).items():
            archive.writestr(f"../../街道{ext}", data)
    return out.getvalue()


GOOD = shapefile_parts(STREET_ROWS)
BAD = [
    ("街道.zip", b"PK\x03\x04 not really a zip", "文件不是有效的 .zip 压缩包。"),
    ("街道.zip", b"just text", "文件不是有效的 .zip 压缩包。"),
    ("街道.shp", GOOD[".shp"], "压缩成一个 .zip 文件后上传"),
    ("街道.zip", zipped({}, **{"说明.txt": b"x"}), "压缩包中没有 .shp 文件"),
    ("街道.zip", zipped({".shp": GOOD[".shp"], ".shx": GOOD[".shx"]}), "压缩包中缺少 街道.dbf"),
    ("街道.zip", zipped(GOOD, **{"社区.shp": GOOD[".shp"]}), "压缩包中有 2 个形状文件"),
    ("街道.zip", _climbing(), "压缩包中的文件路径不正常"),
    ("街道.zip", _bomb(), "压缩包解开后超过 20 MB"),
    ("街道.zip", zipped({**GOOD, ".shp": GOOD[".shp"][:150]}), "形状文件已损坏"),
    ("街道.zip", zipped({**GOOD, ".dbf": b"not a table" * 8}), "形状文件已损坏"),
    ("街道.zip", zipped({**GOOD, ".prj": PROJECTED_PRJ.encode()}),
     "底图坐标系为「CGCS2000_3_Degree_GK_CM_102E」（投影坐标，单位米）"),
    # Gauss-Krüger metres with the .prj left out.
    ("街道.zip", zipped(shapefile_parts([([ring(512000.0, 4310000.0, 1000)], ["东街"])])),
     NOT_DEGREES),
    # Degrees, but latitude and longitude swapped: outside China.
    ("街道.zip", zipped(shapefile_parts([([ring(38.93, 100.45)], ["东街"])])), NOT_DEGREES),
    ("街道.zip", zipped(shapefile_parts([([ring(10.45, 38.93)], ["东街"])])), "不在我国范围内"),
    ("街道.zip", zipped(shapefile_parts([([ring(100.45, 38.93)], ["东街"]),
                                         ([ring(100.47, 38.93)], [""])])),
     "第 2 个轮廓没有名称"),
    ("街道.zip", zipped(shapefile_parts([([100.45, 38.93], ["东街"])],
                                        shape_type=shapefile.POINT)), "形状文件中是点或线"),
    # Bytes FF FF are text in neither UTF-8 nor GBK.
    ("街道.zip", zipped(shapefile_parts([([ring(100.45, 38.93)], ["\xff\xff"])],
                                        encoding="latin-1")), "属性表中的文字无法识别"),
]


@pytest.mark.parametrize("name, raw, message", BAD, ids=[m[:12] for _, _, m in BAD])
def test_bad_shapefiles_answer_400_with_the_reason_and_store_nothing(client, city, name, raw,
                                                                     message):
    client.force_login(city.users.office)
    response = post(client, raw, name=name)
    assert response.status_code == 400
    assert message in " ".join(response.context["form"].errors["file"])
    assert not BaseMapLayer.objects.exists()


def test_only_an_office_uploads_and_a_district_office_for_its_district(client, city):
    raw = zipped(GOOD)
    for user in (city.users.liaison, city.users.inspector, city.users.leader):
        client.force_login(user)
        assert post(client, raw).status_code == 403
    assert not BaseMapLayer.objects.exists()
    client.force_login(city.users.office_b)
    assert post(client, raw).status_code == 302
    assert BaseMapLayer.objects.get().region == city.units.b
    assert names_drawn(client, city.users.liaison) == []
    assert names_drawn(client, city.users.liaison_b) == ["东街街道", "西街街道"]


def test_the_page_says_both_formats_are_accepted(client, city):
    client.force_login(city.users.office)
    page = client.get(reverse("points:basemap")).content.decode()
    assert "GeoJSON 文件或形状文件压缩包（.geojson、.json 或 .zip）" in page
    assert "名称字段" in page


def _circle(positions, height=None):
    """A closed ring of `positions` points around 东街 (with a height for PolygonZ)."""
    import math

    ring = [[100.45 + 0.01 * math.cos(2 * math.pi * i / (positions - 1)),
             38.93 + 0.01 * math.sin(2 * math.pi * i / (positions - 1))]
            for i in range(positions - 1)]
    ring.append(ring[0])
    return [p + [height] for p in ring] if height is not None else ring


def test_the_position_limit_counts_positions_whatever_bytes_each_takes():
    """200,000 positions at most. A PolygonZ takes 32 bytes a position: 110,000 of them
    (3.5 MB of .shp) are within the limit; 2-D positions over it are refused."""
    from points.basemap import MAX_POSITIONS, TOO_MANY_POSITIONS, parse_shapefile_zip

    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGONZ)
    writer.field("NAME", "C", 50)
    writer.polyz([_circle(110_000, height=1500.0)])
    writer.record("东街街道")
    writer.close()
    parts = {".shp": shp.getvalue(), ".shx": shx.getvalue(), ".dbf": dbf.getvalue()}
    assert len(parts[".shp"]) // 16 > MAX_POSITIONS  # more than 16 bytes a position
    (feature,) = parse_shapefile_zip(zipped(parts))["features"]
    assert feature["properties"] == {"name": "东街街道"}
    assert len(feature["geometry"]["coordinates"][0]) == 110_000

    flat = shapefile_parts([([_circle(MAX_POSITIONS + 10)], ["东街街道"])])
    with pytest.raises(ValidationError) as refused:
        parse_shapefile_zip(zipped(flat))
    assert TOO_MANY_POSITIONS in str(refused.value)
