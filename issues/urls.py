from django.urls import path

from . import views

app_name = "issues"

urlpatterns = [
    path("", views.IssueListView.as_view(), name="issue-list"),
    path("new/", views.IssueFileView.as_view(), name="issue-file"),
    path("export/", views.IssueExportView.as_view(), name="issue-export"),
    path("import/", views.IssueImportView.as_view(), name="issue-import"),
    path("import/template/", views.IssueImportTemplateView.as_view(),
         name="issue-import-template"),
    path("map/", views.IssueMapView.as_view(), name="issue-map"),
    path("notice/", views.NoticeDraftView.as_view(), name="notice-draft"),
    path("bulk-assign/", views.BulkAssignView.as_view(), name="bulk-assign"),
    path("<int:pk>/", views.IssueDetailView.as_view(), name="issue-detail"),
    path("<int:pk>/<str:action>/", views.IssueActionView.as_view(), name="issue-action"),
    path("photos/<int:pk>/<str:kind>/", views.PhotoFileView.as_view(), name="photo-file"),
]
