"""Open311 GeoReport v2 (wiki.open311.org/GeoReport_v2), field by field, JSON and XML."""

import datetime as dt
import xml.etree.ElementTree as ET

import pytest
from django.utils import timezone

from civic import services
from civic.keys import api_key_issue
from civic.models import ApiCall, CivicReport
from issues import services as issue_services
from issues.models import Issue

from ..issues.factories import photo
from .conftest import LAT, LNG, submit

pytestmark = pytest.mark.django_db
BASE = "/open311/v2/"
REQUEST_FIELDS = {"service_request_id", "status", "status_notes", "service_name",
                  "service_code", "description", "agency_responsible", "service_notice",
                  "requested_datetime", "updated_datetime", "expected_datetime", "address",
                  "address_id", "zipcode", "lat", "long", "media_url"}


@pytest.fixture
def key(civic):
    return api_key_issue(name="12345 热线", region=civic.city.units.a, trusted=False,
                         by=civic.city.users.office)


@pytest.fixture
def trusted_key(civic):
    return api_key_issue(name="数字城管", region=civic.city.units.a, trusted=True,
                         by=civic.city.users.office)


def post(client, raw, **data):
    values = {"api_key": raw, "service_code": "garbage", "lat": LAT, "long": LNG,
              "description": "市民来电：东街垃圾堆放", "phone": "13800138000"}
    values.update(data)
    return client.post(BASE + "requests.json", {k: v for k, v in values.items()
                                                if v is not None})


def xml(response):
    return ET.fromstring(response.content)


def test_discovery_names_the_endpoint_and_formats(client, civic):
    data = client.get(BASE + "discovery.json").json()
    assert {"changeset", "contact", "key_service", "endpoints"} <= set(data)
    endpoint = data["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"].endswith("/open311/v2")
    assert endpoint["formats"] == ["text/xml", "application/json"]
    root = xml(client.get(BASE + "discovery.xml"))
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml",
                                                                          "application/json"]


def test_the_service_list_in_json_and_xml(client, civic):
    services_json = client.get(BASE + "services.json").json()
    garbage = next(s for s in services_json if s["service_code"] == "garbage")
    assert garbage == {"service_code": "garbage", "service_name": "垃圾没人清",
                       "description": "垃圾堆了好几天", "metadata": False, "type": "realtime",
                       "keywords": "垃圾清运不及时", "group": "文明城市创建"}
    response = client.get(BASE + "services.xml")
    assert response["Content-Type"].startswith("text/xml")
    root = xml(response)
    assert root.tag == "services"
    service = root.find("service")
    assert service.find("service_code").text == "garbage"
    assert service.find("metadata").text == "false"
    assert service.find("type").text == "realtime"


def test_a_service_definition_and_an_unknown_one(client, civic):
    assert client.get(BASE + "services/garbage.json").json() == {"service_code": "garbage",
                                                                 "attributes": []}
    assert xml(client.get(BASE + "services/garbage.xml")).tag == "service_definition"
    missing = client.get(BASE + "services/nope.json")
    assert missing.status_code == 404
    assert missing.json()[0]["code"] == 404


@pytest.mark.parametrize("raw", [None, "", "ccms_wrong"])
def test_post_without_a_valid_key_is_403_in_the_spec_error_shape(client, civic, raw):
    response = post(client, raw)
    assert response.status_code == 403
    body = response.json()
    assert isinstance(body, list) and body[0]["code"] == 403 and body[0]["description"]
    assert CivicReport.objects.count() == 0


def test_a_revoked_key_is_refused(client, civic, key):
    api_key, raw = key
    from civic.keys import api_key_revoke

    api_key_revoke(api_key=api_key, by=civic.city.users.office)
    assert post(client, raw).status_code == 403


@pytest.mark.parametrize(("missing", "word"), [
    ({"service_code": None}, "service_code"),
    ({"lat": None, "long": None}, "address_string"),
    ({"service_code": "nope"}, "service_code"),
    ({"lat": "north"}, "lat"),
    ({"lat": "31.2304", "long": "121.4737"}, "范围"),
    ({"media_url": "javascript:alert(1)"}, "media_url"),
    ({"phone": "xyz"}, "phone"),
])
def test_missing_or_bad_fields_are_400_in_the_spec_error_shape(client, civic, key, missing,
                                                               word):
    response = post(client, key[1], **missing)
    assert response.status_code == 400
    error = response.json()[0]
    assert set(error) == {"code", "description"} and error["code"] == 400
    assert word in error["description"]
    assert CivicReport.objects.count() == 0
    xml_response = client.post(BASE + "requests.xml", {"api_key": key[1]})
    root = xml(xml_response)
    assert xml_response.status_code == 400 and root.tag == "errors"
    assert root.find("error/code").text == "400" and root.find("error/description").text


