from django import forms

from accounts.models import Unit

from .models import Escalation, NegativeListEvent, RankingWeights, Report


class DateInput(forms.DateInput):
    input_type = "date"


class RankingWeightsForm(forms.ModelForm):
    class Meta:
        model = RankingWeights
        fields = ["w_ontime", "w_overdue", "w_relapse", "w_ledger_completion",
                  "w_ledger_approval", "w_point_pass", "w_satisfaction", "top_n",
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


class EscalationForm(forms.ModelForm):
    class Meta:
        model = Escalation
        fields = ["kind", "decided_on", "reason", "report", "evidence_links"]
        widgets = {"decided_on": DateInput(), "reason": forms.Textarea(attrs={"rows": 2}),
                   "evidence_links": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["report"].queryset = Report.objects.visible_to(user)
        self.fields["report"].required = False


class ReportRequestForm(forms.Form):
    kind = forms.ChoiceField(label="报告类型", choices=Report.Kind.choices)
    period_start = forms.DateField(label="起始日期（临时报告）", required=False,
                                   widget=DateInput())
    period_end = forms.DateField(label="截止日期（临时报告）", required=False,
                                 widget=DateInput())
