import io

import pytest
from openpyxl import Workbook

from .factories import PointCategoryFactory, PointFactory


@pytest.fixture
def points(city):
    """A's points: one at the community (chief: pointchief), one supervised by 城管局, one with
    住建局 as partner; and one point of district B."""
    u = city.units
    market = PointCategoryFactory(name="农贸市场")
    road = PointCategoryFactory(name="主次干道")
    at_community = PointFactory(name="东关农贸市场", category=market, territorial_unit=u.community,
                                chief=city.users.pointchief)
    supervised = PointFactory(name="滨河路", category=road, territorial_unit=u.street,
                              supervising_unit=u.cg)
    partnered = PointFactory(name="南关农贸市场", category=market, territorial_unit=u.street)
    partnered.partner_units.add(u.zj)
    other = PointFactory(name="高新农贸市场", category=market, territorial_unit=u.b_dept)
    return type("Points", (), {"community": at_community, "supervised": supervised,
                               "partnered": partnered, "other": other})


def workbook_bytes(rows):
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "points.xlsx"
    return buffer
