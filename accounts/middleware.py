from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired
from django.shortcuts import render


class LoginRequiredMiddleware(BaseLoginRequired):
    """Pages are login-only by default (views opt out with @login_not_required).

    The API answers for itself: DRF authenticates tokens and sessions and returns 401/403,
    which machines understand better than a redirect to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class ProductNotFoundMiddleware:
    """With DEBUG on (`make run`), an unknown page or an id outside the user's scope still
    answers the product's Chinese 404 page instead of Django's English debug page, so the
    local run shows what users see. Off DEBUG Django renders 404.html itself; /api/ answers
    JSON either way."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if (settings.DEBUG and response.status_code == 404
                and not request.path_info.startswith("/api/")
                and response.get("Content-Type", "").startswith("text/html")):
            return render(request, "404.html", status=404)
        return response
