from django.urls import path

from . import views
from .models import LedgerDocument, LedgerPhoto

app_name = "ledgers"

urlpatterns = [
    path("", views.RequirementListView.as_view(), name="requirement-list"),
    path("requirements/<int:pk>/", views.RequirementDetailView.as_view(),
         name="requirement-detail"),
    path("requirements/<int:pk>/remind/", views.RemindView.as_view(), name="requirement-remind"),
    path("requirements/<int:pk>/submit/", views.SubmissionCreateView.as_view(),
         name="submission-create"),
    path("submissions/<int:pk>/", views.SubmissionDetailView.as_view(),
         name="submission-detail"),
    path("submissions/<int:pk>/<slug:verb>/", views.SubmissionActionView.as_view(),
         name="submission-action"),
    path("photos/<int:pk>/<str:kind>/", views.EvidenceFileView.as_view(model=LedgerPhoto),
         name="photo-file"),
    path("documents/<int:pk>/<str:kind>/", views.EvidenceFileView.as_view(model=LedgerDocument),
         name="document-file"),
    path("exports/", views.ExportListView.as_view(), name="export-list"),
    path("exports/<int:pk>/download/", views.ExportDownloadView.as_view(),
         name="export-download"),
]
