from django.urls import re_path

from . import open311

app_name = "open311"

FMT = r"\.(?P<fmt>json|xml)$"

urlpatterns = [
    re_path(r"^discovery" + FMT, open311.discovery, name="discovery"),
    re_path(r"^services" + FMT, open311.service_list, name="services"),
    re_path(r"^services/(?P<code>[\w-]{1,30})" + FMT, open311.service_definition,
            name="service"),
    re_path(r"^requests" + FMT, open311.requests_view, name="requests"),
    re_path(r"^requests/(?P<pk>\d{1,30})" + FMT, open311.request_detail, name="request"),
    re_path(r"^tokens/(?P<token>[\w-]{1,64})" + FMT, open311.token_view, name="token"),
]
