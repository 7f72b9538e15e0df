"""Abstract evidence files: the photos and documents that issues and ledgers keep.

Each app subclasses `EvidenceImage` / `EvidenceDocument`, adds its owner foreign key and names
it in `evidence_owner_field`. Files live under `<app>/<owner-id>/<uuid4hex>.<ext>`, the
extension taken from the sniffed content; the user's file name is kept only in a column.
"""

import uuid

from django.conf import settings
from django.db import models, transaction
from django.urls import reverse


def _owner_folder(instance):
    owner_id = getattr(instance, f"{instance.evidence_owner_field}_id", None)
    return f"{instance._meta.app_label}/{int(owner_id) if owner_id else 0}"


def evidence_upload_to(instance, filename):
    """`<app>/<owner-id>/<uuid4hex>.<ext>`; `ext` is what the validator sniffed from the content
    (set with `attach()`), never the user's name, so no path trick can reach the disk."""
    ext = instance.sniffed_ext or "bin"
    return f"{_owner_folder(instance)}/{uuid.uuid4().hex}.{ext}"


def derived_upload_to(instance, filename):
    """Thumbnails and display copies sit beside the original, named by a fresh uuid."""
    return f"{_owner_folder(instance)}/{uuid.uuid4().hex}.webp"


class EvidenceFile(models.Model):
    """What every evidence file has: who sent it, its original name, size and checksum."""

    evidence_owner_field = None  # the concrete model's owner FK name, e.g. "submission"
    # Name of a URL taking `pk` and `kind` that serves the file after a scope check.
    file_url_name = None

    original_name = models.CharField("原文件名", max_length=255, blank=True)
    size = models.PositiveBigIntegerField("大小（字节）", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="上传人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    created = models.DateTimeField("上传时间", auto_now_add=True)

    sniffed_ext = None
    file_fields = ("file",)

    class Meta:
        abstract = True

    def attach(self, uploaded, info):
        """Set the file from a validated upload (`info` from evidence.validators)."""
        self.sniffed_ext = info.ext
        self.original_name = (getattr(uploaded, "name", "") or "")[:255]
        self.size = info.size
        self.file = uploaded

    def delete(self, *args, **kwargs):
        """Deleting the row deletes its files, once the deletion is committed."""
        files = [getattr(self, f) for f in self.file_fields]
        result = super().delete(*args, **kwargs)
        for f in files:
            if f:
                storage, name = f.storage, f.name
                transaction.on_commit(lambda s=storage, n=name: s.delete(n))
        return result

    def file_url(self, kind="file"):
        return reverse(self.file_url_name, kwargs={"pk": self.pk, "kind": kind})

    @property
    def url(self):
        return self.file_url("file")


class EvidenceImage(EvidenceFile):
    """A photo kept as evidence: the untouched original, a thumbnail, a watermarked display
    copy, its EXIF time and place, and a perceptual hash for copy detection."""

    file = models.ImageField(
        "照片", upload_to=evidence_upload_to, width_field="width", height_field="height",
        max_length=255,
    )
    width = models.PositiveIntegerField("宽", null=True, blank=True)
    height = models.PositiveIntegerField("高", null=True, blank=True)
    # 64-bit pHash (imagehash.phash) stored as signed int64; the four 16-bit bands are indexed
    # so the near-duplicate lookup reads a few candidates instead of every hash
    # (see evidence.duplicates).
    phash = models.BigIntegerField("感知哈希", null=True, blank=True, db_index=True)
    phash_band0 = models.IntegerField(null=True, blank=True, db_index=True, editable=False)
    phash_band1 = models.IntegerField(null=True, blank=True, db_index=True, editable=False)
    phash_band2 = models.IntegerField(null=True, blank=True, db_index=True, editable=False)
    phash_band3 = models.IntegerField(null=True, blank=True, db_index=True, editable=False)
    exif_taken_at = models.DateTimeField("拍摄时间（EXIF）", null=True, blank=True)
    exif_lat = models.FloatField("纬度（EXIF）", null=True, blank=True)
    exif_lng = models.FloatField("经度（EXIF）", null=True, blank=True)
    thumbnail = models.ImageField("缩略图", upload_to=derived_upload_to, blank=True,
                                  max_length=255)
    display = models.ImageField("水印图", upload_to=derived_upload_to, blank=True,
                                max_length=255)
    processed_at = models.DateTimeField("处理完成时间", null=True, blank=True)

    file_fields = ("file", "thumbnail", "display")

    class Meta:
        abstract = True

    def watermark_place(self):
        """The place or point name written on the display copy; subclasses say where."""
        return ""

    @property
    def thumbnail_url(self):
        return self.file_url("thumbnail") if self.thumbnail else ""

    @property
    def display_url(self):
        return self.file_url("display") if self.display else self.file_url("file")

    @property
    def is_processed(self):
        return self.processed_at is not None


class EvidenceDocument(EvidenceFile):
    """A document kept as evidence: PDF, Word or Excel, validated by its content."""

    file = models.FileField("文件", upload_to=evidence_upload_to, max_length=255)
    content_type = models.CharField("类型", max_length=100, blank=True)

    class Meta:
        abstract = True

    def attach(self, uploaded, info):
        super().attach(uploaded, info)
        self.content_type = info.content_type


class ClientSubmission(models.Model):
    """A draft a phone sent, known by the UUID the phone gave it: a repeat of the same draft
    (a retry after the network dropped the answer) finds this row and answers the object the
    first one made, so an issue, inspection, rectification or photo is never filed twice."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="提交人",
                             on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField("草稿编号")
    action = models.CharField("提交内容", max_length=40)
    content_type = models.ForeignKey("contenttypes.ContentType", null=True,
                                     on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField(null=True)
    created = models.DateTimeField("收到时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "离线草稿提交记录"
        constraints = [
            models.UniqueConstraint(fields=["user", "key"],
                                    name="evidence_clientsubmission_once_per_user"),
        ]

    def __str__(self):
        return f"{self.action} {self.key}"

    def result(self):
        """The object the first request made (None if it has since been deleted)."""
        model = self.content_type.model_class()
        return model._base_manager.filter(pk=self.object_id).first()


class PhotoSettings(models.Model):
    """How phones send photos, decided once for the whole city by the city office: shrunk in
    the browser first (about 1 MB, light on mobile data) or sent as taken (originals, for
    when the office needs full detail). One row; without it the PHOTO_KEEP_ORIGINALS setting
    decides. The server checks every photo's content and size either way."""

    class Mode(models.TextChoices):
        COMPRESS = "compress", "先压缩再上传（省流量，推荐）"
        ORIGINAL = "original", "保留原图上传（不压缩，耗流量）"

    MIN_SIDE, MAX_SIDE, DEFAULT_SIDE = 800, 4096, 1920

    mode = models.CharField("照片上传", max_length=10, choices=Mode.choices,
                            default=Mode.COMPRESS)
    max_side = models.PositiveIntegerField(
        "压缩后最长边（像素）", default=DEFAULT_SIDE,
        help_text="压缩时照片最长的一边缩到这个像素数，800 到 4096 之间")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name="修改人", null=True,
                                   blank=True, on_delete=models.SET_NULL, related_name="+")
    updated = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "照片上传设置"

    def __str__(self):
        return self.get_mode_display()

    @classmethod
    def current(cls):
        """The city's setting (an unsaved default built from PHOTO_KEEP_ORIGINALS when the
        office never saved one). One query by primary key."""
        found = cls.objects.filter(pk=1).first()
        if found is not None:
            return found
        keep = getattr(settings, "PHOTO_KEEP_ORIGINALS", False)
        return cls(pk=1, mode=cls.Mode.ORIGINAL if keep else cls.Mode.COMPRESS)

    @property
    def keep_originals(self):
        return self.mode == self.Mode.ORIGINAL
