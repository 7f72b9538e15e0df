"""The offline base map: outlines uploaded once as GeoJSON, or as a shapefile in a .zip that is
converted here to the same GeoJSON, checked here, drawn by static/js/map.js under the points and
issues when there is no tile server."""

import codecs
import io
import json
import math
import re
import struct
import warnings
import zipfile
import zlib
from pathlib import PurePosixPath

import shapefile
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from accounts.models import Unit

from .models import BaseMapLayer

MAX_BYTES = 5 * 1024 * 1024
MAX_FEATURES = 3000
MAX_POSITIONS = 200_000
TOO_MANY_POSITIONS = f"文件的坐标点超过 {MAX_POSITIONS} 个，请先在制图软件中简化轮廓再上传。"
# China with a margin (WGS-84 / CGCS2000 degrees): a file in projected metres, or with
# latitude and longitude swapped, falls outside and is refused.
LNG_RANGE = (70.0, 140.0)
LAT_RANGE = (0.0, 56.0)
NAME_KEYS = ("name", "NAME", "名称", "Name")
FILE_REQUIRED = "请选择 GeoJSON 文件或形状文件的 .zip 压缩包。"
DIGITS = 6  # about 0.1 m; more only makes the file larger


def _fail(message):
    raise ValidationError({"file": message})


def _position(pos, where):
    if (not isinstance(pos, (list, tuple)) or len(pos) < 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in pos[:2])
            or not all(math.isfinite(v) for v in pos[:2])):
        _fail(f"{where}的坐标格式不对，每个点应为 [经度, 纬度] 两个数字。")
    lng, lat = pos[0], pos[1]
    if not (LNG_RANGE[0] <= lng <= LNG_RANGE[1] and LAT_RANGE[0] <= lat <= LAT_RANGE[1]):
        _fail(f"{where}有坐标 [{lng}, {lat}] 不在我国范围内：请使用经纬度坐标（WGS-84 或 "
              "国家 2000 坐标系，经度在前），不要用投影坐标（米）。")
    return [round(lng, DIGITS), round(lat, DIGITS)]


def _polygon(rings, where, counter):
    if not isinstance(rings, (list, tuple)) or not rings:
        _fail(f"{where}的多边形没有坐标。")
    out = []
    for ring in rings:
        if not isinstance(ring, (list, tuple)) or len(ring) < 4:
            _fail(f"{where}的多边形边界少于 4 个点，不是闭合的轮廓。")
        counter[0] += len(ring)
        if counter[0] > MAX_POSITIONS:
            _fail(TOO_MANY_POSITIONS)
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
    check_geojson_crs(data.get("crs"))
    return normalise_collection(data)


# The EPSG codes an older GeoJSON's "crs" member names, as Chinese GIS software writes them:
# WGS 84 and CGCS2000 degrees are drawn; Beijing 1954 and Xian 1980 degrees, and the
# Gauss-Krüger zones of CGCS2000, Xian 1980 and Beijing 1954 (metres), are refused.
EPSG_DEGREES = {4326, 4490}
EPSG_OLD_DEGREES = {4214: "北京 1954 坐标系", 4555: "新北京 1954 坐标系", 4610: "西安 1980 坐标系"}
EPSG_PROJECTED = [(4491, 4554, "CGCS2000 高斯-克吕格投影"), (2327, 2390, "西安 1980 高斯-克吕格投影"),
                  (2401, 2442, "北京 1954 高斯-克吕格投影"), (21413, 21483, "北京 1954 高斯-克吕格投影"),
                  (32601, 32660, "WGS84 UTM 投影"), (3857, 3857, "Web 墨卡托投影")]