def test_a_pushed_case_enters_the_queue_and_its_token_gives_the_id(client, civic, key):
    api_key, raw = key
    response = post(client, raw)
    assert response.status_code == 201
    row = response.json()[0]
    assert "token" in row and "service_request_id" not in row
    report = CivicReport.objects.get()
    assert report.status == CivicReport.Status.NEW and report.api_key == api_key
    assert report.channel == CivicReport.Channel.OPEN311 and report.phone == "13800138000"
    token_url = BASE + f"tokens/{row['token']}.json?api_key={raw}"
    assert client.get(token_url).json() == [{"token": row["token"]}]
    services.report_accept(report=report, by=civic.city.users.office)
    assert client.get(token_url).json() == [{"service_request_id": str(report.pk),
                                             "token": row["token"]}]
    root = xml(client.get(BASE + f"tokens/{row['token']}.xml?api_key={raw}"))
    assert root.find("request/service_request_id").text == str(report.pk)
    assert client.get(BASE + f"tokens/{row['token']}.json").status_code == 403
    assert client.get(BASE + f"tokens/nope.json?api_key={raw}").status_code == 404


def test_a_trusted_key_files_an_issue_at_once(client, civic, trusted_key):
    response = post(client, trusted_key[1])
    assert response.status_code == 201
    row = response.json()[0]
    report = CivicReport.objects.get()
    assert row["service_request_id"] == str(report.pk) and "service_notice" in row
    assert report.status == CivicReport.Status.ACCEPTED
    assert report.issue.source == Issue.Source.HOTLINE
    assert report.issue.responsible_unit == civic.city.units.cg


def test_a_case_outside_the_keys_region_is_refused(client, civic, key):
    response = post(client, key[1], lat="38.980000", long="100.520000")
    assert response.status_code == 403
    assert CivicReport.objects.count() == 0


def test_a_photo_may_come_along_and_is_checked(client, civic, key):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ok = client.post(BASE + "requests.json", {"api_key": key[1], "service_code": "garbage",
                                              "lat": LAT, "long": LNG, "media": photo(seed=3)})
    assert ok.status_code == 201
    assert CivicReport.objects.get().photos.count() == 1
    bad = client.post(BASE + "requests.json", {
        "api_key": key[1], "service_code": "garbage", "lat": LAT, "long": LNG,
        "media": SimpleUploadedFile("x.jpg", b"text", "image/jpeg")})
    assert bad.status_code == 400 and bad.json()[0]["code"] == 400
    assert CivicReport.objects.count() == 1


def test_get_by_id_has_every_field_of_the_spec(client, civic, key):
    api_key, raw = key
    post(client, raw, address_string="东街 3 号", media_url="https://12345.example/p/1.jpg")
    report = CivicReport.objects.get()
    services.report_accept(report=report, by=civic.city.users.office)
    report.refresh_from_db()
    rows = client.get(BASE + f"requests/{report.pk}.json?api_key={raw}").json()
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == REQUEST_FIELDS
    assert row["service_request_id"] == str(report.pk)
    assert row["status"] == "open"
    assert row["agency_responsible"] == "区城管局"
    assert "区城管局" in row["status_notes"]
    assert row["service_code"] == "garbage" and row["service_name"] == "垃圾没人清"
    assert row["lat"] == 38.93 and row["long"] == 100.45
    assert row["address"] == "东街 3 号"
    assert row["media_url"] == "https://12345.example/p/1.jpg"
    requested = dt.datetime.fromisoformat(row["requested_datetime"])
    assert requested.tzinfo is not None and abs(requested - report.created) < dt.timedelta(
        seconds=1)
    assert dt.datetime.fromisoformat(row["expected_datetime"]) == report.issue.deadline
    element = xml(client.get(BASE + f"requests/{report.pk}.xml?api_key={raw}"))
    assert element.tag == "service_requests"
    request = element.find("request")
    assert {child.tag for child in request} == REQUEST_FIELDS
    assert request.find("status").text == "open"
    assert request.find("long").text == "100.45"


