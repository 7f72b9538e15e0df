"""Form and DRF fields that run the evidence validators, so pages and the API refuse the
same files with the same Chinese messages."""

from django import forms
from django.core.exceptions import ValidationError
from rest_framework import serializers

from .validators import validate_document, validate_image


def _drf_validate(validator, value):
    try:
        value.evidence_info = validator(value)
    except ValidationError as exc:
        raise serializers.ValidationError(exc.messages) from None
    return value


class ImageUploadField(serializers.FileField):
    """A DRF file field accepting only real JPEG/PNG/WebP photos within the limits; the
    validated upload carries `evidence_info` (format, extension, size)."""

    def to_internal_value(self, data):
        return _drf_validate(validate_image, super().to_internal_value(data))


class DocumentUploadField(serializers.FileField):
    """A DRF file field accepting PDF/Word/Excel by content."""

    def to_internal_value(self, data):
        return _drf_validate(validate_document, super().to_internal_value(data))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleEvidenceField(forms.FileField):
    """A form field for one or more files, each validated by `validator`; cleans to a list of
    uploads carrying `evidence_info`."""

    def __init__(self, *args, validator=validate_image, accept="image/*", **kwargs):
        self.validator = validator
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        cleaned = []
        errors = []
        for f in files:
            f = super().clean(f, initial)
            try:
                f.evidence_info = self.validator(f)
            except ValidationError as exc:
                errors += [f"{f.name}：{m}" for m in exc.messages]
            cleaned.append(f)
        if errors:
            raise ValidationError(errors)
        return cleaned


class ClientUUIDField(serializers.UUIDField):
    """The UUID a phone gave its offline draft (`client_uuid`; the `Idempotency-Key` header
    says the same): a repeat of the request answers the first one's object."""

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("help_text", "离线草稿编号（UUID）；同一编号重复提交只生效一次")
        super().__init__(**kwargs)
