"""Exactly-once writes for drafts sent from phones.

A phone that lost its signal keeps the draft and sends it again, maybe several times, and may
never have seen the first answer although the server committed it. Every draft therefore
carries a UUID the phone made (`Idempotency-Key` header, or a `client_uuid` form field for a
plain form post); the first request with a key claims it in `ClientSubmission` inside the same
transaction as the write, and every later request with that key answers the object the first
one made. A request that fails (bad input, a half-sent body) rolls its claim back with the
rest, so the corrected draft can be sent again under the same key.
"""

import uuid

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.exceptions import APIException
from rest_framework.exceptions import ValidationError as DRFValidationError

from .models import ClientSubmission

HEADER = "HTTP_IDEMPOTENCY_KEY"
FIELD = "client_uuid"
REPLAYED_HEADER = "Idempotent-Replayed"


class KeyReused(Exception):
    """The key was first used for another kind of submission (a client bug, not a retry)."""

    message = "该草稿编号已用于另一项提交（或其记录已删除），请删除此草稿后重新填写。"


def client_key(request, data=None):
    """The draft's UUID from the header, else from the `client_uuid` field of `data` (the
    parsed form); None when neither is sent. A malformed key raises ValidationError."""
    raw = request.META.get(HEADER) or (data.get(FIELD) if hasattr(data, "get") else None)
    if not raw:
        return None
    try:
        return uuid.UUID(str(raw).strip())
    except ValueError:
        raise ValidationError({FIELD: "草稿编号格式不正确（应为 UUID）。"}) from None


def run_once(*, user, key, action, write):
    """`write()` once per (`user`, `key`): returns `(obj, first)`.

    Without a key `write()` simply runs. With a key seen before, answers the object the first
    request made and `first=False` (the row is read, nothing locked). Otherwise claims the key
    and runs `write()` in one transaction; if a concurrent request with the same key commits
    first, the unique constraint rolls this one back and its object is answered instead.
    Raises KeyReused when the key belongs to another `action`; whatever `write()` raises
    propagates with nothing written."""
    if key is None:
        return write(), True
    found = _found(user, key, action)
    if found is not None:
        return found, False
    try:
        with transaction.atomic():
            claim = ClientSubmission.objects.create(user=user, key=key, action=action)
            obj = write()
            claim.content_type = ContentType.objects.get_for_model(obj)
            claim.object_id = obj.pk
            claim.save(update_fields=["content_type", "object_id"])
    except IntegrityError:
        found = _found(user, key, action)
        if found is None:
            raise
        return found, False
    return obj, True


def _found(user, key, action):
    claim = (ClientSubmission.objects.select_related("content_type")
             .filter(user=user, key=key).first())
    if claim is None:
        return None
    obj = claim.result() if claim.object_id else None
    if claim.action != action or obj is None:
        raise KeyReused
    return obj


def api_run_once(request, *, action, write, data=None):
    """`run_once` for DRF views: the key from the header or `data`, a malformed key → 400,
    a key of another submission → 409."""
    try:
        key = client_key(request, data)
    except ValidationError as exc:
        raise DRFValidationError(exc.message_dict) from None
    try:
        return run_once(user=request.user, key=key, action=action, write=write)
    except KeyReused as exc:
        raise KeyConflict(exc.message) from None


class KeyConflict(APIException):
    status_code = 409
    default_code = "key_reused"


def mark_replayed(response, first):
    """Tells the client the answer is the first request's object, not a new one."""
    if not first:
        response[REPLAYED_HEADER] = "true"
    return response
