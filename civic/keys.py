"""Open311 keys: issued per external system by the office, scoped to a region, revocable."""

import secrets

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.models import Unit

from .models import ApiKey, hash_key
from .services import _require_office


@transaction.atomic
def api_key_issue(*, name, region, trusted, by):
    """A new key for one system. Returns (ApiKey, the key itself): only its hash is kept, so
    the key is shown to the office once. ValidationError on `name`/`region`."""
    _require_office(by)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "请填写对接系统的名称，如“12345 政务服务热线”。"
    elif len(name) > 60:
        errors["name"] = "名称请不要超过 60 个字。"
    if region is None or not Unit.objects.visible_to(by).filter(pk=region.pk).exists():
        errors["region"] = "请选择本辖区内的区域。"
    if errors:
        raise ValidationError(errors)
    # The key begins with 8 digits the office sees in the key list to tell keys apart.
    prefix = f"{secrets.randbelow(10**8):08d}"
    raw = f"ccms_{prefix}_{secrets.token_urlsafe(30)}"
    api_key = ApiKey.objects.create(name=name, region=region, trusted=trusted, created_by=by,
                                    prefix=prefix, key_hash=hash_key(raw))
    return api_key, raw


@transaction.atomic
def api_key_revoke(*, api_key, by):
    """The key stops working at once; its call log stays."""
    _require_office(by)
    ApiKey.objects.filter(pk=api_key.pk).update(is_active=False, revoked_at=timezone.now())
    api_key.refresh_from_db()
    return api_key


def api_key_lookup(raw):
    """The active key for `raw`, or None (one indexed query on the hash)."""
    if not raw or len(raw) > 100:
        return None
    return (ApiKey.objects.select_related("region", "created_by")
            .filter(key_hash=hash_key(raw), is_active=True).first())
