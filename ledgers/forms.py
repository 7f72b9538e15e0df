from django import forms

from evidence.fields import MultipleEvidenceField
from evidence.validators import validate_document

from .models import REPORT_ELEMENTS, LedgerRequirement


class ReportForm(forms.Form):
    """The five elements of the explanation report, each with what assessors look for."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for key, (label, hint) in REPORT_ELEMENTS.items():
            self.fields[key] = forms.CharField(label=label, help_text=hint, required=False,
                                               widget=forms.Textarea(attrs={"rows": 3}))


class UploadForm(forms.Form):
    """Photos (camera on a phone) and documents, with one caption for this batch of photos."""

    photos = MultipleEvidenceField(label="照片", required=False, accept="image/*")
    documents = MultipleEvidenceField(
        label="文件（PDF/Word/Excel）", required=False, validator=validate_document,
        accept=".pdf,.doc,.docx,.xls,.xlsx")
    caption_time = forms.CharField(label="时间", max_length=50, required=False)
    caption_place = forms.CharField(label="地点", max_length=100, required=False)
    caption_people = forms.CharField(label="人物", max_length=100, required=False)
    caption_subject = forms.CharField(label="主题", max_length=100, required=False)
    caption_reason = forms.CharField(label="事由", max_length=200, required=False)

    def clean(self):
        data = super().clean()
        if not data.get("photos") and not data.get("documents") and not self.errors:
            raise forms.ValidationError("请至少选择一张照片或一个文件。")
        return data


class ReplacePhotoForm(forms.Form):
    """A new photo for one of the draft's photos (its caption is kept)."""

    file = forms.IntegerField(widget=forms.HiddenInput,
                              error_messages={"required": "请刷新页面后重试。"})
    photo = MultipleEvidenceField(label="新照片", error_messages={"required": "请选择新照片。"})

    def clean_photo(self):
        photos = self.cleaned_data["photo"]
        if len(photos) != 1:
            raise forms.ValidationError("请只选择一张照片。")
        return photos[0]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class RequirementForm(forms.ModelForm):
    """A ledger task as the office sets it: standard, units, deadline, what is required, the
    windows, guidance and a sample. Choices are limited to the user's scope."""

    sample_upload = forms.FileField(
        label="样例文件", required=False,
        help_text="可上传一张示例照片或一份示例文件（PDF、Word、Excel），供各单位参照。")

    class Meta:
        model = LedgerRequirement
        fields = ["year", "standard", "title", "lead_unit", "contributing_units", "deadline",
                  "photo_count", "report_required", "document_count", "documents_note",
                  "material_start", "material_end", "activity_name", "activity_start",
                  "activity_end", "guidance"]
        widgets = {
            "contributing_units": forms.SelectMultiple(attrs={"size": 8}),
            "deadline": forms.DateTimeInput(attrs={"type": "datetime-local"},
                                            format="%Y-%m-%dT%H:%M"),
            "material_start": DateInput(), "material_end": DateInput(),
            "activity_start": DateInput(), "activity_end": DateInput(),
            "guidance": forms.Textarea(attrs={"rows": 4}),
        }
        help_texts = {
            "contributing_units": "按住 Ctrl（手机上直接点选）可选多个单位。",
            "material_end": "默认为测评前一个月。",
            "activity_name": "如：我们的节日·春节、清明、端午、中秋、重阳；填写后照片须在活动日期内拍摄。",
        }
        error_messages = {
            "standard": {"required": "请选择测评标准。",
                         "invalid_choice": "请选择列表中的测评标准。"},
            "lead_unit": {"required": "请选择牵头单位。",
                          "invalid_choice": "请选择您管辖范围内的单位。"},
            "contributing_units": {"invalid_choice": "请选择您管辖范围内的单位。",
                                   "invalid_pk_value": "请选择您管辖范围内的单位。"},
            "title": {"required": "请填写任务名称。"},
            "deadline": {"required": "请填写截止时间。", "invalid": "截止时间格式不正确。"},
            "year": {"required": "请填写年度。", "invalid": "年度须为数字。"},
            "material_start": {"required": "请填写材料起始日期。", "invalid": "日期格式不正确。"},
            "material_end": {"required": "请填写材料截止日期。", "invalid": "日期格式不正确。"},
            "activity_start": {"invalid": "日期格式不正确。"},
            "activity_end": {"invalid": "日期格式不正确。"},
            "photo_count": {"invalid": "照片数量须为整数。"},
            "document_count": {"invalid": "文件数量须为整数。"},
        }

    def __init__(self, *args, user, **kwargs):
        from django.utils import timezone

        from .requirements import default_material_window, standards, submitting_units

        super().__init__(*args, **kwargs)
        units = submitting_units(user)
        self.fields["lead_unit"].queryset = units
        self.fields["contributing_units"].queryset = units
        self.fields["standard"].queryset = standards()
        self.fields["standard"].label_from_instance = lambda s: f"{s.code} {s.title}"
        self.fields["deadline"].input_formats = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
                                                 "%Y-%m-%d"]
        if self.instance.pk is None and not self.is_bound:
            year = timezone.localdate().year
            start, end = default_material_window(year)
            self.initial.setdefault("year", year)
            self.initial.setdefault("material_start", start)
            self.initial.setdefault("material_end", end)
            self.initial.setdefault("photo_count", 4)

    def clean(self):
        data = super().clean()
        if data.get("activity_name") and not data.get("activity_start") and \
                "activity_start" not in self.errors:
            self.add_error("activity_start", "填写了活动名称，请同时填写活动开始和结束日期。")
        return data

    def clean_year(self):
        year = self.cleaned_data["year"]
        if not 2000 <= year <= 2100:
            raise forms.ValidationError("年度无效，请填写如 2026。")
        return year


class RequirementCopyForm(forms.Form):
    """Copy chosen tasks of a year into the next year."""

    source_year = forms.IntegerField(label="从哪一年复制", min_value=2000, max_value=2100,
                                     error_messages={"required": "请选择年度。",
                                                     "invalid": "年度须为数字。"})
    requirements = forms.TypedMultipleChoiceField(
        label="要复制的任务", coerce=int, choices=(),
        error_messages={"required": "请至少选择一个要复制的台账任务。",
                        "invalid_choice": "所选任务不在列表中，请刷新后重试。"})

    def __init__(self, *args, choices=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["requirements"].choices = choices


class CopyCheckSettingsForm(forms.Form):
    """The office's copied-report check settings, the threshold as a percentage."""

    threshold = forms.IntegerField(
        label="雷同阈值（%）", min_value=30, max_value=95,
        help_text="两份报告去掉统一模板后的文字相似度达到此值即提示雷同，建议 50",
        error_messages={"min_value": "阈值不能低于 30。", "max_value": "阈值不能高于 95。",
                        "required": "请填写雷同阈值。", "invalid": "请填写 30 到 95 之间的整数。"})
    template_text = forms.CharField(
        label="统一模板文字", required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="创城办下发的统一标题、固定段落，每段一行；各单位照填的这些文字不算雷同。"
                  "各台账任务的“填报说明”和样例文件自动算作模板。")
