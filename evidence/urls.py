from django.urls import path

from . import office_views

app_name = "evidence"

urlpatterns = [
    path("photo-settings/", office_views.photo_settings, name="photo-settings"),
]
