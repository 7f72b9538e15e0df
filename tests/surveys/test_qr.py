"""The printed QR codes decode back to the public links (decoded with zxing-cpp)."""

import io

import pytest
import zxingcpp
from PIL import Image

from .factories import SurveyFactory

pytestmark = pytest.mark.django_db


def test_png_qr_decodes_to_the_survey_link(client, city):
    survey = SurveyFactory(region=city.units.a)
    client.force_login(city.users.office)
    response = client.get(f"/surveys/{survey.pk}/qr.png")
    assert response["Content-Type"] == "image/png"
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert [d.text for d in decoded] == [f"http://testserver{survey.public_path()}"]


def test_community_qr_decodes_to_the_community_link(client, city):
    survey = SurveyFactory(region=city.units.a)
    client.force_login(city.users.office)
    response = client.get(f"/surveys/{survey.pk}/qr.png", {"community": city.units.community.pk})
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(response.content)))
    assert decoded[0].text == f"http://testserver{survey.public_path(city.units.community)}"


def test_svg_qr_is_served_for_printing(client, city):
    survey = SurveyFactory(region=city.units.a)
    client.force_login(city.users.office)
    response = client.get(f"/surveys/{survey.pk}/qr.svg")
    assert response["Content-Type"] == "image/svg+xml"
    assert response.content.lstrip().startswith(b"<?xml") or b"<svg" in response.content[:200]


def test_qr_of_another_district_is_404(client, city):
    survey = SurveyFactory(region=city.units.b)
    client.force_login(city.users.office)
    assert client.get(f"/surveys/{survey.pk}/qr.png").status_code == 404
