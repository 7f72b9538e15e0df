"""The app's URLs plus two bare views used as floors: a plain Django view and a DRF view with
the same authentication and permission classes as the API, both answering a fixed body."""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse
from django.urls import path
from django.views.decorators.cache import never_cache
from rest_framework.response import Response
from rest_framework.views import APIView

from config.urls import urlpatterns as app_urlpatterns


def bare(request):
    # Reading FILES makes a multipart POST pay for parsing the upload, as the real view does.
    size = sum(f.size for f in request.FILES.values()) if request.method == "POST" else 0
    return HttpResponse(f"ok {size}", content_type="text/plain")


@login_not_required
@never_cache
def bare_public(request):
    """The anonymous form's floor: the same middleware (CSRF included) and a POST parsed."""
    return HttpResponse(f"ok {len(request.POST)}", content_type="text/plain")


class BareAPIView(APIView):
    def get(self, request):
        return Response({"ok": True})

    def post(self, request):
        return Response({"files": sum(f.size for f in request.FILES.values())})

    def patch(self, request):
        return self.post(request)


urlpatterns = [
    path("__bench__/bare/", bare),
    path("__bench__/bare-api/", BareAPIView.as_view()),
    path("__bench__/bare-public/", bare_public),
    *app_urlpatterns,
]
