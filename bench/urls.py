"""The app's URLs plus two bare views used as floors: a plain Django view and a DRF view with
the same authentication and permission classes as the API, both answering a fixed body."""

from django.http import HttpResponse
from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as app_urlpatterns


def bare(request):
    # Reading FILES makes a multipart POST pay for parsing the upload, as the real view does.
    size = sum(f.size for f in request.FILES.values()) if request.method == "POST" else 0
    return HttpResponse(f"ok {size}", content_type="text/plain")


class BareAPIView(APIView):
    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"files": sum(f.size for f in request.FILES.values())})


urlpatterns = [
    path("__bench__/bare/", bare),
    path("__bench__/bare-api/", BareAPIView.as_view()),
    *app_urlpatterns,
]
