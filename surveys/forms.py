from django import forms

from accounts.models import Unit

from .models import Indicator, Question, Section, Survey


class SurveyForm(forms.ModelForm):
    class Meta:
        model = Survey
        fields = ["title", "intro", "region", "round_kind", "starts_on", "ends_on",
                  "target_awareness", "target_support", "target_participation",
                  "target_satisfaction"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "ends_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                   "intro": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Unit.objects.visible_to(user).filter(
            kind__in=Unit.REGION_KINDS)

    def clean_region(self):
        region = self.cleaned_data["region"]
        if region_locked(self.instance, region):
            raise forms.ValidationError(REGION_LOCKED)
        return region


REGION_LOCKED = "本问卷已有答卷，不能再修改调查范围；如需调查其他区域，请复制为新版本。"


def region_locked(instance, region):
    """Whether changing `instance`'s region to `region` would leave answers outside it."""
    return bool(instance and instance.pk and region is not None
                and region.pk != instance.region_id and instance.responses.exists())


class QuestionForm(forms.Form):
    """One question; options one per line, a line ending in ＊ or * counts toward the
    question's indicator (for screening questions: a line ending in ＊ keeps the respondent in
    the sampling frame)."""

    text = forms.CharField(label="题目", max_length=300)
    kind = forms.ChoiceField(label="题型", choices=Question.Kind.choices)
    indicator = forms.ChoiceField(label="计入指标", required=False,
                                  choices=[("", "不计入指标")] + Indicator.choices)
    screening = forms.ChoiceField(label="甄别题", required=False,
                                  choices=Question.Screening.choices)
    section = forms.ModelChoiceField(label="分节", required=False, queryset=Section.objects.none(),
                                     empty_label="不分节")
    required = forms.BooleanField(label="必答", required=False, initial=True)
    options = forms.CharField(
        label="选项", required=False, widget=forms.Textarea(attrs={"rows": 4}),
        help_text="每行一个选项；计入指标的选项在末尾加 *（例如“满意*”）。评分题和简答题不用填。")

    def __init__(self, *args, survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["section"].queryset = survey.sections.all()

    def option_specs(self):
        """[(text, indicator, in_frame)] from the options box."""
        specs = []
        indicator = self.cleaned_data.get("indicator") or ""
        screening = self.cleaned_data.get("screening")
        for line in self.cleaned_data.get("options", "").splitlines():
            line = line.strip()
            if not line:
                continue
            marked = line.endswith(("*", "＊"))
            text = line.rstrip("*＊").strip()
            if screening:
                specs.append((text, "", marked))
            else:
                specs.append((text, indicator if marked else "", True))
        return specs


class VoidForm(forms.Form):
    reason = forms.CharField(label="作废原因", max_length=200)
