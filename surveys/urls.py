from django.urls import path

from . import views

app_name = "surveys"

urlpatterns = [
    path("", views.SurveyListView.as_view(), name="list"),
    path("new/", views.SurveyCreateView.as_view(), name="create"),
    path("<int:pk>/", views.SurveyDetailView.as_view(), name="detail"),
    path("<int:pk>/edit/", views.SurveyUpdateView.as_view(), name="edit"),
    path("<int:pk>/questions/", views.survey_question_add, name="question-add"),
    path("<int:pk>/publish/", views.survey_status, {"status": "open"}, name="publish"),
    path("<int:pk>/close/", views.survey_status, {"status": "closed"}, name="close"),
    path("<int:pk>/copy/", views.survey_copy, name="copy"),
    path("<int:pk>/quotas/", views.survey_quotas, name="quotas"),
    path("<int:pk>/qr.png", views.survey_qr, {"fmt": "png"}, name="qr-png"),
    path("<int:pk>/qr.svg", views.survey_qr, {"fmt": "svg"}, name="qr-svg"),
    path("<int:pk>/results/", views.SurveyResultsView.as_view(), name="results"),
    path("<int:pk>/export/rates.xlsx", views.survey_export_rates, name="export-rates"),
    path("<int:pk>/export/responses.xlsx", views.survey_export_responses,
         name="export-responses"),
    path("<int:pk>/responses/", views.ResponseListView.as_view(), name="responses"),
    path("<int:pk>/void/", views.survey_void, name="void"),
    path("<int:pk>/entry/", views.staff_entry, name="entry"),
    path("s/<str:token>/", views.public_form, name="public"),
    path("s/<str:token>/c/<int:community_id>/", views.public_form, name="public-community"),
]