def check_geojson_crs(crs):
    """Refuse a GeoJSON whose "crs" member (GeoJSON 2008; RFC 7946 dropped it) names a system
    the map would draw in the wrong place. No member, or one naming no EPSG code or an unknown
    one: read as WGS 84 degrees, as RFC 7946 says."""
    name = crs.get("properties", {}).get("name", "") if isinstance(crs, dict) and isinstance(
        crs.get("properties"), dict) else ""
    # EPSG:4214, urn:ogc:def:crs:EPSG::4214 and the versioned urn:ogc:def:crs:EPSG:6.3:4214
    match = re.search(r"EPSG:(?:[\d.]*:)?(\d+)", str(name), re.I)
    if match is None:
        return
    code = int(match.group(1))
    if code in EPSG_DEGREES:
        return
    if code in EPSG_OLD_DEGREES:
        _fail(f"底图坐标系为 EPSG:{code}（{EPSG_OLD_DEGREES[code]}，与 WGS84 相差几十米到一百多米，"
              f"本平台不做换算），{LONLAT_ADVICE}")
    for low, high, label in EPSG_PROJECTED:
        if low <= code <= high:
            _fail(f"底图坐标系为 EPSG:{code}（{label}，单位米），{LONLAT_ADVICE}")


def normalise_collection(data):
    """The checks shared by both formats, on a parsed FeatureCollection: at least one and at
    most MAX_FEATURES outlines, each a named polygon in degrees within China."""
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
            if not isinstance(coords, (list, tuple)) or not coords:
                _fail(f"{where}的多边形没有坐标。")
            shape = [_polygon(part, where, counter) for part in coords]
        else:
            _fail(f"{where}不是面（多边形），点和线不能作为区域轮廓。")
        out.append({"type": "Feature", "properties": {"name": name[:100]},
                    "geometry": {"type": kind, "coordinates": shape}})
    return {"type": "FeatureCollection", "features": out}


SHAPE_MAX_UNPACKED = 20 * 1024 * 1024  # what the .zip's shapefile may unpack to
SHAPE_POLYGONS = (shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM)
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
BROKEN_SHAPEFILE = ("形状文件已损坏，无法读取：请确认 .shp、.shx、.dbf 来自同一个图层，"
                    "在制图软件中重新导出后再上传。")
# pyshp raises these on a truncated or inconsistent .shp/.shx/.dbf.
SHAPEFILE_ERRORS = (shapefile.ShapefileException, shapefile.GeoJSON_Error,
                    shapefile.RingSamplingError, struct.error, ValueError, LookupError,
                    TypeError, EOFError, OSError)
ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, NotImplementedError,
              RuntimeError, EOFError, OSError, ValueError)


def parse_upload(name, raw, *, name_field="", notes=None):
    """The normalised FeatureCollection of an uploaded file: a .zip (by its content or its
    name) is read as a shapefile, anything else as GeoJSON. `notes` (a list) gets what was
    assumed in reading it, for the message that says it was saved."""
    lower = (name or "").lower()
    if raw[:4] in ZIP_MAGIC or lower.endswith(".zip"):
        return parse_shapefile_zip(raw, name_field=name_field, notes=notes)
    if lower.endswith((".shp", ".shx", ".dbf", ".prj", ".cpg")):
        _fail("形状文件请把同名的 .shp、.shx、.dbf 文件（有 .prj、.cpg 也一起）压缩成一个 "
              ".zip 文件后上传。")
    return parse_geojson(raw)


