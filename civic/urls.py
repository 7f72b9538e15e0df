from django.urls import path

from . import office_views, views

app_name = "civic"

urlpatterns = [
    # Public, no login: the resident's form and status page.
    path("report/", views.report_form, name="report"),
    path("track/", views.track, name="track-lookup"),
    path("track/<str:code>/", views.track, name="track"),
    # The office.
    path("office/", office_views.report_list, name="report-list"),
    path("office/<int:pk>/", office_views.report_detail, name="report-detail"),
    path("office/<int:pk>/<slug:action>/", office_views.report_action, name="report-action"),
    path("office/photos/<int:pk>/<slug:kind>/", office_views.photo_file, name="photo-file"),
    path("office/settings/", office_views.settings_page, name="settings"),
    path("office/categories/new/", office_views.category_save, name="category-create"),
    path("office/categories/<int:pk>/", office_views.category_save, name="category-edit"),
    path("office/regions/<int:pk>/policy/", office_views.policy_save, name="policy-save"),
    path("office/qr.png", office_views.qr_code, name="qr"),
    path("office/keys/", office_views.key_list, name="key-list"),
    path("office/keys/new/", office_views.key_create, name="key-create"),
    path("office/keys/<int:pk>/revoke/", office_views.key_revoke, name="key-revoke"),
    path("office/keys/<int:pk>/calls/", office_views.key_calls, name="key-calls"),
    path("office/stats/", office_views.stats, name="stats"),
]
