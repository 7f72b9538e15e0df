"""The offline base map: the office uploads its region's outlines as GeoJSON once; the maps
read them as JSON. A district's office manages its district's layers only."""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from points.models import BaseMapLayer

pytestmark = pytest.mark.django_db


def square(lng, lat, size=0.01):
    return [[[lng, lat], [lng + size, lat], [lng + size, lat + size], [lng, lat + size],
             [lng, lat]]]


def geojson(*features):
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": name}, "geometry": geometry}
        for name, geometry in features]}


def upload(data, name="streets.geojson"):
    raw = data if isinstance(data, bytes) else json.dumps(data, ensure_ascii=False).encode()
    return SimpleUploadedFile(name, raw, content_type="application/geo+json")


STREETS = geojson(("东街街道", {"type": "Polygon", "coordinates": square(100.45, 38.93)}),
                  ("西街街道", {"type": "MultiPolygon",
                               "coordinates": [square(100.43, 38.93), square(100.40, 38.90)]}))


def test_office_uploads_a_layer_and_the_maps_read_it(client, city):
    client.force_login(city.users.office)
    response = client.post(reverse("points:basemap"), {"kind": "street", "file": upload(STREETS)})
    assert response.status_code == 302
    layer = BaseMapLayer.objects.get()
    assert (layer.region, layer.kind, layer.feature_count) == (city.units.a, "street", 2)
    assert [f["properties"]["name"] for f in layer.features["features"]] == ["东街街道", "西街街道"]
    page = client.get(reverse("points:basemap"))
    assert "已保存城关区的街道（镇）界，共 2 个轮廓" in page.content.decode()

    # A second upload of the same layer replaces it.
    one = geojson(("东街街道", {"type": "Polygon", "coordinates": square(100.45, 38.93)}))
    client.post(reverse("points:basemap"), {"kind": "street", "file": upload(one)})
    assert BaseMapLayer.objects.get().feature_count == 1

    # Everybody of the district draws it; the other district does not.
    for user, seen in [(city.users.liaison, 1), (city.users.inspector, 1),
                       (city.users.office_b, 0)]:
        client.force_login(user)
        data = client.get(reverse("points:basemap-data")).json()
        assert len(data["layers"]) == seen, user
    client.force_login(city.users.liaison)
    layer_json = client.get(reverse("points:basemap-data")).json()["layers"][0]
    assert layer_json["kind"] == "street"
    assert layer_json["features"]["features"][0]["geometry"]["type"] == "Polygon"


def test_city_layers_are_drawn_in_every_district(client, city, city_office):
    districts = geojson(("城关区", {"type": "Polygon", "coordinates": square(100.4, 38.9, 0.1)}),
                        ("高新区", {"type": "Polygon", "coordinates": square(100.6, 38.9, 0.1)}))
    client.force_login(city_office)
    assert client.post(reverse("points:basemap"),
                       {"kind": "district", "file": upload(districts)}).status_code == 302
    assert BaseMapLayer.objects.get().region == city.units.root
    for user in (city.users.office, city.users.liaison_b):
        client.force_login(user)
        assert [row["kind"] for row in client.get(reverse("points:basemap-data")).json()["layers"]] \
            == ["district"]
    # …but a district's office does not manage the city's layer.
    client.force_login(city.users.office)
    layer = BaseMapLayer.objects.get()
    assert client.post(reverse("points:basemap-delete", args=[layer.pk])).status_code == 404
    assert BaseMapLayer.objects.exists()


@pytest.mark.parametrize("data, message", [
    (b"not json at all", "不是有效的 GeoJSON"),
    ({"type": "Feature"}, "要素集合"),
    ({"type": "FeatureCollection", "features": []}, "没有任何轮廓"),
    (geojson(("", {"type": "Polygon", "coordinates": square(100.45, 38.93)})), "没有名称"),
    (geojson(("路", {"type": "LineString", "coordinates": [[100.4, 38.9], [100.5, 38.9]]})),
     "不是面"),
    (geojson(("东街", {"type": "Polygon", "coordinates": square(38.93, 100.45)})), "不在我国范围内"),
    (geojson(("东街", {"type": "Polygon",
                      "coordinates": [[[512000.0, 4310000.0], [513000.0, 4310000.0],
                                       [513000.0, 4311000.0], [512000.0, 4310000.0]]]})),
     "不要用投影坐标"),
    (geojson(("东街", {"type": "Polygon", "coordinates": [[[100.4, 38.9], [100.5, 38.9]]]})),
     "少于 4 个点"),
    (geojson(("东街", {"type": "Polygon", "coordinates": [[["a", 38.9]] * 4]})), "坐标格式不对"),
])
def test_bad_files_answer_400_with_the_reason_on_the_file_field(client, city, data, message):
    client.force_login(city.users.office)
    response = client.post(reverse("points:basemap"), {"kind": "street", "file": upload(data)})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert message in " ".join(errors["file"]), errors
    assert not BaseMapLayer.objects.exists()


