import re

from django import forms
from django.core.exceptions import ValidationError

from accounts.models import Unit
from evidence.validators import validate_document
from issues.models import Issue

from .models import Escalation, NegativeListEvent, RankingWeights, Report


class DateInput(forms.DateInput):
    input_type = "date"


class RankingWeightsForm(forms.ModelForm):
    # The page shows the settings in the groups the office thinks of them in.
    GROUPS = [
        ("综合指数：各项指标的权重（不必合计 100，按权重占比计算）",
         ["w_ontime", "w_overdue", "w_relapse", "w_ledger_completion", "w_ledger_approval",
          "w_point_pass", "w_satisfaction"]),
        ("参与排名和红黑榜", ["min_items", "min_subscores", "top_n"]),
        ("测评得分预估：三种测评方式的占比（合计 100）",
         ["method_online", "method_field", "method_survey"]),
        ("测评得分预估：三年测评周期", ["year1_weight", "year2_weight", "year3_weight",
                              "cycle_start_year"]),
    ]

    def groups(self):
        """[(legend, [bound fields])] in GROUPS' order."""
        return [(legend, [self[name] for name in names]) for legend, names in self.GROUPS]

    class Meta:
        model = RankingWeights
        fields = ["w_ontime", "w_overdue", "w_relapse", "w_ledger_completion",
                  "w_ledger_approval", "w_point_pass", "w_satisfaction", "top_n", "min_items",
                  "min_subscores",
                  "method_online", "method_field", "method_survey", "year1_weight",
                  "year2_weight", "year3_weight", "cycle_start_year"]


class NegativeListEventForm(forms.ModelForm):
    class Meta:
        model = NegativeListEvent
        fields = ["unit", "item", "is_veto", "deduction", "date", "note"]
        widgets = {"date": DateInput(), "note": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["unit"].queryset = Unit.objects.visible_to(user)
        self.fields["unit"].empty_label = "请选择责任单位"


ISSUE_NUMBER = re.compile(r"#?(\d+)")


class EscalationForm(forms.ModelForm):
    """A 通报/约谈/问责 decision with its evidence: the report it rests on, the issues by
    their numbers (only issues the office sees) and a document (PDF, Word, Excel)."""

    issue_numbers = forms.CharField(
        label="相关问题编号", required=False,
        help_text="填写问题编号，多个用逗号或空格分开，如：12, 35")
    document = forms.FileField(label="相关材料（可选）", required=False,
                               help_text="通报文件、约谈记录或问责决定，PDF、Word 或 Excel")

    class Meta:
        model = Escalation
        fields = ["kind", "decided_on", "reason", "report"]
        widgets = {"decided_on": DateInput(), "reason": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["kind"].choices = [("", "请选择")] + list(Escalation.Kind.choices)
        self.fields["report"].queryset = Report.objects.visible_to(user)
        self.fields["report"].required = False
        self.fields["report"].empty_label = "不依据报告"

    def clean_issue_numbers(self):
        text = (self.cleaned_data.get("issue_numbers") or "").strip()
        parts = [p for p in re.split(r"[\s,，、;；]+", text) if p]
        numbers = []
        for part in parts:
            match = ISSUE_NUMBER.fullmatch(part)
            if match is None:
                raise ValidationError(f"“{part}”不是问题编号，请只填写数字，如 12。")
            numbers.append(int(match.group(1)))
        found = {i.pk: i for i in Issue.objects.visible_to(self.user).filter(pk__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError("问题 " + "、".join(f"#{n}" for n in missing)
                                  + " 不存在或不在您的管辖范围内。")
        return [found[n] for n in dict.fromkeys(numbers)]

    def clean_document(self):
        uploaded = self.cleaned_data.get("document")
        if not uploaded:
            return None
        return uploaded, validate_document(uploaded)


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="报告类型", choices=Report.Kind.choices)
    period_start = forms.DateField(label="起始日期（临时报告）", required=False,
                                   widget=DateInput())
    period_end = forms.DateField(label="截止日期（临时报告）", required=False,
                                 widget=DateInput())
