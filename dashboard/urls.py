from django.urls import path

from . import views

app_name = "dashboard"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="ranking"),
    path("export/", views.RankingExportView.as_view(), name="ranking-export"),
    path("weights/", views.WeightsView.as_view(), name="weights"),
    path("projection/", views.ProjectionView.as_view(), name="projection"),
    path("reports/", views.ReportListView.as_view(), name="report-list"),
    path("screen/", views.ScreenView.as_view(), name="screen"),
    path("units/<int:pk>/", views.UnitHistoryView.as_view(), name="unit-history"),
    path("units/<int:pk>/records/<str:column>/", views.UnitRecordsView.as_view(),
         name="unit-records"),
    path("units/<int:pk>/card/", views.UnitScorecardView.as_view(), name="unit-scorecard"),
    path("escalations/documents/<int:pk>/<str:kind>/", views.EscalationDocumentView.as_view(),
         name="escalation-document-file"),
]
