from django import forms
from django.urls import reverse_lazy

from accounts.models import Unit
from points.models import Point

from . import deadlines
from .models import IssueCategory, Source


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """One or more uploads, cleaned to a list (their content is checked by the service).

    A plain FileField refuses the list a multiple input gives ("未提交文件")."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultipleFileField, self).clean(f, initial) for f in files]


class IssueFileForm(forms.Form):
    """Filing on the desktop and the phone; photos are validated by the service."""

    point = forms.ModelChoiceField(label="点位", queryset=Point.objects.none(), required=False,
                                   help_text="在点位发现的问题请选择点位；否则填写地址并获取位置")
    category = forms.ModelChoiceField(label="问题类别",
                                      queryset=IssueCategory.objects.filter(is_active=True))
    source = forms.ChoiceField(label="来源", choices=Source.choices, initial=Source.DAILY)
    description = forms.CharField(label="问题描述", widget=forms.Textarea(attrs={
        "rows": 3, "data-suggest-url": reverse_lazy("issue-category-suggest")}))
    address = forms.CharField(label="地址", required=False)
    latitude = forms.DecimalField(label="纬度", required=False, max_digits=9, decimal_places=6,
                                  widget=forms.HiddenInput)
    longitude = forms.DecimalField(label="经度", required=False, max_digits=10,
                                   decimal_places=6, widget=forms.HiddenInput)
    photos = MultipleFileField(
        label="问题照片（1–9 张）", required=False,
        widget=MultipleFileInput(attrs={"accept": "image/*", "capture": "environment",
                                        "multiple": True}))
    confirm_duplicate = forms.BooleanField(label="确认不是重复问题，继续上报", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["point"].queryset = Point.objects.visible_to(user).filter(is_active=True)


class ActionForm(forms.Form):
    """The fields any issue action may carry; each action takes what it needs."""

    reason = forms.CharField(required=False)
    note = forms.CharField(required=False)
    text = forms.CharField(required=False)
    deadline = forms.DateField(required=False)
    responsible_unit = forms.ModelChoiceField(queryset=Unit.objects.none(), required=False)
    photos = MultipleFileField(required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.files_list = self.files.getlist("photos") if self.files else []
        self.fields["responsible_unit"].queryset = Unit.objects.visible_to(user)

    def kwargs_for(self, action):
        d = self.cleaned_data
        deadline = deadlines.deadline_from_input(d.get("deadline"))
        return {
            "assign": {"responsible_unit": d.get("responsible_unit"), "deadline": deadline},
            "reassign": {"responsible_unit": d.get("responsible_unit"), "deadline": deadline,
                         "reason": d.get("reason")},
            "submit": {"photos": self.files_list, "note": d.get("note")},
            "dispute": {"reason": d.get("reason")},
            "reject": {"reason": d.get("reason")},
            "approve": {"reason": d.get("reason")},
            "reopen": {"reason": d.get("reason"), "deadline": deadline},
            "request_extension": {"reason": d.get("reason"), "deadline": deadline},
            "grant_extension": {"deadline": deadline, "note": d.get("note")},
            "refuse_extension": {"reason": d.get("reason")},
            "comment": {"text": d.get("text")},
        }[action]
