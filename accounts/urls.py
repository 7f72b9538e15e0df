from django.urls import path

from . import office_views, views

app_name = "accounts"

urlpatterns = [
    path("units/", views.UnitListView.as_view(), name="unit-list"),
    path("units/<int:pk>/", views.UnitDetailView.as_view(), name="unit-detail"),
    path("notifications/", views.NotificationListView.as_view(), name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
    path("notifications/read-all/", views.notification_read_all, name="notifications-read-all"),
    path("me/delivery/", views.DeliveryPreferenceView.as_view(), name="delivery-settings"),
    path("people/", office_views.AccountListView.as_view(), name="account-list"),
    path("people/new/", office_views.AccountCreateView.as_view(), name="account-create"),
    path("people/<int:pk>/", office_views.AccountDetailView.as_view(), name="account-detail"),
    path("people/<int:pk>/password/", office_views.AccountPasswordView.as_view(),
         name="account-password"),
    path("people/<int:pk>/active/", office_views.AccountActiveView.as_view(),
         name="account-active"),
    path("people/<int:pk>/handover/", office_views.AccountHandoverView.as_view(),
         name="account-handover"),
    path("deliveries/", office_views.DeliveryListView.as_view(), name="delivery-list"),
    path("lockouts/", views.LockoutListView.as_view(), name="lockouts"),
    path("lockouts/<str:username>/reset/", views.LockoutResetView.as_view(), name="lockout-reset"),
]
