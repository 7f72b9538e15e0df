from django.urls import path

from . import builder_views, views

app_name = "surveys"

urlpatterns = [
    path("", views.SurveyListView.as_view(), name="list"),
    path("new/", views.SurveyCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SurveyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SurveyUpdateView.as_view(), name="edit"),
    path("<int:pk>/questions/", views.survey_question_add, name="question-add"),
    path("<int:pk>/builder/", builder_views.builder, name="builder"),
    path("<int:pk>/builder/targets/", builder_views.targets, name="builder-targets"),
    path("<int:pk>/builder/new-version/", builder_views.new_version, name="new-version"),
    path("<int:pk>/builder/sections/add/", builder_views.section_action, {"op": "add"},
         name="section-add"),
    path("<int:pk>/builder/sections/<int:section_id>/<slug:op>/", builder_views.section_action,
         name="section"),
    path("<int:pk>/builder/questions/add/", builder_views.question_add, name="builder-question-add"),
    path("<int:pk>/builder/questions/<int:question_id>/<slug:op>/", builder_views.question_action,
         name="question"),
    path("<int:pk>/builder/options/<int:option_id>/<slug:op>/", builder_views.option_action,
         name="option"),
    path("<int:pk>/publish/", views.survey_status, {"status": "open"}, name="publish"),
    path("<int:pk>/close/", views.survey_status, {"status": "closed"}, name="close"),
    path("<int:pk>/copy/", views.survey_copy, name="copy"),
    path("<int:pk>/quotas/", views.survey_quotas, name="quotas"),
    path("<int:pk>/quotas.xlsx", views.survey_export, {"part": "quotas"}, name="export-quotas"),
    path("<int:pk>/qr.png", views.survey_qr, {"fmt": "png"}, name="qr-png"),
    path("<int:pk>/qr.svg", views.survey_qr, {"fmt": "svg"}, name="qr-svg"),
    path("<int:pk>/results/", views.SurveyResultsView.as_view(), name="results"),
    path("<int:pk>/export/rates.xlsx", views.survey_export, {"part": "rates"},
         name="export-rates"),
    path("<int:pk>/export/responses.xlsx", views.survey_export, {"part": "responses"},
         name="export-responses"),
    path("<int:pk>/responses/", views.ResponseListView.as_view(), name="responses"),
    path("<int:pk>/void/", views.survey_void, name="void"),
    path("<int:pk>/entry/", views.staff_entry, name="entry"),
    path("s/<str:token>/", views.public_form, name="public"),
    path("s/<str:token>/c/<int:community_id>/", views.public_form, name="public-community"),
]