def _zip_members(raw):
    """{".shp": bytes, ".dbf": bytes, ...} of the one shapefile in the archive. Nothing is
    unpacked to disk; a member whose path climbs out (..) or starts at the root is refused all
    the same, and reading stops at SHAPE_MAX_UNPACKED whatever sizes the archive claims."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except ZIP_ERRORS:
        _fail("文件不是有效的 .zip 压缩包。")
    by_path = {}
    for info in members:
        name = info.filename.replace("\\", "/")
        path = PurePosixPath(name)
        if name.startswith("/") or ".." in path.parts or ":" in name:
            _fail("压缩包中的文件路径不正常（含“..”或从根目录开始），请重新压缩后再上传。")
        if info.is_dir() or not path.parts or path.parts[0] == "__MACOSX" \
                or path.name.startswith("._"):
            continue
        by_path[name.lower()] = info
    shps = sorted(p for p in by_path if p.endswith(".shp"))
    if not shps:
        _fail("压缩包中没有 .shp 文件：请把形状文件的 .shp、.shx、.dbf 文件一起压缩后上传。")
    if len(shps) > 1:
        _fail(f"压缩包中有 {len(shps)} 个形状文件（{'、'.join(PurePosixPath(p).name for p in shps)}），"
              "一次请只上传一个图层。")
    stem = shps[0][:-4]
    infos = {ext: by_path[stem + ext] for ext in (".shp", ".shx", ".dbf", ".prj", ".cpg")
             if stem + ext in by_path}
    if ".dbf" not in infos:
        _fail(f"压缩包中缺少 {PurePosixPath(stem).name}.dbf（属性表，轮廓的名称在其中），"
              "请与 .shp 一起压缩后上传。")
    too_big = (f"压缩包解开后超过 {SHAPE_MAX_UNPACKED // 1024 // 1024} MB，"
               "请先在制图软件中简化轮廓再上传。")
    if sum(info.file_size for info in infos.values()) > SHAPE_MAX_UNPACKED:
        _fail(too_big)
    parts, left = {}, SHAPE_MAX_UNPACKED
    for ext, info in infos.items():
        if info.flag_bits & 0x1:
            _fail("压缩包设有密码，请去掉密码后再上传。")
        try:
            with archive.open(info) as member:
                parts[ext] = member.read(left + 1)
        except ZIP_ERRORS:
            _fail("压缩包已损坏，无法解开，请重新压缩后再上传。")
        left -= len(parts[ext])
        if left < 0:
            _fail(too_big)
    return parts


# The .prj's coordinate system, read from its WKT (ESRI's WKT1, OGC WKT1 or WKT2) without a
# projection library: only which kind of system it is, its name, its datum and ellipsoid.
PROJECTED_KEYS = {"PROJCS", "PROJCRS", "PROJECTEDCRS"}
GEOGRAPHIC_KEYS = {"GEOGCS", "GEOGCRS", "GEOGRAPHICCRS", "GEODCRS", "GEODETICCRS"}
GEOCENTRIC_KEYS = {"GEOCCS"}
DATUM_KEYS = {"DATUM", "GEODETICDATUM", "TRF", "ENSEMBLE"}
SPHEROID_KEYS = {"SPHEROID", "ELLIPSOID"}
METRE_NAMES = {"METER", "METRE", "METERS", "METRES", "M"}
# A keyword, its bracket and the quoted name it opens with ("" inside a name is a quote).
WKT_NODE = re.compile(r'([A-Za-z_]\w*)\s*[\[(]\s*"((?:[^"]|"")*)"')
# Datums and ellipsoids as _squashed writes them. WGS 84 and CGCS2000 differ by well under a
# metre: both are accepted. Beijing 1954 (Krasovsky ellipsoid) and Xian 1980 (IAG 1975) lie
# tens to over a hundred metres off and are not transformed here: refused.
SAME_AS_WGS84 = ("WGS1984", "WGS84", "WORLDGEODETICSYSTEM1984", "CHINA2000", "CGCS2000",
                 "CHINAGEODETICCOORDINATESYSTEM2000", "2000国家", "国家2000")
BEIJING_1954 = ("BEIJING", "KRASOVSKY", "KRASSOWSKY", "KRASSOVSKY", "北京")
XIAN_1980 = ("XIAN", "IAG1975", "IAG75", "西安")
LONLAT_ADVICE = ("本平台需要经纬度坐标（WGS84 或 2000 国家大地坐标系 CGCS2000 的经纬度）。"
                 "请在 GIS 制图软件中转换为 WGS84 或 CGCS2000 经纬度后重新上传。")
UTF8_BOM = b"\xef\xbb\xbf"


def _squashed(text):
    """`text` upper-cased with everything but letters, digits and Chinese characters dropped,
    so "Xi'an 1980", "D_Xian_1980" and "Xian_1980" all read XIAN1980, "西安80" 西安80."""
    return re.sub(r"[^A-Z0-9\u4e00-\u9fff]", "", text.upper())


def _prj_text(prj):
    """The .prj's text: UTF-8 or GBK (a Chinese name), else a character a byte; a UTF-8
    byte-order mark is dropped first, whatever follows it."""
    prj = prj.removeprefix(UTF8_BOM)
    for encoding in ("utf-8", "gbk", "latin-1"):
        try:
            return prj.decode(encoding)
        except UnicodeDecodeError:
            continue


def prj_system(prj):
    """What a .prj's WKT says: {"kind": "projected" | "geographic" | "geocentric", "name",
    "datum", "spheroid", "metres"}, or None for an empty .prj or one whose text names no
    coordinate system. The first system keyword in the text decides, as a compound or bound
    system holds its horizontal one first; its datum and ellipsoid are the first after it."""
    text = _prj_text(prj or b"")
    nodes = [(key.upper(), name.replace('""', '"').strip())
             for key, name in WKT_NODE.findall(text)]
    kinds = {**dict.fromkeys(PROJECTED_KEYS, "projected"),
             **dict.fromkeys(GEOGRAPHIC_KEYS, "geographic"),
             **dict.fromkeys(GEOCENTRIC_KEYS, "geocentric")}
    start = next((i for i, (key, _) in enumerate(nodes) if key in kinds), None)
    if start is None:
        return None
    key, name = nodes[start]
    kind = kinds[key]
    if kind == "geographic" and re.search(r"\bCS\s*[\[(]\s*Cartesian", text, re.I):
        kind = "geocentric"  # a WKT2 GEODCRS in X, Y, Z metres
    rest = nodes[start + 1:]
    return {"kind": kind, "name": name[:80],
            "datum": next((n for k, n in rest if k in DATUM_KEYS), ""),
            "spheroid": next((n for k, n in rest if k in SPHEROID_KEYS), ""),
            "metres": any(k in ("UNIT", "LENGTHUNIT") and _squashed(n) in METRE_NAMES
                          for k, n in rest)}


def check_prj(prj):
    """Refuse a .prj whose coordinates the map would draw in the wrong place: a projected or
    geocentric system (metres), or Beijing 1954 or Xian 1980 degrees. WGS 84 and CGCS2000
    degrees pass (returns ""); so do a missing or unreadable .prj and an unknown geographic
    system, whose numbers are then taken as WGS 84 degrees and must fall within longitude and
    latitude: returned is what was assumed, for the message should they not."""
    system = prj_system(prj)
    if system is None:
        return ("压缩包中没有 .prj 坐标系文件，按经纬度读取" if prj is None
                else "压缩包中的 .prj 坐标系文件无法识别，按经纬度读取")
    name = system["name"] or "未命名"
    datum = _squashed(system["datum"] + " " + system["name"])
    spheroid = _squashed(system["spheroid"])
    old = None if any(w in datum for w in SAME_AS_WGS84) else next(
        (label for words, label in ((XIAN_1980, "西安 1980 坐标系"),
                                    (BEIJING_1954, "北京 1954 坐标系"))
         if any(w in datum or w in spheroid for w in words)), None)
    if system["kind"] in ("projected", "geocentric"):
        what = "投影坐标" + ("，单位米" if system["metres"] else "") \
            if system["kind"] == "projected" else "地心直角坐标，单位米"
        # Degrees of the same old datum would be refused next: say so now.
        based = f"，基于{old}，需同时转换到 WGS84 或 CGCS2000" if old else ""
        _fail(f"底图坐标系为「{name}」（{what}{based}），{LONLAT_ADVICE}")
    if old is None and any(w in datum for w in SAME_AS_WGS84):
        return ""
    if old:
        _fail(f"底图坐标系为「{name}」（{old}，与 WGS84 相差几十米到一百多米，"
              f"本平台不做换算），{LONLAT_ADVICE}")
    return f"本平台不认识 .prj 中的坐标系「{name}」，按经纬度读取"


def _number(value):
    """A coordinate as a clerk reads it: 512000, 38.93 (not 5.12e+05)."""
    return f"{value:.6f}".rstrip("0").rstrip(".")


def not_degrees(bbox, assumed):
    """The refusal of numbers outside longitude and latitude, with the corner that shows it
    and what was assumed of the coordinate system."""
    x0, y0 = bbox[:2]
    assumed = f"（{assumed}）" if assumed else ""
    return (f"形状文件的坐标不是经纬度{assumed}：如 {_number(x0)}, {_number(y0)}，经度应在 -180 到 "
            f"180 之间、纬度在 -90 到 90 之间，像是投影坐标（米）或经纬度前后颠倒。{LONLAT_ADVICE}")


def _cpg_encoding(cpg):
    """The codec a .cpg names ("UTF-8", "GBK", "936", "ANSI 936", "65001"); None when there is
    no .cpg or it names nothing Python knows."""
    text = re.sub(r"^ansi\s*", "", (cpg or b"").decode("ascii", "ignore").strip().lower())
    if text.isdigit():
        text = f"cp{text}"
    try:
        codec = codecs.lookup(text) if text else None
    except LookupError:
        return None
    # Only a text encoding that keeps ASCII as it is (not base64, rot13, UTF-16 …).
    if codec is None or not codec._is_text_encoding or "abc".encode(codec.name) != b"abc":
        return None
    return codec.name


def _shapefile_table(parts, assumed=""):
    """(field names, [(GeoJSON geometry or None, record values)]) with the text still as
    pyshp read it in latin-1, one character a byte, to be decoded once the encoding is known.
    `assumed` is what the refusal of numbers outside degrees says was taken of the .prj."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            reader = shapefile.Reader(
                shp=io.BytesIO(parts[".shp"]), dbf=io.BytesIO(parts[".dbf"]),
                shx=io.BytesIO(parts[".shx"]) if ".shx" in parts else None, encoding="latin-1")
            if reader.shapeType == shapefile.NULL:
                _fail(BROKEN_SHAPEFILE)
            if reader.shapeType not in SHAPE_POLYGONS:
                _fail("形状文件中是点或线，不能作为区域轮廓：请上传面（多边形）图层。")
            # Refused before any geometry is built: beyond the file's header (100 bytes) and
            # each record's (52 at least), a position takes 16 bytes of the .shp (x, y), 24
            # with a measure, 32 with a height and a measure.
            per_position = {shapefile.POLYGONZ: 32, shapefile.POLYGONM: 24}.get(
                reader.shapeType, 16)
            if (len(parts[".shp"]) - 100 - 52 * len(reader)) // per_position > MAX_POSITIONS:
                _fail(TOO_MANY_POSITIONS)
            x0, y0, x1, y1 = reader.bbox
            if not (-180 <= x0 <= x1 <= 180 and -90 <= y0 <= y1 <= 90):
                _fail(not_degrees(reader.bbox, assumed))
            if len(reader) > MAX_FEATURES:
                _fail(f"一个图层最多 {MAX_FEATURES} 个轮廓，本文件有 {len(reader)} 个。")
            names = [field.name for field in reader.fields[1:]]
            rows = [(None if row.shape.shapeType == shapefile.NULL
                     else row.shape.__geo_interface__, list(row.record))
                    for row in reader.iterShapeRecords() if row.record is not None]
        except SHAPEFILE_ERRORS:
            _fail(BROKEN_SHAPEFILE)
    return names, rows


