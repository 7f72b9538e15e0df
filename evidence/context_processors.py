"""What the phone pages need to know before they send a photo (read by static/js/field.js
from the page's data attributes)."""

from django.utils.functional import SimpleLazyObject

from .models import PhotoSettings


def photo_settings(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    current = SimpleLazyObject(PhotoSettings.current)
    return {"photo_settings": current}
