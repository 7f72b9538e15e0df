from django.urls import path

from . import office_views, views
from .models import LedgerDocument, LedgerPhoto

app_name = "ledgers"

urlpatterns = [
    path("", views.RequirementListView.as_view(), name="requirement-list"),
    path("requirements/new/", office_views.RequirementFormView.as_view(),
         name="requirement-create"),
    path("requirements/copy/", office_views.RequirementCopyView.as_view(),
         name="requirement-copy"),
    path("requirements/import/", office_views.RequirementImportView.as_view(),
         name="requirement-import"),
    path("requirements/import/template/", office_views.RequirementImportTemplateView.as_view(),
         name="requirement-import-template"),
    path("requirements/export/", office_views.RequirementExportView.as_view(),
         name="requirement-export"),
    path("requirements/<int:pk>/", views.RequirementDetailView.as_view(),
         name="requirement-detail"),
    path("requirements/<int:pk>/edit/", office_views.RequirementFormView.as_view(),
         name="requirement-edit"),
    path("requirements/<int:pk>/sample/", office_views.SampleFileView.as_view(),
         name="requirement-sample"),
    path("requirements/<int:pk>/remind/", views.RemindView.as_view(), name="requirement-remind"),
    path("requirements/<int:pk>/submit/", views.SubmissionCreateView.as_view(),
         name="submission-create"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(),
         name="submission-detail"),
    path("submissions/<int:pk>/report.docx", views.SubmissionReportDocxView.as_view(),
         name="submission-report-docx"),
    path("submissions/<int:pk>/<slug:verb>/", views.SubmissionActionView.as_view(),
         name="submission-action"),
    path("photos/<int:pk>/<str:kind>/", views.EvidenceFileView.as_view(model=LedgerPhoto),
         name="photo-file"),
    path("documents/<int:pk>/<str:kind>/", views.EvidenceFileView.as_view(model=LedgerDocument),
         name="document-file"),
    path("copy-check/", views.CopyCheckView.as_view(), name="copy-check"),
    path("copy-check/export/", views.CopyCheckExportView.as_view(), name="copy-check-export"),
    path("exports/", views.ExportListView.as_view(), name="export-list"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(),
         name="export-download"),
]
