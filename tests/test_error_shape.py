"""One error shape across the API: the same fault answers the same status and body in
issues, ledgers and surveys (a refused transition 409, another unit's object 404, a role's
refusal 403, bad input 400 with the field map)."""

import pytest

from issues.models import Issue
from ledgers.models import LedgerSubmission
from tests.issues.factories import IssueFactory
from tests.ledgers.factories import LedgerRequirementFactory
from tests.surveys.factories import SurveyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def objects(city):
    u = city.units
    issue = IssueFactory(region=u.a, responsible_unit=u.cg, status=Issue.Status.NEW)
    requirement = LedgerRequirementFactory(region=u.a, lead_unit=u.cg)
    draft = LedgerSubmission.objects.create(requirement=requirement, unit=u.cg,
                                            created_by=city.users.liaison)
    survey = SurveyFactory(region=u.a, status="draft")
    return {"issue": f"/api/v1/issues/{issue.pk}/approve/",
            "ledger": f"/api/v1/ledger-submissions/{draft.pk}/approve/",
            "survey": f"/api/v1/surveys/{survey.pk}/close/"}


@pytest.mark.parametrize("app", ["issue", "ledger", "survey"])
def test_a_refused_transition_answers_409_with_the_same_body(api, city, objects, app):
    # given: a new issue, a draft submission, a draft survey; when: the office approves or
    # closes them, which their state does not allow
    response = api.as_user(city.users.office).post(objects[app], {}, format="json")
    # then
    assert response.status_code == 409
    body = response.json()
    assert set(body) == {"detail", "code"} and body["code"] == "conflict"
    assert "不能" in body["detail"]


@pytest.mark.parametrize("app", ["issue", "ledger", "survey"])
def test_another_districts_object_answers_404_with_the_same_body(api, city, objects, app):
    response = api.as_user(city.users.office_b).post(objects[app], {}, format="json")
    assert response.status_code == 404
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("app", ["issue", "ledger", "survey"])
def test_a_read_only_role_answers_403_with_the_same_body(api, city, objects, app):
    response = api.as_user(city.users.leader).post(objects[app], {}, format="json")
    assert response.status_code == 403
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "permission_denied"


def test_a_service_validation_error_answers_400_with_the_field_map(api, city, objects):
    issue_id = objects["issue"].split("/")[4]
    response = api.as_user(city.users.office).post(
        f"/api/v1/issues/{issue_id}/assign/", {"responsible_unit": city.units.b_dept.pk},
        format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["responsible_unit"]
    assert all(isinstance(m, str) for m in response.json()["responsible_unit"])


def test_the_schema_documents_the_error_answers_of_every_operation(client, city):
    client.force_login(city.users.office)
    paths = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["paths"]
    approve = paths["/api/v1/issues/{id}/approve/"]["post"]["responses"]
    assert {"400", "401", "403", "404", "409"} <= set(approve)
    for path, operations in paths.items():
        for method, op in operations.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            codes = set(op["responses"])
            if "{" in path:
                assert "404" in codes, (method, path)
            if method != "get" and op.get("security") != [{}]:
                assert {"400", "409"} & codes or method == "delete", (method, path)


def test_an_unknown_api_path_answers_the_json_not_found_body(client, city):
    client.force_login(city.users.office)
    response = client.get("/api/v1/framework-items/0.5/")
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("application/json")
    assert response.json() == {"detail": "未找到。", "code": "not_found"}
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page.headers["Content-Type"].startswith("text/html")


def test_a_json_list_where_an_object_is_expected_is_a_400(client, city):
    client.force_login(city.users.office)
    response = client.post("/api/v1/issues/", [1, 2], content_type="application/json")
    assert response.status_code == 400