def _decoded(names, rows, encodings):
    for encoding in encodings:
        try:
            return ([n.encode("latin-1").decode(encoding).strip() for n in names],
                    [[v.encode("latin-1").decode(encoding).strip() if isinstance(v, str) else v
                      for v in values] for _, values in rows])
        except UnicodeError:
            continue
    _fail("属性表中的文字无法识别（不是 UTF-8 或 GBK 编码）：请在制图软件中另存为 UTF-8 编码，"
          "或把说明编码的 .cpg 文件一起压缩后上传。")


def parse_shapefile_zip(raw, *, name_field="", notes=None):
    """A shapefile in a .zip converted to the same normalised FeatureCollection as an uploaded
    GeoJSON. The attribute table is read in the encoding its .cpg names, else (no .cpg, or one
    the text does not fit) UTF-8, else GBK (as Chinese shapefiles often are). Coordinates must
    be WGS 84 or CGCS2000 degrees: a .prj of a projected system, Beijing 1954 or Xian 1980
    (check_prj), or numbers outside longitude and latitude ranges are refused. The name is
    `name_field`, else the first of NAME_KEYS the table has. ValidationError on `file` (or
    `name_field`). A missing or unknown .prj read as degrees is added to `notes`."""
    if len(raw) > MAX_BYTES:
        _fail(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB，请先简化轮廓再上传。")
    parts = _zip_members(raw)
    assumed = check_prj(parts.get(".prj"))
    if assumed and notes is not None:
        notes.append(assumed)
    encoding = _cpg_encoding(parts.get(".cpg"))
    names, rows = _shapefile_table(parts, assumed)
    tried = [e for e in dict.fromkeys([encoding, "utf-8", "gbk"]) if e]
    names, records = _decoded(names, rows, tried)
    wanted = [name_field.strip()] if name_field.strip() else NAME_KEYS
    index = next((names.index(n) for w in wanted for n in names if n.lower() == w.lower()), None)
    if index is None:
        listed = "、".join(names) or "（无）"
        if name_field.strip():
            raise ValidationError({"name_field": f"属性表中没有“{name_field.strip()}”字段。"
                                                 f"属性表的字段有：{listed}。"})
        _fail(f"形状文件的属性表中没有名称字段（name 或 名称）。属性表的字段有：{listed}；"
              "请在“名称字段”一栏填写其中作为名称的一个，再上传。")
    return normalise_collection({"type": "FeatureCollection", "features": [
        {"type": "Feature", "geometry": geometry,
         "properties": {"name": "" if values[index] is None else str(values[index])}}
        for (geometry, _), values in zip(rows, records, strict=True)]})


def region_of(user):
    """The region (city or district) whose layers `user` manages."""
    if user.unit is not None:
        return Unit.objects.get(path=user.unit.region_path)
    return Unit.objects.filter(kind=Unit.Kind.CITY, parent=None).order_by("path").first()


@transaction.atomic
def basemap_upload(*, user, kind, upload, name_field=""):
    """Store (or replace) the `kind` layer of the user's region from an uploaded GeoJSON file
    or a shapefile in a .zip (its names from `name_field` when given). The layer's `notes`
    say what was assumed in reading it (a shapefile without a known .prj read as degrees)."""
    if not (user.is_superuser or user.is_office):
        raise PermissionDenied("只有创城办可以上传底图。")
    if kind not in BaseMapLayer.Kind.values:
        raise ValidationError({"kind": "请选择图层：区县界、街道（镇）界或社区（村）界。"})
    if upload is None:
        raise ValidationError({"file": FILE_REQUIRED})
    if upload.size > MAX_BYTES:
        _fail(f"文件不能超过 {MAX_BYTES // 1024 // 1024} MB，请先简化轮廓再上传。")
    notes = []
    collection = parse_upload(upload.name, upload.read(), name_field=name_field, notes=notes)
    region = region_of(user)
    if region is None:
        raise PermissionDenied("您的账号没有所属区域，不能上传底图。")
    layer, _ = BaseMapLayer.objects.select_for_update().get_or_create(region=region, kind=kind)
    layer.features = collection
    layer.feature_count = len(collection["features"])
    layer.file_name = (upload.name or "")[:200]
    layer.uploaded_by = user
    layer.save()
    layer.notes = notes  # what reading the file assumed, for the message (not stored)
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
