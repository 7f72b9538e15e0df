"""The questionnaire editor (编辑题目) of the office: one page, one POST per change.

Every change is a plain form post that redirects back to the page (works without script); the
page's forms also carry hx-post, so with htmx only the editor is swapped in place. Refused
changes re-render the page with status 400 and the Chinese message next to the item.
Order of checks: anonymous → login; a role other than office → 403; a survey of another
region → 404; an item of another survey → 404.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from accounts.confirm import confirmation_page
from accounts.models import Role
from accounts.scoping import may_write

from . import editing, services
from .forms import QuestionForm
from .models import INDICATORS, Indicator, Option, Question, Survey

OFFICE = {Role.OFFICE}


def _survey(request, pk):
    if not may_write(request.user, OFFICE):
        raise PermissionDenied("只有创城办工作人员可以编辑问卷。")
    return get_object_or_404(Survey.objects.visible_to(request.user).select_related("region"),
                             pk=pk)


def _context(survey, errors=None, anchor="", question_form=None):
    sections = list(survey.sections.all())
    questions = list(survey.questions.prefetch_related("options"))
    for item in sections:
        item.anchor = f"section-{item.pk}"
    for item in questions:
        item.anchor = f"question-{item.pk}"
    groups = [{"section": None, "questions": [q for q in questions if q.section_id is None]}]
    groups += [{"section": s, "questions": [q for q in questions if q.section_id == s.pk]}
               for s in sections]
    response_count = survey.responses.count()
    return {
        "survey": survey, "groups": groups, "sections": sections,
        "question_count": len(questions), "response_count": response_count,
        "locked_message": editing.locked_message(response_count) if response_count else "",
        "indicators": Indicator.choices, "screenings": Question.Screening.choices,
        "targets": [(i, Indicator(i).label, getattr(survey, f"target_{i}")) for i in INDICATORS],
        "question_form": question_form or QuestionForm(survey=survey),
        "errors": errors or [], "anchor": anchor,
        "uncounted": [q for q in questions if q.counts_nothing],
    }


def builder(request, pk):
    survey = _survey(request, pk)
    return render(request, "surveys/builder.html", _context(survey))


def _messages(exc):
    if hasattr(exc, "error_dict"):
        return [m for messages in exc.message_dict.values() for m in messages]
    return exc.messages


def _refused(request, survey, exc, anchor, question_form=None):
    return render(request, "surveys/builder.html",
                  _context(survey, _messages(exc), anchor, question_form), status=400)


def _ask_first(request, survey, what, consequence):
    """The confirmation page of a deletion posted without scripts; None once confirmed, or
    when htmx posted it (hx-confirm has asked already)."""
    if request.htmx:
        return None
    return confirmation_page(request, title="确认删除", what=what, consequence=consequence,
                             button="确认删除", back=reverse("surveys:builder", args=[survey.pk]),
                             danger=True)


def _done(survey, anchor=""):
    return redirect(reverse("surveys:builder", args=[survey.pk]) + (f"#{anchor}" if anchor
                                                                     else ""))


def _checked(post, name):
    return post.get(name) in ("on", "1", "true")


def _section(survey, post):
    value = post.get("section", "")
    if not value:
        return None
    if not value.isdigit():
        raise ValidationError({"section": "请选择本问卷的分节。"})
    section = survey.sections.filter(pk=int(value)).first()
    if section is None:
        raise ValidationError({"section": "请选择本问卷的分节。"})
    return section


@require_POST
def section_action(request, pk, op, section_id=None):
    survey = _survey(request, pk)
    post = request.POST
    section = None
    if section_id is not None:
        section = get_object_or_404(survey.sections, pk=section_id)
    anchor = f"section-{section_id}" if section_id else "add-section"
    if op == "delete" and (page := _ask_first(request, survey, f"删除分节：“{section.title}”",
                                              "其中的题目会保留，变为未分节。")):
        return page
    try:
        if op == "add":
            section = editing.section_add(survey=survey, by=request.user,
                                          title=post.get("title"))
            anchor = f"section-{section.pk}"
        elif op == "edit":
            editing.section_update(section=section, by=request.user, title=post.get("title"))
        elif op == "delete":
            editing.section_delete(section=section, by=request.user)
            anchor = ""
        else:
            editing.section_move(section=section, by=request.user, direction=op)
    except ValidationError as exc:
        return _refused(request, survey, exc, anchor)
    return _done(survey, anchor)


@require_POST
def question_add(request, pk):
    survey = _survey(request, pk)
    form = QuestionForm(request.POST, survey=survey)
    if not form.is_valid():
        exc = ValidationError({f: [f"{form.fields[f].label}：{e}" for e in errs]
                               for f, errs in form.errors.items()})
        return _refused(request, survey, exc, "add-question", form)
    data = form.cleaned_data
    try:
        question = editing.question_add(
            survey=survey, by=request.user, text=data["text"], kind=data["kind"],
            required=data["required"], indicator=data["indicator"],
            screening=data["screening"], section=data["section"], options=form.option_specs())
    except ValidationError as exc:
        return _refused(request, survey, exc, "add-question", form)
    return _done(survey, f"question-{question.pk}")


@require_POST
def question_action(request, pk, question_id, op):
    survey = _survey(request, pk)
    question = get_object_or_404(survey.questions.select_related("survey", "section"),
                                 pk=question_id)
    post = request.POST
    anchor = f"question-{question.pk}"
    if op == "delete" and (page := _ask_first(
            request, survey, f"删除第{question.order}题：“{question.text}”",
            "题目和它的选项一起删除；需要时请重新添加。")):
        return page
    try:
        if op == "edit":
            editing.question_update(
                question=question, by=request.user, text=post.get("text"),
                required=_checked(post, "required"), indicator=post.get("indicator", ""),
                screening=post.get("screening", ""), section=_section(survey, post))
        elif op == "delete":
            editing.question_delete(question=question, by=request.user)
            anchor = ""
        elif op == "add-option":
            editing.option_add(question=question, by=request.user, text=post.get("text"),
                               counts=_checked(post, "counts"),
                               in_frame=_checked(post, "in_frame"))
        else:
            editing.question_move(question=question, by=request.user, direction=op)
    except ValidationError as exc:
        return _refused(request, survey, exc, anchor)
    return _done(survey, anchor)


@require_POST
def option_action(request, pk, option_id, op):
    survey = _survey(request, pk)
    option = get_object_or_404(Option.objects.select_related("question__survey"),
                               pk=option_id, question__survey=survey)
    post = request.POST
    anchor = f"question-{option.question_id}"
    if op == "delete" and (page := _ask_first(request, survey, f"删除选项：“{option.text}”",
                                              "删除后这个选项不再出现在问卷中。")):
        return page
    try:
        if op == "edit":
            editing.option_update(option=option, by=request.user, text=post.get("text"),
                                  counts=_checked(post, "counts"),
                                  in_frame=_checked(post, "in_frame"))
        elif op == "delete":
            editing.option_delete(option=option, by=request.user)
        else:
            editing.option_move(option=option, by=request.user, direction=op)
    except ValidationError as exc:
        return _refused(request, survey, exc, anchor)
    return _done(survey, anchor)


@require_POST
def targets(request, pk):
    survey = _survey(request, pk)
    values = {i: request.POST.get(f"target_{i}", "").strip() for i in INDICATORS}
    try:
        editing.targets_set(survey=survey, by=request.user,
                            targets={i: v for i, v in values.items() if v != ""})
    except ValidationError as exc:
        return _refused(request, survey, exc, "targets")
    return _done(survey, "targets")


@require_POST
def new_version(request, pk):
    """Copy a survey that has answers into a new draft version and open its editor."""
    survey = _survey(request, pk)
    new = services.survey_copy(survey=survey, by=request.user)
    return redirect("surveys:builder", pk=new.pk)
