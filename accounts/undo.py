"""撤销 for the deletions that are safe to take back: the record is only hidden, and for
UNDO_WINDOW the person who deleted it may put it back with one tap on the message that says
what was deleted. The button is a form of its own (POST with the CSRF token), so it works
with scripts off and in the WeChat browser."""

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.template.loader import render_to_string
from django.utils.html import format_html

UNDO_WINDOW = dt.timedelta(minutes=10)
UNDO_MINUTES = int(UNDO_WINDOW.total_seconds() // 60)


def with_undo(request, text, *, action, fields, window=True):
    """The success message `text` followed by a 撤销 button that posts `fields` to `action`.
    Without `window` the undo is no soft delete but the same record added again (a row the
    fields hold whole, such as a holiday), so it has no time limit to announce."""
    button = render_to_string("includes/undo_button.html",
                              {"action": action, "fields": list(fields.items())},
                              request=request)
    if not window:
        return format_html("{}{}", text, button)
    return format_html("{}{} 分钟内可以撤销。{}", text, UNDO_MINUTES, button)


def check_undo(*, removed_at, removed_by_id, by, now, again):
    """Refuse an undo by anyone but the one who deleted (PermissionDenied → 403) or after the
    window (ValidationError saying so; `again` says what to do instead, e.g. 请重新上传)."""
    if removed_by_id != by.pk:
        raise PermissionDenied("只能撤销您本人的删除。")
    if now - removed_at > UNDO_WINDOW:
        raise ValidationError(f"删除已超过 {UNDO_MINUTES} 分钟，不能撤销；{again}")
