from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api_errors import field_errors
from accounts.workflow import ActionsField
from evidence.fields import ClientUUIDField
from evidence.validators import validate_document, validate_image

from .copycheck import flags_for, matches_of
from .models import (
    REPORT_ELEMENTS,
    WORKFLOW,
    LedgerDocument,
    LedgerPhoto,
    LedgerRequirement,
    LedgerSubmission,
    ReportFingerprint,
)
from .services import CAPTION_FIELDS


def classify_uploads(files):
    """Split uploads into (photos, documents) by content; every file that is neither a real
    photo nor a PDF/Word/Excel document is reported by name (nothing is stored)."""
    photos, documents, errors = [], [], []
    for f in files:
        try:
            f.evidence_info = validate_image(f)
            photos.append(f)
            continue
        except DjangoValidationError as exc:
            if exc.code != "not_image":
                errors += [f"{f.name}：{m}" for m in exc.messages]
                continue
        try:
            f.evidence_info = validate_document(f)
            documents.append(f)
        except DjangoValidationError as exc:
            code = exc.code
            msg = exc.messages[0] if code in ("file_too_large", "empty", "zip_bomb") else (
                "不是真实的照片（JPG/PNG/WebP）或 PDF/Word/Excel 文件。")
            errors.append(f"{f.name}：{msg}")
    if errors:
        raise serializers.ValidationError(errors)
    return photos, documents


class ReportField(serializers.DictField):
    """The five elements as an object {responsibility, deployment, measures, data, results}."""

    child = serializers.CharField(allow_blank=True, max_length=5000)

    def to_internal_value(self, data):
        if isinstance(data, str):
            import json

            try:
                data = json.loads(data)
            except ValueError:
                raise serializers.ValidationError("说明报告应为 JSON 对象。") from None
        value = super().to_internal_value(data)
        unknown = set(value) - set(REPORT_ELEMENTS)
        if unknown:
            raise serializers.ValidationError(f"不认识的要素：{'、'.join(sorted(unknown))}。")
        return value


class LedgerRequirementSerializer(serializers.ModelSerializer):
    standard_code = serializers.CharField(source="standard.code", read_only=True)
    lead_unit_name = serializers.CharField(source="lead_unit.name", read_only=True)

    class Meta:
        model = LedgerRequirement
        fields = ["id", "year", "standard", "standard_code", "title", "lead_unit",
                  "lead_unit_name", "contributing_units", "deadline", "photo_count",
                  "report_required", "document_count", "documents_note", "material_start",
                  "material_end", "activity_name", "activity_start", "activity_end",
                  "guidance", "created"]
        read_only_fields = ["created"]
        extra_kwargs = {"material_start": {"required": False},
                        "material_end": {"required": False}}

    def validate(self, attrs):
        from .requirements import default_material_window

        year = attrs.get("year") or getattr(self.instance, "year", None)
        if self.instance is None and year:
            # Like the office's page: by default the year up to a month before the assessment.
            start, end = default_material_window(year)
            attrs.setdefault("material_start", start)
            attrs.setdefault("material_end", end)
        instance = LedgerRequirement(**{k: v for k, v in attrs.items()
                                        if k != "contributing_units"})
        try:
            instance.clean()
        except DjangoValidationError as exc:
            raise field_errors(exc) from exc
        return attrs


class LedgerPhotoSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    url = serializers.CharField(read_only=True)
    thumbnail_url = serializers.CharField(read_only=True)
    duplicate_of = serializers.SerializerMethodField()

    class Meta:
        model = LedgerPhoto
        fields = ["id", "kind", "original_name", "url", "thumbnail_url", "width", "height",
                  "size", *CAPTION_FIELDS, "exif_taken_at", "exif_lat", "exif_lng",
                  "duplicate_of", "exif_outside_window", "no_exif", "processed_at",
                  "checked_at"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_kind(self, obj):
        return "photo"

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_duplicate_of(self, obj):
        if obj.duplicate_of_id is None:
            return None
        return {"model": obj.duplicate_of_model, "id": obj.duplicate_of_id,
                "distance": obj.duplicate_distance, "url": obj.duplicate_of_url}

    def to_representation(self, obj):
        """The fields above written out: a draft's answer lists every photo it holds, and
        field by field they cost most of the answer (tests compare the two)."""
        def number(value, kind):
            return None if value is None else kind(value)

        def moment(value):
            return None if value is None else _DATETIME.to_representation(value)

        return {
            "id": obj.pk, "kind": "photo", "original_name": obj.original_name,
            "url": obj.url, "thumbnail_url": obj.thumbnail_url,
            "width": number(obj.width, int), "height": number(obj.height, int),
            "size": number(obj.size, int),
            **{f: getattr(obj, f) for f in CAPTION_FIELDS},
            "exif_taken_at": moment(obj.exif_taken_at),
            "exif_lat": number(obj.exif_lat, float), "exif_lng": number(obj.exif_lng, float),
            "duplicate_of": self.get_duplicate_of(obj),
            "exif_outside_window": obj.exif_outside_window, "no_exif": obj.no_exif,
            "processed_at": moment(obj.processed_at), "checked_at": moment(obj.checked_at),
        }


_DATETIME = serializers.DateTimeField()


class LedgerDocumentSerializer(serializers.ModelSerializer):
    kind = serializers.SerializerMethodField()
    url = serializers.CharField(read_only=True)

    class Meta:
        model = LedgerDocument
        fields = ["id", "kind", "title", "original_name", "url", "size", "content_type"]

    @extend_schema_field(OpenApiTypes.STR)
    def get_kind(self, obj):
        return "document"


class LedgerSubmissionSerializer(serializers.ModelSerializer):
    """Output: the submission with its files (photos carry their honesty flags)."""

    unit_name = serializers.CharField(source="unit.name", read_only=True)
    report = ReportField(required=False)
    files = serializers.SerializerMethodField()
    text_check = serializers.SerializerMethodField()
    actions = ActionsField(WORKFLOW)

    class Meta:
        model = LedgerSubmission
        fields = ["id", "requirement", "unit", "unit_name", "version", "previous", "status",
                  "report", "signed_by", "signed_at", "reviewed_by", "reviewed_at",
                  "review_comments", "files", "text_check", "actions", "created", "updated"]
        read_only_fields = [f for f in fields if f != "report"]

    @extend_schema_field(OpenApiTypes.ANY)
    def get_files(self, obj):
        # Built once per list, not per row: a ModelSerializer builds its fields on first use,
        # which per row dominated a page of 50 (bench/REMARKS.md).
        if not hasattr(self, "_file_serializers"):
            self._file_serializers = (LedgerPhotoSerializer(many=True),
                                      LedgerDocumentSerializer(many=True))
        photos, documents = self._file_serializers
        return photos.to_representation(obj.photos.all()) + documents.to_representation(
            obj.documents.all())

    def _text_matches(self):
        """Matches and flagged texts of every submission on the page, read once (two
        queries; none when no report of the page was checked, one when none is flagged)."""
        if not hasattr(self, "_matches"):
            page = getattr(self.parent, "instance", None) if self.parent else None
            subs = list(page) if page is not None else [self.instance]
            # Only checked reports can have matches: a page of drafts costs no query.
            checked = [s.pk for s in subs if getattr(s, "fingerprint", None) is not None]
            self._matches = list(matches_of(checked)) if checked else []
            flagged = {pk for m in self._matches for pk in (m.submission_id, m.other_id)}
            self._texts = dict(ReportFingerprint.objects.filter(
                submission_id__in=flagged & {s.pk for s in subs}).values_list(
                "submission_id", "text")) if self._matches else {}
        return self._matches, self._texts

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_text_check(self, obj):
        """The copied-report check: null until the report is signed and checked; then when,
        which documents could not be read, and each overlap (`other` and `passages` only
        when the caller may see the other report)."""
        fingerprint = getattr(obj, "fingerprint", None) if obj.signed_at else None
        if fingerprint is None:
            return None
        matches, texts = self._text_matches()
        user = self.context["request"].user
        own = texts.get(obj.pk, "")
        out = []
        for flag in flags_for(obj, user, matches):
            other = flag.other
            out.append({
                "kind": flag.kind, "kind_display": flag.kind_display,
                "similarity": flag.similarity,
                "other": {"id": other.pk, "unit_name": other.unit.name,
                          "year": other.requirement.year,
                          "requirement_title": other.requirement.title,
                          "version": other.version,
                          "url": other.get_absolute_url()} if flag.visible else None,
                "passages": [{"text": own[a:b], "own": [a, b], "other": [c, d]}
                             for a, b, c, d in flag.spans],
            })
        return {"checked_at": fingerprint.checked_at, "notes": fingerprint.notes,
                "flagged": bool(out), "matches": out}


class CaptionSerializer(serializers.Serializer):
    """The caption of the photos sent in one request, and the draft's UUID of a phone."""

    caption_time = serializers.CharField(required=False, allow_blank=True, max_length=50)
    caption_place = serializers.CharField(required=False, allow_blank=True, max_length=100)
    caption_people = serializers.CharField(required=False, allow_blank=True, max_length=100)
    caption_subject = serializers.CharField(required=False, allow_blank=True, max_length=100)
    caption_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)
    client_uuid = ClientUUIDField()


class SubmissionCreateSerializer(CaptionSerializer):
    requirement = serializers.PrimaryKeyRelatedField(queryset=LedgerRequirement.objects.none())
    files = serializers.ListField(child=serializers.FileField(), allow_empty=False)
    report = ReportField(required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = self.context["request"].user
        self.fields["requirement"].queryset = LedgerRequirement.objects.visible_to(user)

    def validate_files(self, files):
        return classify_uploads(files)


class SubmissionUpdateSerializer(CaptionSerializer):
    report = ReportField(required=False)
    files = serializers.ListField(child=serializers.FileField(), required=False)

    def validate_files(self, files):
        return classify_uploads(files)


class ReturnSerializer(serializers.Serializer):
    comments = serializers.DictField(child=serializers.CharField(allow_blank=True),
                                     required=False)
    comment = serializers.CharField(required=False, allow_blank=True)

    def validate(self, attrs):
        comments = dict(attrs.get("comments") or {})
        if attrs.get("comment"):
            comments["general"] = attrs["comment"]
        attrs["comments"] = comments
        return attrs
