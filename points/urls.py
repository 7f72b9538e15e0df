from django.urls import path

from . import views

app_name = "points"

urlpatterns = [
    path("", views.PointListView.as_view(), name="point-list"),
    path("new/", views.PointFormView.as_view(), name="point-create"),
    path("export/", views.PointExportView.as_view(), name="point-export"),
    path("import/", views.PointImportView.as_view(), name="point-import"),
    path("import/template/", views.PointImportTemplateView.as_view(), name="point-import-template"),
    path("map/", views.PointMapView.as_view(), name="point-map"),
    path("map/data/", views.PointMapDataView.as_view(), name="point-map-data"),
    path("basemap/", views.BaseMapView.as_view(), name="basemap"),
    path("basemap/data/", views.BaseMapDataView.as_view(), name="basemap-data"),
    path("basemap/<int:pk>/delete/", views.BaseMapDeleteView.as_view(), name="basemap-delete"),
    path("<int:pk>/", views.PointDetailView.as_view(), name="point-detail"),
    path("<int:pk>/edit/", views.PointFormView.as_view(), name="point-edit"),
    path("<int:pk>/inspect/", views.InspectionCreateView.as_view(), name="inspection-create"),
    path("circles/", views.CircleListView.as_view(), name="circle-list"),
    path("circles/new/", views.CircleFormView.as_view(), name="circle-create"),
    path("circles/<int:pk>/", views.CircleDetailView.as_view(), name="circle-detail"),
    path("circles/<int:pk>/edit/", views.CircleFormView.as_view(), name="circle-edit"),
    path("inspections/nearby/", views.NearbyView.as_view(), name="inspection-nearby"),
    path("inspections/<int:pk>/", views.InspectionDetailView.as_view(), name="inspection-detail"),
    path("inspection-results/<int:pk>/photo/", views.InspectionPhotoView.as_view(),
         name="inspection-photo"),
    path("pass-rates/", views.PassRateView.as_view(), name="pass-rates"),
    path("categories/", views.CategoryListView.as_view(), name="category-list"),
    path("framework/", views.FrameworkView.as_view(), name="framework"),
    path("framework/import/", views.FrameworkImportView.as_view(), name="framework-import"),
    path("framework/import/template/", views.FrameworkTemplateView.as_view(),
         name="framework-import-template"),
]
