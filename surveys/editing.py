"""Editing a questionnaire: sections, questions, options, their order and the targets.

Answers already given never change: once a survey has any response (valid or voided) its
questions, options and sections are locked, and every edit is refused with a message that
points to "复制为新版本" (a new draft version gets copies of everything; the responses stay
with the old version). The targets may still change, as they judge the rates, not the answers.

Every function checks that the user is office staff of the survey's region, locks the survey
row (so two clerks editing at once keep a gapless order), validates with Chinese messages per
field (ValidationError), and renumbers questions 1..n in display order: unsectioned questions
first, then section by section.
"""

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import INDICATORS, Indicator, Option, Question, Section, SurveyEvent
from .services import RATING_LABELS, _check_office, _event

UP, DOWN = "up", "down"


def locked_message(count):
    return (f"本问卷已有 {count} 份答卷。为保证已经填写的答案不被改变，题目和选项不能再修改；"
            "请点“复制为新版本”，在新版本（草稿）中修改。")


def _editable(survey, by):
    """The survey row, locked for this transaction; refuses when answers exist. Moves the
    questionnaire's revision (the edit that follows changes what an answer is checked
    against)."""
    survey = _check_office(by, survey, lock=True)
    count = survey.responses.count()
    if count:
        raise ValidationError({"survey": locked_message(count)})
    survey.questions_changed()
    return survey


def _text(value, label, max_length):
    value = (value or "").strip()
    if not value:
        raise ValidationError({"text": f"请填写{label}。"})
    if len(value) > max_length:
        raise ValidationError({"text": f"{label}不能超过 {max_length} 个字。"})
    return value


def _swap(items, obj, direction):
    """Move `obj` one place up or down in `items` (a list in order); returns the new list."""
    if direction not in (UP, DOWN):
        raise ValidationError({"direction": "移动方向无效。"})
    index = next(i for i, item in enumerate(items) if item.pk == obj.pk)
    other = index - 1 if direction == UP else index + 1
    if 0 <= other < len(items):
        items[index], items[other] = items[other], items[index]
    return items


def _renumber(model, items):
    for n, item in enumerate(items, start=1):
        item.order = n
    model.objects.bulk_update(items, ["order"])


def renumber_questions(survey):
    """Questions numbered 1..n as shown: unsectioned first, then by section order."""
    sections = {s.pk: (s.order, s.pk) for s in survey.sections.all()}
    questions = list(survey.questions.all())
    questions.sort(key=lambda q: ((0, 0, 0) if q.section_id is None
                                  else (1, *sections.get(q.section_id, (0, 0))), q.order, q.pk))
    _renumber(Question, questions)


# --- Questions -----------------------------------------------------------------------------

@transaction.atomic
def question_add(*, survey, by, text, kind, required=True, indicator="", screening="",
                 section=None, options=()):
    """Add a question at the end of `survey`. `options` is a list of (text, indicator,
    in_frame) tuples; a rating question gets its five options 1–5 made here, 4 and 5 counting
    toward its indicator. Raises ValidationError naming the field."""
    survey = _editable(survey, by)  # refused once answers exist: versions keep answers intact
    if section is not None and section.survey_id != survey.pk:
        raise ValidationError({"section": "请选择本问卷的分节。"})
    question = Question(survey=survey, section=section, text=text, kind=kind, required=required,
                        indicator=indicator, screening=screening, order=10**6)
    question.full_clean()
    question.save()
    if kind == Question.Kind.RATING:
        options = [(label, indicator if n >= 4 else "", True)
                   for n, label in enumerate(RATING_LABELS, start=1)]
    if kind != Question.Kind.TEXT:
        if len(options) < 2:
            raise ValidationError({"options": "选择题至少需要两个选项。"})
        rows = []
        for n, (opt_text, opt_indicator, in_frame) in enumerate(options, start=1):
            if opt_indicator and opt_indicator != indicator:
                raise ValidationError({"options": f"选项“{opt_text}”计入的指标与题目不一致。"})
            rows.append(Option(question=question, text=opt_text, order=n,
                               indicator=opt_indicator, in_frame=in_frame))
        Option.objects.bulk_create(rows)
    renumber_questions(survey)  # at the end of its section
    question.refresh_from_db(fields=["order"])
    return question


# --- Sections ------------------------------------------------------------------------------

@transaction.atomic
def section_add(*, survey, by, title):
    survey = _editable(survey, by)
    title = _text(title, "分节标题", 200)
    section = Section.objects.create(survey=survey, title=title,
                                     order=survey.sections.count() + 1)
    _event(survey, by, SurveyEvent.Action.EDIT, f"添加分节“{title}”")
    return section


@transaction.atomic
def section_update(*, section, by, title):
    survey = _editable(section.survey, by)
    section.title = _text(title, "分节标题", 200)
    section.save(update_fields=["title"])
    _event(survey, by, SurveyEvent.Action.EDIT, f"修改分节“{section.title}”")
    return section


@transaction.atomic
def section_delete(*, section, by):
    """Delete a section; its questions stay, without a section."""
    survey = _editable(section.survey, by)
    title = section.title
    section.delete()
    _renumber(Section, list(survey.sections.all()))
    renumber_questions(survey)
    _event(survey, by, SurveyEvent.Action.EDIT, f"删除分节“{title}”")


