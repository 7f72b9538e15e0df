from django.contrib.auth.middleware import LoginRequiredMiddleware as BaseLoginRequired


class LoginRequiredMiddleware(BaseLoginRequired):
    """Pages are login-only by default (views opt out with @login_not_required).

    The API answers for itself: DRF authenticates tokens and sessions and returns 401/403,
    which machines understand better than a redirect to the login page.
    """

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)
