from django.urls import path

from . import office_views, views

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
    path("notice/docx/", views.NoticeDocxView.as_view(), name="notice-docx"),
    path("bulk-assign/", views.BulkAssignView.as_view(), name="bulk-assign"),
    path("categories/", office_views.CategoryListView.as_view(), name="category-list"),
    path("categories/new/", office_views.CategoryFormView.as_view(), name="category-create"),
    path("categories/<int:pk>/edit/", office_views.CategoryFormView.as_view(),
         name="category-edit"),
    path("holidays/", office_views.HolidayView.as_view(), name="holidays"),
    path("holidays/import/", office_views.HolidayImportView.as_view(), name="holiday-import"),
    path("holidays/import/template/", office_views.HolidayImportTemplateView.as_view(),
         name="holiday-import-template"),
    path("holidays/<int:pk>/delete/", office_views.HolidayDeleteView.as_view(),
         name="holiday-delete"),
    path("<int:pk>/", views.IssueDetailView.as_view(), name="issue-detail"),
    path("<int:pk>/<str:action>/", views.IssueActionView.as_view(), name="issue-action"),
    path("photos/<int:pk>/<str:kind>/", views.PhotoFileView.as_view(), name="photo-file"),
]
