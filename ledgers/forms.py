from django import forms

from evidence.fields import MultipleEvidenceField
from evidence.validators import validate_document

from .models import REPORT_ELEMENTS


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