def test_the_state_closes_with_the_issue_and_with_a_refusal(client, civic, key):
    api_key, raw = key
    post(client, raw)
    post(client, raw, description="另一件事情")
    done, refused = CivicReport.objects.order_by("pk")
    office = civic.city.users.office
    services.report_accept(report=done, by=office)
    done.refresh_from_db()
    issue_services.issue_submit(issue=done.issue, by=civic.city.users.liaison,
                                photos=[photo(seed=50, color=(0, 200, 0))])
    issue_services.issue_approve(issue=done.issue, by=office)
    services.report_reject(report=refused, by=office, reason="out_of_area", note="属邻区")
    rows = {r["service_request_id"]: r for r in client.get(
        BASE + f"requests.json?api_key={raw}").json()}
    assert rows[str(done.pk)]["status"] == "closed"
    assert rows[str(done.pk)]["status_notes"] == "已整改销号"
    assert rows[str(refused.pk)]["status"] == "closed"
    assert "不在本辖区范围内" in rows[str(refused.pk)]["status_notes"]


def test_get_by_date_range_and_status_and_ids(client, civic, key):
    api_key, raw = key
    post(client, raw)
    post(client, raw, description="第二件事情")
    old, new = CivicReport.objects.order_by("pk")
    CivicReport.objects.filter(pk=old.pk).update(created=timezone.now() - dt.timedelta(days=30))
    services.report_reject(report=old, by=civic.city.users.office, reason="fixed")
    url = BASE + f"requests.json?api_key={raw}"
    ids = lambda r: [x["service_request_id"] for x in r.json()]  # noqa: E731
    assert ids(client.get(url)) == [str(new.pk), str(old.pk)]
    start = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert ids(client.get(BASE + "requests.json", {"api_key": raw, "start_date": start})
               ) == [str(new.pk)]
    end = (timezone.now() - dt.timedelta(days=7)).isoformat()
    assert ids(client.get(BASE + "requests.json", {"api_key": raw, "end_date": end})
               ) == [str(old.pk)]
    assert ids(client.get(url + "&status=closed")) == [str(old.pk)]
    assert ids(client.get(url + "&status=open")) == [str(new.pk)]
    assert ids(client.get(url + f"&service_request_id={old.pk},{new.pk}")) == [str(new.pk),
                                                                               str(old.pk)]
    assert ids(client.get(url + "&service_code=parking")) == []
    for bad in ({"status": "pending"}, {"start_date": "yesterday"},
                {"service_request_id": "1;2"}, {"start_date": start, "end_date": "2000-01-01"}):
        response = client.get(BASE + "requests.json", {"api_key": raw, **bad})
        assert response.status_code == 400, bad
        assert response.json()[0]["code"] == 400


def test_reading_needs_a_key_and_shows_no_unaccepted_resident_report(client, civic, key):
    api_key, raw = key
    resident = submit(civic, description="市民随手拍的私事")
    assert client.get(BASE + "requests.json").status_code == 403
    assert client.get(BASE + f"requests/{resident.pk}.json").status_code == 403
    assert client.get(BASE + f"requests/{resident.pk}.json?api_key={raw}").status_code == 404
    assert "私事" not in client.get(BASE + f"requests.json?api_key={raw}").content.decode()
    services.report_accept(report=resident, by=civic.city.users.office)
    assert client.get(BASE + f"requests/{resident.pk}.json?api_key={raw}").status_code == 200


def test_another_regions_key_sees_nothing_of_this_district(client, civic, key):
    post(client, key[1])
    report = CivicReport.objects.get()
    services.report_accept(report=report, by=civic.city.users.office)
    _, other = api_key_issue(name="高新区数字城管", region=civic.city.units.b, trusted=False,
                             by=civic.city.users.office_b)
    assert client.get(BASE + f"requests/{report.pk}.json?api_key={other}").status_code == 404
    assert client.get(BASE + f"requests.json?api_key={other}").json() == []
    assert client.get(BASE + f"tokens/{report.code}.json?api_key={other}").status_code == 404


def test_every_call_is_logged(client, civic, key):
    api_key, raw = key
    client.get(BASE + "services.json")
    post(client, raw)
    post(client, "bad")
    calls = list(ApiCall.objects.order_by("pk").values_list("api_key_id", "method",
                                                            "status_code"))
    assert calls == [(None, "GET", 200), (api_key.pk, "POST", 201), (None, "POST", 403)]
    api_key.refresh_from_db()
    assert api_key.last_used_at is not None


@pytest.mark.parametrize("url", ["requests.csv", "requests/abc.json", "requests/1.yaml",
                                 "services/..%2F.json", "tokens/.json", "nothing.json"])
def test_unknown_paths_answer_404(client, civic, url):
    assert client.get(BASE + url).status_code == 404


def test_other_methods_are_405(client, civic):
    assert client.put(BASE + "requests.json").status_code == 405
    assert client.delete(BASE + "services.json").status_code == 405
