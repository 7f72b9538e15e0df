"""The offline base map: outlines uploaded once as GeoJSON, checked here, drawn by static/js/map.js
under the points and issues when there is no tile server."""

import json
import math

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Unit

from .models import BaseMapLayer

MAX_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 3000
MAX_POSITIONS = 200_000
# China with a margin (WGS-84 / CGCS2000 degrees): a file in projected metres, or with
# latitude and longitude swapped, falls outside and is refused.
LNG_RANGE = (70.0, 140.0)
LAT_RANGE = (0.0, 56.0)
NAME_KEYS = ("name", "NAME", "名称", "Name")
DIGITS = 6  # about 0.1 m; more only makes the file larger


def _fail(message):
    raise ValidationError({"file": message})


def _position(pos, where):
    if (not isinstance(pos, list) or len(pos) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos[:2])
            or not all(math.isfinite(v) for v in pos[:2])):
        _fail(f"{where}的坐标格式不对，每个点应为 [经度, 纬度] 两个数字。")
    lng, lat = pos[0], pos[1]
    if not (LNG_RANGE[0] <= lng <= LNG_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        _fail(f"{where}有坐标 [{lng}, {lat}] 不在我国范围内：请使用经纬度坐标（WGS-84 或 "
              "国家 2000 坐标系，经度在前），不要用投影坐标（米）。")
    return [round(lng, DIGITS), round(lat, DIGITS)]


def _polygon(rings, where, counter):
    if not isinstance(rings, list) or not rings:
        _fail(f"{where}的多边形没有坐标。")
    out = []
    for ring in rings:
        if not isinstance(ring, list) or len(ring) < 4:
            _fail(f"{where}的多边形边界少于 4 个点，不是闭合的轮廓。")
        counter[0] += len(ring)
        if counter[0] > MAX_POSITIONS:
            _fail(f"文件的坐标点超过 {MAX_POSITIONS} 个，请先在制图软件中简化轮廓再上传。")
        out.append([_position(p, where) for p in ring])
    return out


def parse_geojson(raw):
    """Check an uploaded file and return the normalised FeatureCollection (only each
    feature's name and geometry kept). ValidationError with a Chinese message on `file`."""
    if len(raw) > MAX_BYTES:
        _fail(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB，请先简化轮廓再上传。")
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        _fail("文件不是有效的 GeoJSON（应为 UTF-8 编码的 JSON 文本）。")
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        _fail("文件应为 GeoJSON 的要素集合（一个文件含多个轮廓）。")
    features = data.get("features")
    if not isinstance(features, list) or not features:
        _fail("文件中没有任何轮廓。")
    if len(features) > MAX_FEATURES:
        _fail(f"一个图层最多 {MAX_FEATURES} 个轮廓，本文件有 {len(features)} 个。")
    counter = [0]
    out = []
    for i, feature in enumerate(features, start=1):
        where = f"第 {i} 个轮廓"
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            _fail(f"{where}不是 GeoJSON 要素。")
        props = feature.get("properties") or {}
        name = next((str(props[k]).strip() for k in NAME_KEYS
                     if isinstance(props, dict) and props.get(k) not in (None, "")), "")
        if not name:
            _fail(f"{where}没有名称：每个轮廓的属性中需要“名称”字段（name 或 名称）。")
        where = f"轮廓“{name[:30]}”"
        geometry = feature.get("geometry")
        kind = geometry.get("type") if isinstance(geometry, dict) else None
        coords = geometry.get("coordinates") if isinstance(geometry, dict) else None
        if kind == "Polygon":
            shape = _polygon(coords, where, counter)
        elif kind == "MultiPolygon":
            if not isinstance(coords, list) or not coords:
                _fail(f"{where}的多边形没有坐标。")
            shape = [_polygon(part, where, counter) for part in coords]
        else:
            _fail(f"{where}不是面（多边形），点和线不能作为区域轮廓。")
        out.append({"type": "Feature", "properties": {"name": name[:100]},
                    "geometry": {"type": kind, "coordinates": shape}})
    return {"type": "FeatureCollection", "features": out}


def region_of(user):
    """The region (city or district) whose layers `user` manages."""
    if user.unit is not None:
        return Unit.objects.get(path=user.unit.region_path)
    return Unit.objects.filter(kind=Unit.Kind.CITY, parent=None).order_by("path").first()


@transaction.atomic
def basemap_upload(*, user, kind, upload):
    """Store (or replace) the `kind` layer of the user's region from an uploaded file."""
    if not (user.is_superuser or user.is_office):
        raise PermissionDenied("只有创城办可以上传底图。")
    if kind not in BaseMapLayer.Kind.values:
        raise ValidationError({"kind": "请选择图层：区县界、街道（镇）界或社区（村）界。"})
    if upload is None:
        raise ValidationError({"file": "请选择 GeoJSON 文件。"})
    if upload.size > MAX_BYTES:
        _fail(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB，请先简化轮廓再上传。")
    collection = parse_geojson(upload.read())
    region = region_of(user)
    if region is None:
        raise PermissionDenied("您的账号没有所属区域，不能上传底图。")
    layer, _ = BaseMapLayer.objects.select_for_update().get_or_create(region=region, kind=kind)
    layer.features = collection
    layer.feature_count = len(collection["features"])
    layer.file_name = (upload.name or "")[:200]
    layer.uploaded_by = user
    layer.save()
    return layer


def basemap_delete(*, user, pk):
    layer = BaseMapLayer.objects.get_visible(user, pk)
    if not (user.is_superuser or user.is_office):
        raise PermissionDenied("只有创城办可以删除底图。")
    layer.delete()
    return layer


def basemap_json(user):
    """Every layer the viewer's maps draw, lowest first (districts under streets under
    communities)."""
    order = {BaseMapLayer.Kind.DISTRICT: 0, BaseMapLayer.Kind.STREET: 1,
             BaseMapLayer.Kind.COMMUNITY: 2}
    layers = sorted(BaseMapLayer.objects.for_maps(user).values("kind", "features"),
                    key=lambda row: order.get(row["kind"], 9))
    return {"layers": layers}
