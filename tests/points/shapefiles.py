"""Shapefiles built in the test with pyshp and zipped as the office would upload them."""

import io
import zipfile

import shapefile

WGS84_PRJ = ('GEOGCS["GCS_WGS_1984",DATUM["D_WGS_1984",SPHEROID["WGS_1984",6378137.0,'
             '298.257223563]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]]')
# CGCS2000 / 3-degree Gauss-Kruger CM 102E: metres, not degrees.
PROJECTED_PRJ = ('PROJCS["CGCS2000_3_Degree_GK_CM_102E",GEOGCS["GCS_China_Geodetic_Coordinate_'
                 'System_2000",DATUM["D_China_2000",SPHEROID["CGCS2000",6378137.0,'
                 '298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],'
                 'PROJECTION["Gauss_Kruger"],PARAMETER["Central_Meridian",102.0],'
                 'UNIT["Meter",1.0]]')


def ring(lng, lat, size=0.01):
    """A closed square, clockwise as a shapefile's outer ring is."""
    return [[lng, lat], [lng, lat + size], [lng + size, lat + size], [lng + size, lat],
            [lng, lat]]


def shapefile_parts(rows, *, fields=(("NAME", "C", 50),), encoding="utf-8",
                    shape_type=shapefile.POLYGON):
    """{".shp": bytes, ".shx": bytes, ".dbf": bytes} of `rows`: (list of rings, record values)."""
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    writer = shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shape_type,
                              encoding=encoding)
    for name, kind, size in fields:
        writer.field(name, kind, size)
    for rings, values in rows:
        if shape_type == shapefile.POINT:
            writer.point(*rings)
        else:
            writer.poly(rings)
        writer.record(*values)
    writer.close()
    return {".shp": shp.getvalue(), ".shx": shx.getvalue(), ".dbf": dbf.getvalue()}


def zipped(parts, stem="街道", **extra):
    """A .zip holding `parts` as `stem`.shp etc., plus `extra` members by their names."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for ext, data in parts.items():
            archive.writestr(f"{stem}{ext}", data)
        for name, data in extra.items():
            archive.writestr(name, data)
    return out.getvalue()


# 东街 a square, 西街 two squares (a multipart polygon), named in Chinese.
STREET_ROWS = [([ring(100.45, 38.93)], ["东街街道"]),
               ([ring(100.43, 38.93), ring(100.40, 38.90)], ["西街街道"])]
