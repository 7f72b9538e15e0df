"""The city office's page for the photo upload setting (照片上传保留原图 or compress first)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from .models import PhotoSettings
from .services import PHOTO_SETTINGS_DENIED, may_edit_photo_settings, photo_settings_save


@require_http_methods(["GET", "POST"])
def photo_settings(request):
    """GET shows the form, POST saves it; only the city office (403 for everyone else)."""
    if not may_edit_photo_settings(request.user):
        raise PermissionDenied(PHOTO_SETTINGS_DENIED)
    current = PhotoSettings.current()
    errors, status = {}, 200
    values = {"mode": current.mode, "max_side": str(current.max_side)}
    if request.method == "POST":
        values = {"mode": request.POST.get("mode", ""),
                  "max_side": request.POST.get("max_side", "").strip()}
        raw = values["max_side"]
        try:
            photo_settings_save(by=request.user, mode=values["mode"],
                                max_side=int(raw) if raw.isdigit() and len(raw) < 7 else None)
        except ValidationError as exc:
            errors, status = exc.message_dict, 400
        else:
            messages.success(request, "照片上传设置已保存，手机下次打开页面时生效。")
            return redirect("evidence:photo-settings")
    return render(request, "evidence/photo_settings.html", {
        "current": current, "values": values, "errors": errors,
        "modes": PhotoSettings.Mode.choices,
        "min_side": PhotoSettings.MIN_SIDE, "max_side": PhotoSettings.MAX_SIDE,
    }, status=status)
