"""The base map's coordinate system, from the shapefile's .prj: the map draws WGS 84 degrees,
so WGS 84 and CGCS2000 degrees (under a metre apart) are accepted; a projected system in
metres, and Beijing 1954 or Xian 1980 degrees (tens to over a hundred metres off, not
transformed here), are refused with the system's name and what to do. A missing or unknown
.prj is read as degrees, and numbers outside them are refused saying so."""

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points.basemap import parse_shapefile_zip
from points.models import BaseMapLayer

from .shapefiles import STREET_ROWS, WGS84_PRJ, ring, shapefile_parts, zipped

# As ArcGIS writes them (ESRI WKT1).
CGCS2000_PRJ = ('GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",DATUM["D_China_2000",'
                'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
                'UNIT["Degree",0.0174532925199433]]')
BEIJING54_PRJ = ('GEOGCS["GCS_Beijing_1954",DATUM["D_Beijing_1954",SPHEROID["Krasovsky_1940",'
                 '6378245.0,298.3]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
XIAN80_PRJ = ('GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",SPHEROID["Xian_1980",6378140.0,'
              '298.257]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
CGCS2000_GK_PRJ = (
    'PROJCS["CGCS2000_3_Degree_GK_CM_105E",GEOGCS["GCS_China_Geodetic_Coordinate_System_2000",'
    'DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
UTM48N_PRJ = (
    'PROJCS["WGS_1984_UTM_Zone_48N",GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",'
    'SPHEROID["WGS_1984",6378137.0,298.257223563]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Transverse_Mercator"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",105.0],PARAMETER["Scale_Factor",0.9996],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
# As GDAL writes EPSG:4214 (OGC WKT1, with TOWGS84) and PROJ writes EPSG:4610 and 4326 (WKT2).
BEIJING54_GDAL_PRJ = (
    'GEOGCS["Beijing 1954",DATUM["Beijing_1954",SPHEROID["Krassowsky 1940",6378245,298.3,'
    'AUTHORITY["EPSG","7024"]],TOWGS84[15.8,-154.4,-82.3,0,0,0,0],AUTHORITY["EPSG","6214"]],'
    'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,'
    'AUTHORITY["EPSG","9122"]],AUTHORITY["EPSG","4214"]]')
XIAN80_WKT2_PRJ = (
    'GEOGCRS["Xian 1980",DATUM["Xian 1980",ELLIPSOID["IAG 1975",6378140,298.257,'
    'LENGTHUNIT["metre",1]]],PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],'
    'CS[ellipsoidal,2],AXIS["geodetic latitude (Lat)",north,ORDER[1],'
    'ANGLEUNIT["degree",0.0174532925199433]],AXIS["geodetic longitude (Lon)",east,ORDER[2],'
    'ANGLEUNIT["degree",0.0174532925199433]],ID["EPSG",4610]]')
WGS84_WKT2_PRJ = (
    'GEOGCRS["WGS 84",ENSEMBLE["World Geodetic System 1984 ensemble",'
    'MEMBER["World Geodetic System 1984 (Transit)"],MEMBER["World Geodetic System 1984 (G730)"],'
    'ELLIPSOID["WGS 84",6378137,298.257223563,LENGTHUNIT["metre",1]],ENSEMBLEACCURACY[2.0]],'
    'PRIMEM["Greenwich",0,ANGLEUNIT["degree",0.0174532925199433]],CS[ellipsoidal,2],'
    'AXIS["geodetic latitude (Lat)",north,ORDER[1],ANGLEUNIT["degree",0.0174532925199433]],'
    'AXIS["geodetic longitude (Lon)",east,ORDER[2],ANGLEUNIT["degree",0.0174532925199433]],'
    'ID["EPSG",4326]]')
# A geographic system this platform has no name for (Tokyo datum, Bessel ellipsoid).
TOKYO_PRJ = ('GEOGCS["GCS_Tokyo",DATUM["D_Tokyo",SPHEROID["Bessel_1841",6377397.155,'
             '299.1528128]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')

XIAN80_GK_PRJ = (
    'PROJCS["Xian_1980_3_Degree_GK_CM_108E",GEOGCS["GCS_Xian_1980",DATUM["D_Xian_1980",'
    'SPHEROID["Xian_1980",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
    'UNIT["Degree",0.0174532925199433]],PROJECTION["Gauss_Kruger"],'
    'PARAMETER["False_Easting",500000.0],PARAMETER["False_Northing",0.0],'
    'PARAMETER["Central_Meridian",108.0],PARAMETER["Scale_Factor",1.0],'
    'PARAMETER["Latitude_Of_Origin",0.0],UNIT["Meter",1.0]]')
# Written by a Chinese desktop GIS: the names in Chinese, saved as GBK after a UTF-8 mark.
XIAN80_CHINESE_PRJ = (b"\xef\xbb\xbf" + 'GEOGCS["西安80坐标系",DATUM["西安1980",'
                      'SPHEROID["IAG_75",6378140.0,298.257]],PRIMEM["Greenwich",0.0],'
                      'UNIT["Degree",0.0174532925199433]]'.encode("gbk"))
CGCS2000_CHINESE_PRJ = ('GEOGCS["2000国家大地坐标系",DATUM["2000国家大地坐标系",'
                        'SPHEROID["CGCS2000",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],'
                        'UNIT["Degree",0.0174532925199433]]').encode("gbk")

ADVICE = ("本平台需要经纬度坐标（WGS84 或 2000 国家大地坐标系 CGCS2000 的经纬度）。"
          "请在 GIS 制图软件中转换为 WGS84 或 CGCS2000 经纬度后重新上传。")
OFFSET = "与 WGS84 相差几十米到一百多米，本平台不做换算"
DEGREES = STREET_ROWS  # 东街, 西街 around 100.4°E 38.9°N
# The same outlines in CGCS2000 3-degree zone metres (easting 500 km at 105°E).
METRES = [([ring(112000.0, 4310000.0, 1000)], ["东街街道"])]


def upload(prj, rows=DEGREES):
    parts = shapefile_parts(rows)
    if prj is not None:
        parts[".prj"] = prj if isinstance(prj, bytes) else prj.encode()
    return parse_shapefile_zip(zipped(parts))


@pytest.mark.parametrize("prj", [WGS84_PRJ, CGCS2000_PRJ, WGS84_WKT2_PRJ, CGCS2000_CHINESE_PRJ,
                                 TOKYO_PRJ, None, b"", b"not a coordinate system"],
                         ids=["wgs84", "cgcs2000", "wgs84-wkt2", "cgcs2000-chinese", "unknown",
                              "no-prj", "empty-prj", "garbage-prj"])
def test_degrees_in_wgs84_or_cgcs2000_or_an_unknown_system_are_drawn_as_they_are(prj):
    east, west = upload(prj)["features"]
    assert east["properties"] == {"name": "东街街道"}
    assert east["geometry"]["coordinates"][0][0] == [100.45, 38.93]
    assert west["properties"] == {"name": "西街街道"}


REFUSED = [
    ("cgcs2000-gk", CGCS2000_GK_PRJ, METRES,
     f"底图坐标系为「CGCS2000_3_Degree_GK_CM_105E」（投影坐标，单位米），{ADVICE}"),
    ("utm48n", UTM48N_PRJ, METRES, f"底图坐标系为「WGS_1984_UTM_Zone_48N」（投影坐标，单位米），{ADVICE}"),
    # A projection of an old datum says so: its degrees would be refused next.
    ("xian80-gk", XIAN80_GK_PRJ, METRES,
     "底图坐标系为「Xian_1980_3_Degree_GK_CM_108E」（投影坐标，单位米，基于西安 1980 坐标系，"
     f"需同时转换到 WGS84 或 CGCS2000），{ADVICE}"),
    # Refused by the .prj even with numbers that would pass for degrees.
    ("xian80-chinese", XIAN80_CHINESE_PRJ, DEGREES,
     f"底图坐标系为「西安80坐标系」（西安 1980 坐标系，{OFFSET}），{ADVICE}"),
    ("beijing54", BEIJING54_PRJ, DEGREES,
     f"底图坐标系为「GCS_Beijing_1954」（北京 1954 坐标系，{OFFSET}），{ADVICE}"),
    ("beijing54-gdal", BEIJING54_GDAL_PRJ, DEGREES,
     f"底图坐标系为「Beijing 1954」（北京 1954 坐标系，{OFFSET}），{ADVICE}"),
    ("xian80", XIAN80_PRJ, DEGREES,
     f"底图坐标系为「GCS_Xian_1980」（西安 1980 坐标系，{OFFSET}），{ADVICE}"),
    ("xian80-wkt2", XIAN80_WKT2_PRJ, DEGREES,
     f"底图坐标系为「Xian 1980」（西安 1980 坐标系，{OFFSET}），{ADVICE}"),
    # Metres with the .prj left out, or an unknown one: read as degrees, and refused.
    ("no-prj-metres", None, METRES,
     "形状文件的坐标不是经纬度（压缩包中没有 .prj 坐标系文件，按经纬度读取）：如 112000, 4310000，"
     "经度应在 -180 到 180 之间、纬度在 -90 到 90 之间，像是投影坐标（米）或经纬度前后颠倒。" + ADVICE),
    ("unknown-metres", TOKYO_PRJ, METRES,
     "形状文件的坐标不是经纬度（本平台不认识 .prj 中的坐标系「GCS_Tokyo」，按经纬度读取）：如 "
     "112000, 4310000，经度应在 -180 到 180 之间、纬度在 -90 到 90 之间，像是投影坐标（米）或经纬度"
     "前后颠倒。" + ADVICE),
    ("garbage-metres", b"not a coordinate system", METRES,
     "形状文件的坐标不是经纬度（压缩包中的 .prj 坐标系文件无法识别，按经纬度读取）：如 112000, "
     "4310000，"),
]


@pytest.mark.parametrize("prj, rows, message", [r[1:] for r in REFUSED],
                         ids=[r[0] for r in REFUSED])
def test_other_systems_are_refused_naming_the_system_and_what_to_do(prj, rows, message):
    with pytest.raises(ValidationError) as refused:
        upload(prj, rows)
    (said,) = refused.value.message_dict["file"]
    assert said.startswith(message)


@pytest.mark.django_db
def test_the_upload_page_answers_400_with_the_reason_and_keeps_the_layer_it_had(client, city):
    """A Beijing 1954 file sent over a stored layer: 400 with the reason on the file field,
    the layer as it was; the same outlines with a CGCS2000 .prj then replace it."""
    client.force_login(city.users.office)

    def post(prj, rows):
        raw = zipped({**shapefile_parts(rows), ".prj": prj.encode()})
        return client.post(reverse("points:basemap"), {
            "kind": "street", "file": SimpleUploadedFile("街道.zip", raw, "application/zip")})

    assert post(WGS84_PRJ, [([ring(100.45, 38.93)], ["东街街道"])]).status_code == 302
    response = post(BEIJING54_PRJ, DEGREES)
    assert response.status_code == 400
    assert response.context["form"].errors["file"] == [
        f"底图坐标系为「GCS_Beijing_1954」（北京 1954 坐标系，{OFFSET}），{ADVICE}"]
    assert "底图坐标系为「GCS_Beijing_1954」" in response.content.decode()
    response = post(CGCS2000_GK_PRJ, METRES)
    assert response.status_code == 400
    assert "「CGCS2000_3_Degree_GK_CM_105E」（投影坐标，单位米）" in response.content.decode()
    layer = BaseMapLayer.objects.get()
    assert [f["properties"]["name"] for f in layer.features["features"]] == ["东街街道"]
    assert post(CGCS2000_PRJ, DEGREES).status_code == 302
    layer.refresh_from_db()
    assert layer.feature_count == 2


@pytest.mark.django_db
@pytest.mark.parametrize("prj, said", [
    (WGS84_PRJ, None),
    (None, "压缩包中没有 .prj 坐标系文件，按经纬度读取，请在下面的地图上核对位置。"),
    (TOKYO_PRJ, "本平台不认识 .prj 中的坐标系「GCS_Tokyo」，按经纬度读取，请在下面的地图上核对位置。"),
], ids=["wgs84", "no-prj", "unknown"])
def test_a_saved_layer_says_when_it_was_read_as_degrees_by_assumption(client, city, prj, said):
    parts = shapefile_parts(DEGREES)
    if prj is not None:
        parts[".prj"] = prj.encode()
    client.force_login(city.users.office)
    upload = SimpleUploadedFile("街道.zip", zipped(parts), content_type="application/zip")
    page = client.post(reverse("points:basemap"), {"kind": "street", "file": upload},
                       follow=True).content.decode()
    assert "已保存城关区的街道（镇）界，共 2 个轮廓" in page
    assert BaseMapLayer.objects.get().feature_count == 2
    if said is None:
        assert "按经纬度读取" not in page
    else:
        assert said in page