def test_too_large_and_missing_fields(client, city, settings):
    client.force_login(city.users.office)
    big = upload(b" " * (5 * 1024 * 1024 + 1))
    response = client.post(reverse("points:basemap"), {"kind": "street", "file": big})
    assert response.status_code == 400
    assert "不能超过 5 MB" in " ".join(response.context["form"].errors["file"])
    response = client.post(reverse("points:basemap"), {"kind": "river"})
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "请选择图层" in errors["kind"][0]
    assert errors["file"] == ["请选择 GeoJSON 文件或形状文件的 .zip 压缩包。"]


def test_scope_other_roles_403_other_districts_layer_404(client, city):
    client.force_login(city.users.office_b)
    client.post(reverse("points:basemap"), {"kind": "street", "file": upload(STREETS)})
    layer = BaseMapLayer.objects.get()
    assert layer.region == city.units.b
    for user in (city.users.liaison, city.users.inspector, city.users.leader):
        client.force_login(user)
        assert client.get(reverse("points:basemap")).status_code == 403
        assert client.post(reverse("points:basemap"),
                           {"kind": "street", "file": upload(STREETS)}).status_code == 403
    client.force_login(city.users.office)
    assert client.post(reverse("points:basemap-delete", args=[layer.pk])).status_code == 404
    assert "高新区" not in client.get(reverse("points:basemap")).content.decode().split("已有图层")[1]
    client.force_login(city.users.office_b)
    asked = client.post(reverse("points:basemap-delete", args=[layer.pk]))
    assert asked.status_code == 200 and "删除：高新区的街道（镇）界" in asked.content.decode()
    assert BaseMapLayer.objects.exists()  # asked first, nothing deleted
    response = client.post(reverse("points:basemap-delete", args=[layer.pk]),
                           {"confirmed": "1"}, follow=True)
    assert "已删除：高新区的街道（镇）界" in response.content.decode()
    assert not BaseMapLayer.objects.exists()


def _with_crs(name):
    return {**STREETS, "crs": {"type": "name", "properties": {"name": name}}}


@pytest.mark.parametrize("name", ["urn:ogc:def:crs:EPSG::4490", "EPSG:4326",
                                  "urn:ogc:def:crs:OGC:1.3:CRS84", "EPSG:4301"],
                         ids=["cgcs2000", "wgs84", "crs84", "unknown-code"])
def test_a_geojson_crs_in_degrees_or_unknown_is_drawn(client, city, name):
    client.force_login(city.users.office)
    response = client.post(reverse("points:basemap"),
                           {"kind": "street", "file": upload(_with_crs(name))})
    assert response.status_code == 302
    assert BaseMapLayer.objects.get().feature_count == 2


@pytest.mark.parametrize("name, message", [
    ("urn:ogc:def:crs:EPSG::4214", "底图坐标系为 EPSG:4214（北京 1954 坐标系，与 WGS84 相差"),
    ("urn:ogc:def:crs:EPSG:6.3:4214", "底图坐标系为 EPSG:4214（北京 1954 坐标系，"),
    ("EPSG:4610", "底图坐标系为 EPSG:4610（西安 1980 坐标系，"),
    ("urn:ogc:def:crs:EPSG::4545", "底图坐标系为 EPSG:4545（CGCS2000 高斯-克吕格投影，单位米）"),
    ("EPSG:2383", "底图坐标系为 EPSG:2383（西安 1980 高斯-克吕格投影，单位米）"),
    ("EPSG:2435", "底图坐标系为 EPSG:2435（北京 1954 高斯-克吕格投影，单位米）"),
    ("EPSG:32648", "底图坐标系为 EPSG:32648（WGS84 UTM 投影，单位米）"),
])
def test_a_geojson_crs_the_map_would_misplace_is_refused_by_name(client, city, name, message):
    """Refused by the crs member even with numbers that pass for degrees."""
    client.force_login(city.users.office)
    response = client.post(reverse("points:basemap"),
                           {"kind": "street", "file": upload(_with_crs(name))})
    assert response.status_code == 400
    (said,) = response.context["form"].errors["file"]
    assert said.startswith(message) and said.endswith("经纬度后重新上传。"), said
    assert not BaseMapLayer.objects.exists()
