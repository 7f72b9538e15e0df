from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockouts"),
    path("lockouts/<str:username>/reset/", views.LockoutResetView.as_view(), name="lockout-reset"),
]
