"""Writes of the evidence app: the city's photo upload setting."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .models import PhotoSettings

PHOTO_SETTINGS_DENIED = "照片上传方式全市统一，只有市创城办可以修改。"


def may_edit_photo_settings(user):
    return user.is_authenticated and user.is_city_office


@transaction.atomic
def photo_settings_save(*, by, mode, max_side):
    """Save the one row of the city's photo setting; Chinese per-field errors on bad input."""
    if not may_edit_photo_settings(by):
        raise PermissionDenied(PHOTO_SETTINGS_DENIED)
    errors = {}
    if mode not in PhotoSettings.Mode.values:
        errors["mode"] = ["请选择照片上传方式。"]
    if not isinstance(max_side, int) or not (
            PhotoSettings.MIN_SIDE <= max_side <= PhotoSettings.MAX_SIDE):
        errors["max_side"] = [f"最长边请填写 {PhotoSettings.MIN_SIDE} 到 "
                              f"{PhotoSettings.MAX_SIDE} 之间的整数。"]
    if errors:
        raise ValidationError(errors)
    row, _ = PhotoSettings.objects.select_for_update().get_or_create(pk=1)
    row.mode, row.max_side, row.updated_by = mode, max_side, by
    row.save()
    return row
