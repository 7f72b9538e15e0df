"""The installable field app: web app manifest, service worker and the offline page.

The worker is written by hand (static/js/sw.js, rendered here with the list of what to keep)
rather than built with Workbox: it does three small things — keep the app shell and the pages
listed below for the signed-in role, answer pages network-first with the kept copy as the
fallback, and send the offline queue on Background Sync — and serving it from a view lets the
precache list carry the hashed static names and the role's pages without a build step.
"""

import hashlib
import json

import segno
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from .lockout import tries_left
from .models import Role

# The app shell: every page needs these, and the offline queue needs the last three.
SHELL_ASSETS = [
    "favicon.svg", "icons/icon-192.png",
    "vendor/bootstrap/bootstrap.min.css", "vendor/bootstrap/bootstrap.bundle.min.js",
    "vendor/bootstrap-icons/bootstrap-icons.min.css",
    "vendor/bootstrap-icons/fonts/bootstrap-icons.woff2",
    "vendor/htmx.min.js", "css/app.css", "css/issues.css", "css/points.css", "js/app.js",
    "vendor/idb/umd.js", "vendor/browser-image-compression/browser-image-compression.js",
    "js/field_queue.js", "js/field.js",
]

# The pages each role opens in the field, kept by the worker so they open with no signal.
ROLE_PAGES = {
    Role.INSPECTOR: ["home", "issues:issue-file", "issues:issue-list", "points:point-list",
                     "points:inspection-nearby"],
    Role.OFFICE: ["home", "issues:issue-file", "issues:issue-list", "points:point-list",
                  "ledgers:requirement-list"],
    Role.LIAISON: ["home", "issues:issue-list", "ledgers:requirement-list"],
    Role.UNIT_LEADER: ["home", "issues:issue-list", "ledgers:requirement-list"],
    Role.POINT_CHIEF: ["home", "issues:issue-file", "issues:issue-list", "points:point-list"],
    Role.LEADER: ["home", "dashboard:ranking", "issues:issue-list"],
}

# Where the installed app opens, by role.
START_PAGES = {Role.INSPECTOR: "points:inspection-nearby", Role.LEADER: "dashboard:ranking"}


def kept_pages(user):
    """URLs of the pages the worker keeps for `user` (none before login)."""
    if not user.is_authenticated or user.scope_path is None:
        return []
    names = ROLE_PAGES.get(user.role, ["home"])
    return [reverse("offline")] + [reverse(name) for name in names]


@login_not_required
def manifest(request):
    """The web app manifest: Chinese name, icons, standalone, opening at the role's page."""
    user = request.user
    start = START_PAGES.get(getattr(user, "role", None), "home")
    body = {
        "name": "创城管理平台", "short_name": "创城", "lang": "zh-CN",
        "description": "创建全国文明城市：点位督查、问题上报与整改、台账材料",
        "start_url": reverse(start) + "?source=pwa", "scope": "/", "id": "/",
        "display": "standalone", "orientation": "portrait",
        "background_color": "#ffffff", "theme_color": "#b71c1c",
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {"src": static("icons/icon-maskable-512.png"), "sizes": "512x512",
             "type": "image/png", "purpose": "maskable"},
        ],
    }
    response = JsonResponse(body, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/manifest+json"
    response["Cache-Control"] = "no-cache"
    return response


@login_not_required
@never_cache
def service_worker(request):
    """static/js/sw.js with its precache list; the version changes with the list, so the
    phone picks up new assets and the role's pages after a deploy or another login."""
    from django.contrib.staticfiles import finders
    from django.contrib.staticfiles.storage import staticfiles_storage

    assets = [static(path) for path in SHELL_ASSETS]
    pages = kept_pages(request.user)
    config = {"assets": assets, "pages": pages, "offline": reverse("offline"),
              "queueScripts": [static("vendor/idb/umd.js"), static("js/field_queue.js")],
              "meUrl": "/api/v1/users/me/"}
    version = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:12]
    config["version"] = version
    source = finders.find("js/sw.js")
    if source:
        with open(source, encoding="utf-8") as fh:
            code = fh.read()
    else:  # collected to STATIC_ROOT only
        with staticfiles_storage.open("js/sw.js") as fh:
            code = fh.read().decode()
    response = HttpResponse(f"self.FIELD_CONFIG = {json.dumps(config)};\n{code}",
                            content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


class OfflineView(TemplateView):
    """What the worker shows for a page it never kept: the queue still works."""

    template_name = "offline.html"



class LoginView(auth_views.LoginView):
    """The login page, with a QR code of the site's address to open it on a phone."""

    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        address = self.request.build_absolute_uri("/")
        ctx["site_address"] = address
        ctx["install_qr"] = segno.make(address, error="m").svg_data_uri(scale=4, border=2)
        form = ctx.get("form")
        if form is not None and form.errors:
            ctx["tries_left"] = tries_left(self.request, form.data.get("username", ""))
        return ctx
