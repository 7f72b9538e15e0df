from django.urls import path

from . import views

app_name = "jobs"

urlpatterns = [
    path("", views.JobListView.as_view(), name="job-list"),
    path("<int:pk>/", views.JobDetailView.as_view(), name="job-detail"),
    path("<int:pk>/download/", views.JobDownloadView.as_view(), name="job-download"),
    path("<int:pk>/pdf/", views.JobDownloadView.as_view(field="pdf"), name="job-pdf"),
]