@transaction.atomic
def section_move(*, section, by, direction):
    survey = _editable(section.survey, by)
    _renumber(Section, _swap(list(survey.sections.all()), section, direction))
    renumber_questions(survey)


# --- Questions -----------------------------------------------------------------------------

def _option_indicators(question):
    """Options follow their question's indicator: counting options take the new indicator;
    a question feeding none (or a screening question) has no counting options."""
    options = list(question.options.all())
    rating = question.kind == Question.Kind.RATING
    for option in options:
        if rating and option.order >= 4 and not question.screening:
            option.indicator = question.indicator  # 4 and 5 points count, as when added
        elif option.indicator:
            option.indicator = "" if question.screening else question.indicator
        if not question.indicator:
            option.indicator = ""
    Option.objects.bulk_update(options, ["indicator"])


@transaction.atomic
def question_update(*, question, by, text, required, indicator="", screening="", section=None):
    """Change a question's wording, section, required flag, indicator or screening role (its
    type stays: delete it and add a new one to change the type)."""
    survey = _editable(question.survey, by)
    if section is not None and section.survey_id != survey.pk:
        raise ValidationError({"section": "请选择本问卷的分节。"})
    if indicator not in ["", *INDICATORS]:
        raise ValidationError({"indicator": "计入指标无效。"})
    if screening not in Question.Screening.values:
        raise ValidationError({"screening": "甄别题类型无效。"})
    moved = section != question.section
    question.text = _text(text, "题目", 300)
    question.required = bool(required)
    question.indicator = indicator
    question.screening = screening
    question.section = section
    if moved:
        question.order = 10**6  # to the end of its new section, renumbered below
    question.full_clean()
    question.save()
    _option_indicators(question)
    renumber_questions(survey)
    _event(survey, by, SurveyEvent.Action.EDIT, f"修改第 {question.order} 题")
    return question


@transaction.atomic
def question_delete(*, question, by):
    survey = _editable(question.survey, by)
    order = question.order
    question.delete()
    renumber_questions(survey)
    _event(survey, by, SurveyEvent.Action.EDIT, f"删除第 {order} 题")


@transaction.atomic
def question_move(*, question, by, direction):
    """Up or down within its section (to change section, edit the question)."""
    survey = _editable(question.survey, by)
    siblings = list(survey.questions.filter(section=question.section_id).order_by("order", "pk"))
    _renumber(Question, _swap(siblings, question, direction))
    renumber_questions(survey)


# --- Options -------------------------------------------------------------------------------

def _option_fields(question, text, counts, in_frame):
    if question.kind == Question.Kind.TEXT:
        raise ValidationError({"question": "简答题没有选项。"})
    text = _text(text, "选项文字", 200)
    indicator = ""
    if counts:
        if question.screening:
            raise ValidationError({"indicator": "甄别题的选项不计入指标。"})
        if not question.indicator:
            raise ValidationError({"indicator": "请先为题目选择计入的指标，选项才能计入。"})
        indicator = question.indicator
    return {"text": text, "indicator": indicator,
            "in_frame": bool(in_frame) if question.screening else True}


@transaction.atomic
def option_add(*, question, by, text, counts=False, in_frame=True):
    _editable(question.survey, by)
    if question.kind == Question.Kind.RATING:
        raise ValidationError({"question": "评分题固定为 1–5 分五个选项，不能添加。"})
    fields = _option_fields(question, text, counts, in_frame)
    return Option.objects.create(question=question, order=question.options.count() + 1,
                                 **fields)


@transaction.atomic
def option_update(*, option, by, text, counts=False, in_frame=True):
    _editable(option.question.survey, by)
    for name, value in _option_fields(option.question, text, counts, in_frame).items():
        setattr(option, name, value)
    option.save()
    return option


@transaction.atomic
def option_delete(*, option, by):
    _editable(option.question.survey, by)
    question = option.question
    if question.kind == Question.Kind.RATING:
        raise ValidationError({"option": "评分题固定为 1–5 分五个选项，不能删除。"})
    if question.options.count() <= 2:
        raise ValidationError({"option": "选择题至少需要两个选项，不能再删除。"})
    option.delete()
    _renumber(Option, list(question.options.all()))


@transaction.atomic
def option_move(*, option, by, direction):
    _editable(option.question.survey, by)
    _renumber(Option, _swap(list(option.question.options.all()), option, direction))


# --- Targets -------------------------------------------------------------------------------

@transaction.atomic
def targets_set(*, survey, by, targets):
    """Set the target (percent, 0–100) of each indicator in {indicator: value}. Allowed after
    answers exist: targets judge the rates and do not change any answer."""
    survey = _check_office(by, survey, lock=True)
    errors = {}
    for indicator, value in targets.items():
        label = Indicator(indicator).label
        try:
            number = float(value)
            if not 0 <= number <= 100:
                raise ValueError
        except (TypeError, ValueError):
            errors[f"target_{indicator}"] = f"{label}目标应为 0 到 100 之间的数字。"
            continue
        setattr(survey, f"target_{indicator}", round(number, 2))
    if errors:
        raise ValidationError(errors)
    survey.save(update_fields=[f"target_{i}" for i in targets])
    _event(survey, by, SurveyEvent.Action.EDIT, "修改目标：" + "，".join(
        f"{Indicator(i).label} {getattr(survey, f'target_{i}')}%" for i in targets))
    return survey
