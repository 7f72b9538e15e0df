"""Category suggestion: trained on the city's closed issues, silent without enough history,
offered on the filing form and by `GET /api/v1/issue-categories/suggest/?text=`."""

import random

import pytest
from django.core.management import call_command

from issues import suggest
from issues.citygen import VOCABULARY, describe
from issues.models import CategoryModel, Issue, IssueCategory, Status

from .factories import IssueCategoryFactory

pytestmark = pytest.mark.django_db
URL = "/api/v1/issue-categories/suggest/"
NAMES = ["乱停乱放", "飞线充电", "占道经营", "路面破损"]


@pytest.fixture(autouse=True)
def _fresh_models(settings):
    settings.CATEGORY_SUGGEST_MIN_ISSUES = 60
    settings.CATEGORY_SUGGEST_MIN_PER_CATEGORY = 10
    suggest.forget_loaded()
    yield
    suggest.forget_loaded()


def closed_issues(region, per_category=30, names=NAMES, seed=1):
    rng = random.Random(seed)
    rows = []
    for name in names:
        cat = IssueCategoryFactory(name=name)
        rows += [Issue(region=region, category=cat, status=Status.CLOSED,
                       description=describe(rng, name)) for _ in range(per_category)]
    Issue.objects.bulk_create(rows)
    return {c.name: c for c in IssueCategory.objects.filter(name__in=names)}


def test_it_trains_a_versioned_model_and_suggests_the_right_category_first(city):
    cats = closed_issues(city.units.a)
    first = suggest.train_category_model(city=city.units.root)
    second = suggest.train_category_model(city=city.units.root)
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name and first.file.storage.exists(first.file.name)
    assert second.sample_count == 120 and second.category_count == 4
    assert second.top1_accuracy > second.baseline_accuracy

    found = suggest.suggest_categories("小区门口多辆电动车乱停乱放，占用盲道", city.units.cg)
    assert [f["name"] for f in found][:1] == ["乱停乱放"]
    assert len(found) == 3
    assert found[0]["score"] >= found[1]["score"] >= found[2]["score"]
    found = suggest.suggest_categories("楼道窗口私拉电线给电瓶充电", city.units.b_dept)
    assert found[0]["id"] == cats["飞线充电"].pk


def test_it_stays_silent_with_too_little_history(city):
    closed_issues(city.units.a, per_category=8)  # 32 closed issues, under the minimum
    assert suggest.train_category_model(city=city.units.root) is None
    assert not CategoryModel.objects.exists()
    assert suggest.suggest_categories("电动车乱停乱放", city.units.cg) == []


def test_open_issues_and_other_cities_do_not_train_a_city(city):
    from tests.factories import UnitFactory

    closed_issues(city.units.a)
    Issue.objects.update(status=Status.ASSIGNED)
    assert suggest.train_category_model(city=city.units.root) is None
    other_city = UnitFactory(name="别的市")
    Issue.objects.update(status=Status.CLOSED)
    assert suggest.train_category_model(city=other_city) is None


def test_unknown_characters_and_retired_categories_are_not_offered(city):
    cats = closed_issues(city.units.a)
    suggest.train_category_model(city=city.units.root)
    assert suggest.suggest_categories("qqqq zzzz", city.units.cg) == []
    assert suggest.suggest_categories("   ", city.units.cg) == []
    IssueCategory.objects.filter(pk=cats["乱停乱放"].pk).update(is_active=False)
    suggest.forget_loaded()
    found = suggest.suggest_categories("电动车乱停乱放占用盲道", city.units.cg)
    assert cats["乱停乱放"].pk not in [f["id"] for f in found]


def test_the_weekly_task_and_the_command_train_every_city(city):
    from issues.tasks import train_category_models_task

    closed_issues(city.units.a)
    assert len(train_category_models_task()) == 1
    call_command("train_category_model")
    assert CategoryModel.objects.filter(city=city.units.root).count() == 2


def test_api_suggests_for_every_role_in_scope(api, city):
    closed_issues(city.units.a)
    suggest.train_category_model(city=city.units.root)
    for who in ("inspector", "liaison", "office_b", "pointchief"):
        response = api.as_user(getattr(city.users, who)).get(URL, {"text": "水果摊占道经营"})
        assert response.status_code == 200, who
        results = response.json()["results"]
        assert results[0]["name"] == "占道经营" and set(results[0]) == {"id", "name", "score"}


def test_api_answers_empty_results_before_a_model_exists(api, city):
    response = api.as_user(city.users.inspector).get(URL, {"text": "电动车乱停乱放"})
    assert response.status_code == 200 and response.json() == {"results": []}


def test_api_refuses_bad_input_with_a_message(api, city):
    client = api.as_user(city.users.inspector)
    assert client.get(URL).json() == {"text": ["请提供问题描述（text）。"]}
    assert client.get(URL, {"text": "  "}).status_code == 400
    response = client.get(URL, {"text": "乱" * 2001})
    assert response.status_code == 400 and "2000" in response.json()["text"][0]


def test_api_needs_a_login(client, city):
    assert client.get(URL, {"text": "乱停乱放"}).status_code in (401, 403)


def test_api_costs_no_query_once_the_model_is_loaded(api, city, django_assert_num_queries):
    closed_issues(city.units.a)
    suggest.train_category_model(city=city.units.root)
    client = api.as_user(city.users.inspector)
    client.get(URL, {"text": "电动车乱停乱放"})  # loads the current version and the unit
    # None: the authenticated user carries its unit, the city's model is cached in the
    # process (the ranking itself never touches the database).
    with django_assert_num_queries(0):
        assert client.get(URL, {"text": "垃圾箱满溢未清运"}).status_code == 200


def test_the_filing_form_points_its_description_at_the_suggestions(client, city):
    client.force_login(city.users.inspector)
    body = client.get("/issues/new/").content.decode()
    assert f'data-suggest-url="{URL}"' in body and "js/category_suggest.js" in body


def test_generated_descriptions_carry_their_category_vocabulary_with_noise():
    """Most notes name their category's words; about one in eight is vague, and a fifth
    also name another category's, so the suggestion's accuracy means something."""
    rng = random.Random(3)
    for name, (things, defects) in VOCABULARY.items():
        own = (things + " " + defects).split()
        others = {w for n, pair in VOCABULARY.items() if n != name
                  for w in " ".join(pair).split()} - set(own)
        notes = [describe(rng, name) for _ in range(200)]
        with_own = sum(any(w[:2] in d for w in own) for d in notes)
        with_other = sum(any(w in d for w in others) for d in notes)
        assert 160 <= with_own < 200, name
        assert with_other >= 20, name
