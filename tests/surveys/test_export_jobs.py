"""Survey exports run as jobs: started from the pages, built by the worker in the creator's
scope, downloaded through the job's permission checks."""

import io

import openpyxl
import pytest
from django.core.exceptions import ValidationError

from jobs import services as job_services
from jobs.models import Job
from surveys.exports import clean_export_params
from surveys.services import response_submit

from .factories import opt, survey_with_questions

pytestmark = pytest.mark.django_db


@pytest.fixture
def survey(city):
    s, q = survey_with_questions(city.units.a)
    for community in (city.units.community, city.units.community):
        response_submit(survey=s, community=community, channel="household",
                        answers={q["age"].pk: opt(q["age"], "18–65周岁"),
                                 q["res"].pk: opt(q["res"], "6个月及以上"),
                                 q["aware"].pk: opt(q["aware"], "知道"),
                                 q["support"].pk: opt(q["support"], "支持"),
                                 q["sat"].pk: opt(q["sat"], "满意")})
    return s


@pytest.mark.parametrize("part", ["quotas", "rates", "responses"])
def test_each_part_starts_a_job_and_the_page_opens_its_progress(client, city, survey, part):
    client.force_login(city.users.office)
    url = {"quotas": f"/surveys/{survey.pk}/quotas.xlsx",
           "rates": f"/surveys/{survey.pk}/export/rates.xlsx",
           "responses": f"/surveys/{survey.pk}/export/responses.xlsx"}[part]
    response = client.get(url)
    job = Job.objects.get()
    assert response.status_code == 302 and response.url == job.get_absolute_url()
    assert job.kind == Job.Kind.SURVEY_EXPORT and job.status == Job.Status.QUEUED
    assert job.params == {"survey": survey.pk, "part": part}


def test_raw_answers_export_counts_the_responses_and_names_the_file(client, city, survey,
                                                                    exported):
    client.force_login(city.users.office)
    book = openpyxl.load_workbook(io.BytesIO(
        exported(client, f"/surveys/{survey.pk}/export/responses.xlsx")))
    assert len(list(book["原始答卷"].values)) == 3  # header + the two responses
    job = Job.objects.get()
    assert job.result_count == 2 and job.result_name == f"问卷答卷-{survey.pk}.xlsx"
    assert job.message == "已导出 2 份答卷，请下载。"


def test_another_districts_office_and_a_liaison_get_404_and_no_job(client, city, survey):
    for who in (city.users.office_b, city.users.liaison):
        client.force_login(who)
        assert client.get(f"/surveys/{survey.pk}/export/responses.xlsx").status_code == 404
    assert not Job.objects.exists()


def test_the_download_is_refused_to_another_district(client, city, survey, exported):
    client.force_login(city.users.office)
    exported(client, f"/surveys/{survey.pk}/export/rates.xlsx")
    job = Job.objects.get()
    client.force_login(city.users.office_b)
    assert client.get(f"/jobs/{job.pk}/download/").status_code == 404


def test_a_survey_out_of_the_creators_scope_when_the_job_runs_fails_in_chinese(city, survey):
    job = Job.objects.create(kind=Job.Kind.SURVEY_EXPORT, created_by=city.users.office_b,
                             unit=city.users.office_b.unit,
                             params={"survey": survey.pk, "part": "responses"})
    job_services.job_run(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.message == "问卷不存在，或您已无权查看。"
    assert not job.result


@pytest.mark.parametrize(("params", "field"), [
    ({"survey": 1, "part": "everything"}, "part"),
    ({"part": "rates"}, "survey"),
    ({"survey": "x", "part": "rates"}, "survey"),
])
def test_bad_export_parameters_are_refused_per_field(params, field):
    with pytest.raises(ValidationError) as exc:
        clean_export_params(params)
    assert field in exc.value.message_dict
