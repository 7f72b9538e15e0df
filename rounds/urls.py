from django.urls import path

from . import views

app_name = "rounds"

urlpatterns = [
    path("", views.RoundListView.as_view(), name="round-list"),
    path("new/", views.RoundFormView.as_view(), name="round-create"),
    path("mine/", views.MyRoundsView.as_view(), name="my-routes"),
    path("<int:pk>/", views.RoundDetailView.as_view(), name="round-detail"),
    path("<int:pk>/edit/", views.RoundFormView.as_view(), name="round-edit"),
    path("<int:pk>/draw/", views.RoundDrawView.as_view(), name="round-draw"),
    path("<int:pk>/sample/", views.RoundSampleView.as_view(), name="round-sample"),
    path("<int:pk>/sample/<int:sample>/swap/", views.SampleSwapView.as_view(),
         name="sample-swap"),
    path("<int:pk>/sample/<int:sample>/inspect/", views.SampleInspectView.as_view(),
         name="sample-inspect"),
    path("<int:pk>/sample.xlsx", views.SampleExportView.as_view(), name="sample-export"),
    path("<int:pk>/scores.xlsx", views.ScoresExportView.as_view(), name="scores-export"),
    path("<int:pk>/scores.pdf", views.ScoresPdfView.as_view(), name="scores-pdf"),
    path("<int:pk>/findings.xlsx", views.FindingsExportView.as_view(), name="findings-export"),
    path("<int:pk>/teams/", views.TeamsView.as_view(), name="round-teams"),
    path("<int:pk>/teams/<int:team>/route/", views.RouteView.as_view(), name="route"),
]
