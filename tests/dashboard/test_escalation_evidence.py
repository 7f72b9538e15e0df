"""Escalations keep their evidence as records: the issues by number (in the office's scope)
and an uploaded document served after a scope check."""

from django.core.files.uploadedfile import SimpleUploadedFile

from dashboard.models import Escalation, EscalationDocument

from .factories import at, make_issue

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _post(client, city, **extra):
    data = {"kind": "interview", "decided_on": "2026-11-20", "reason": "连续两周排名末位",
            **extra}
    return client.post(f"/dashboard/units/{city.units.cg.pk}/", data)


def _issues(city):
    u = city.units
    own = make_issue(unit=u.cg, region=u.a, created=at(11, 2), deadline=at(11, 5))
    team = make_issue(unit=u.cg_team, region=u.a, created=at(11, 2), deadline=at(11, 5))
    other = make_issue(unit=u.b_dept, region=u.b, created=at(11, 2), deadline=at(11, 5))
    return own, team, other


def test_the_office_links_issues_and_a_document(city, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own, team, _other = _issues(city)
    client.force_login(city.users.office)
    upload = SimpleUploadedFile("约谈记录.pdf", PDF, content_type="application/pdf")
    response = _post(client, city, issue_numbers=f"#{own.pk}，{team.pk} {own.pk}",
                     document=upload)
    assert response.status_code == 302
    escalation = Escalation.objects.get()
    assert sorted(escalation.issues.values_list("pk", flat=True)) == sorted([own.pk, team.pk])
    doc = escalation.documents.get()
    assert doc.original_name == "约谈记录.pdf" and doc.file.name.endswith(".pdf")
    assert doc.uploaded_by == city.users.office
    html = client.get(f"/dashboard/units/{city.units.cg.pk}/").content.decode()
    assert f'href="{own.get_absolute_url()}"' in html and f"#{team.pk}" in html
    assert f'href="{doc.url}"' in html and "约谈记录.pdf" in html
    assert f'href="/dashboard/units/{city.units.cg.pk}/card/">← 返回区城管局成绩单</a>' in html


def test_an_issue_of_another_district_is_refused_by_number(city, client):
    _own, _team, other = _issues(city)
    client.force_login(city.users.office)
    response = _post(client, city, issue_numbers=f"{other.pk}")
    assert response.status_code == 200
    assert f"问题 #{other.pk} 不存在或不在您的管辖范围内" in response.content.decode()
    assert not Escalation.objects.exists()


def test_bad_numbers_and_bad_files_get_chinese_messages(city, client):
    client.force_login(city.users.office)
    response = _post(client, city, issue_numbers="十二")
    assert "“十二”不是问题编号" in response.content.decode()
    upload = SimpleUploadedFile("a.pdf", b"just text", content_type="application/pdf")
    response = _post(client, city, document=upload)
    assert response.status_code == 200 and "文件格式不正确" in response.content.decode()
    assert not Escalation.objects.exists()


def test_the_document_is_served_only_in_scope(city, client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(city.users.office)
    _post(client, city, document=SimpleUploadedFile("决定.pdf", PDF))
    url = EscalationDocument.objects.get().url
    client.logout()
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and not getattr(anonymous, "streaming", False)
    for who, status in [("office", 200), ("leader", 200), ("liaison", 200),
                        ("unitleader", 200), ("liaison2", 404), ("pointchief", 404),
                        ("office_b", 404)]:
        client.force_login(getattr(city.users, who))
        response = client.get(url)
        assert response.status_code == status, who
        if status == 200:
            assert b"".join(response.streaming_content) == PDF
    client.force_login(city.users.office)
    assert client.get(url.replace("/file/", "/thumbnail/")).status_code == 404


def test_the_history_page_costs_the_same_queries_for_1_and_5_escalations(
        city, client, django_assert_max_num_queries, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    own, team, _other = _issues(city)
    client.force_login(city.users.office)
    url = f"/dashboard/units/{city.units.cg.pk}/"

    def record():
        _post(client, city, issue_numbers=f"{own.pk} {team.pk}",
              document=SimpleUploadedFile("决定.pdf", PDF))

    record()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    few = len(ctx.captured_queries)
    for _i in range(4):
        record()
    with django_assert_max_num_queries(few):
        html = client.get(url).content.decode()
    assert html.count("决定.pdf") == 5
