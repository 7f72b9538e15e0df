"""The confirmation step of an action that cannot be taken back (销号, 签字, 删除): a page
of its own, so it works with scripts off and in the WeChat browser, where a script's
confirm() box may never show."""

from django.shortcuts import render

CONFIRMED = "confirmed"


def confirmation_page(request, *, title, what, consequence, button, back, danger=False):
    """None once the user has confirmed (the POST carries confirmed=1); otherwise the page
    that asks, re-posting the same fields to the same address with the confirmation added.
    `what` names the thing acted on, `consequence` says what follows, `back` is where 返回
    leads."""
    if request.POST.get(CONFIRMED) == "1":
        return None
    fields = [(name, value) for name, values in request.POST.lists()
              if name not in ("csrfmiddlewaretoken", CONFIRMED) for value in values]
    return render(request, "includes/confirm_page.html", {
        "title": title, "what": what, "consequence": consequence, "button": button,
        "back": back, "danger": danger, "fields": fields, "action": request.get_full_path(),
    })
