"""Pushing inbox messages to where people read them: e-mail, the unit group robot's @mention
by phone number, SMS through the configured gateway; held for the daily digest by those who
chose it. Every attempt is a `Delivery` row (the delivery log the office reads)."""

import json
import logging
import smtplib
import urllib.request
import uuid
from collections import defaultdict

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from .models import Channel, Delivery, Notification

logger = logging.getLogger(__name__)
S = Delivery.Status


def _post_json(url, payload, headers=None):
    req = urllib.request.Request(url, data=json.dumps(payload).encode(),
                                 headers={"Content-Type": "application/json", **(headers or {})})
    with urllib.request.urlopen(req, timeout=5):  # noqa: S310 - URL set by the office/settings
        pass


def robot_payload(url, text, phones=()):
    """WeCom and DingTalk group robots both take {"msgtype": "text", "text": {"content"}};
    WeCom @mentions by `mentioned_mobile_list`, DingTalk by `at.atMobiles` plus "@phone" in
    the text."""
    phones = list(phones)
    if "dingtalk" in url:
        content = text + ("\n" + " ".join(f"@{p}" for p in phones) if phones else "")
        return {"msgtype": "text", "text": {"content": content}, "at": {"atMobiles": phones}}
    return {"msgtype": "text", "text": {"content": text, "mentioned_mobile_list": phones}}


def post_robot(url, text, phones=()):
    _post_json(url, robot_payload(url, text, phones))


def send_sms(phone, text):
    headers = {}
    if settings.SMS_GATEWAY_TOKEN:
        headers["Authorization"] = f"Bearer {settings.SMS_GATEWAY_TOKEN}"
    _post_json(settings.SMS_GATEWAY_URL, {"phone": phone, "text": text}, headers)


def _try(send):
    """(status, detail) of one send."""
    try:
        send()
    except (OSError, smtplib.SMTPException) as exc:
        return S.FAILED, f"{exc.__class__.__name__}: {exc}"[:300]
    return S.SENT, ""


def _text(note):
    return f"{note.title}\n{note.body}".strip() + (f"\n{note.url}" if note.url else "")


class _Batch:
    """The log rows and the group-robot posts of one delivery run."""

    def __init__(self):
        self.logs = []
        # (webhook, title) → [text, [(user, notification or None)]]
        self.robots = {}

    def log(self, user, channel, status, *, note=None, title="", address="", detail="",
            digest=False):
        self.logs.append(Delivery(
            notification=note, recipient=user, channel=channel, status=status,
            address=address, title=(title or note.title)[:200], detail=detail,
            is_digest=digest,
        ))

    def email(self, user, subject, text, *, note=None, digest=False):
        if not user.email:
            return self.log(user, Channel.EMAIL, S.SKIPPED, note=note, title=subject,
                            detail="未填写电子邮箱", digest=digest)
        status, detail = _try(lambda: send_mail(subject, text, settings.DEFAULT_FROM_EMAIL,
                                                [user.email]))
        self.log(user, Channel.EMAIL, status, note=note, title=subject, address=user.email,
                 detail=detail, digest=digest)

    def sms(self, user, subject, text, *, note=None, digest=False):
        detail = ("未填写手机号" if not user.phone
                  else "未配置短信网关（SMS_GATEWAY_URL）" if not settings.SMS_GATEWAY_URL else "")
        if detail:
            return self.log(user, Channel.SMS, S.SKIPPED, note=note, title=subject,
                            address=user.phone, detail=detail, digest=digest)
        status, detail = _try(lambda: send_sms(user.phone, text))
        self.log(user, Channel.SMS, status, note=note, title=subject, address=user.phone,
                 detail=detail, digest=digest)

    def robot(self, user, subject, text, *, note=None, digest=False, mention=True):
        unit = user.unit
        if unit is None or not unit.webhook_url:
            if mention:
                self.log(user, Channel.ROBOT, S.SKIPPED, note=note, title=subject,
                         detail="本单位未设置群机器人", digest=digest)
            return
        entry = self.robots.setdefault((unit.webhook_url, subject),
                                       [f"【{unit.name}】{text}", []])
        if mention:
            entry[1].append((user, note, digest))

    def flush(self):
        for (url, subject), (text, people) in self.robots.items():
            phones = sorted({u.phone for u, _n, _d in people if u.phone})
            status, detail = _try(lambda: post_robot(url, text, phones))  # noqa: B023
            if status == S.FAILED:
                logger.warning("Group robot %s did not answer", url)
            for user, note, digest in people:
                self.log(user, Channel.ROBOT, status if user.phone else S.SKIPPED, note=note,
                         title=subject, address=user.phone,
                         detail=detail if user.phone else "未填写手机号，群消息已发但未@本人",
                         digest=digest)
        Delivery.objects.bulk_create(self.logs)
        return len(self.logs)


def _claim(ids, now):
    """Take the undelivered notifications of `ids` for this run with one UPDATE, so a second
    worker or the sweeper running at the same moment sends none of them again."""
    token = uuid.uuid4().hex
    Notification.objects.filter(pk__in=ids, delivered_at__isnull=True).update(
        delivered_at=now, delivery_claim=token)
    return list(Notification.objects.filter(delivery_claim=token)
                .select_related("recipient__unit"))


def deliver_notifications(ids, *, now=None):
    """Push each not yet delivered notification of `ids` through its recipient's channels
    for its kind (the group robot of the unit gets it once per unit and title, @mentioning
    those who chose the robot), or hold it for the digest; log every attempt. Returns the
    number of notifications taken. A re-run, or a concurrent one, sends nothing twice."""
    now = now or timezone.now()
    notes = _claim(ids, now)
    batch = _Batch()
    for note in notes:
        user = note.recipient
        channels = user.channels_for(note.kind)
        if user.digest:
            for channel in channels:
                batch.log(user, channel, S.HELD, note=note, detail="将并入当天 18:00 的每日汇总")
            batch.robot(user, note.title, _text(note), note=note, mention=False)
            continue
        text = _text(note)
        for channel in channels:
            getattr(batch, channel)(user, note.title, text, note=note)
        if Channel.ROBOT not in channels:
            batch.robot(user, note.title, text, note=note, mention=False)
    batch.flush()
    return len(notes)


@transaction.atomic
def _take_held(now):
    # of=self: the recipient's unit is an outer join, which PostgreSQL will not lock.
    held = list(Delivery.objects.select_for_update(of=("self",))
                .filter(status=S.HELD, is_digest=False)
                .select_related("recipient__unit").order_by("recipient_id", "created", "pk"))
    Delivery.objects.filter(pk__in=[d.pk for d in held]).update(
        status=S.SENT, detail=f"已并入 {timezone.localdate(now):%m月%d日} 的每日汇总")
    return held


def send_digests(*, now=None):
    """One message per person and chosen channel with the titles held since the last digest;
    the held rows become sent. Returns the number of people reached."""
    now = now or timezone.now()
    people = defaultdict(lambda: {"channels": [], "titles": []})
    for row in _take_held(now):
        entry = people[row.recipient]
        if row.channel not in entry["channels"]:
            entry["channels"].append(row.channel)
        if row.title not in entry["titles"]:
            entry["titles"].append(row.title)
    batch = _Batch()
    day = timezone.localdate(now)
    for user, entry in people.items():
        subject = f"{day:%m月%d日}消息汇总（{len(entry['titles'])} 条）"
        text = subject + "\n" + "\n".join(
            f"{i}. {t}" for i, t in enumerate(entry["titles"], 1)) + "\n详情请登录创城管理平台查看。"
        for channel in entry["channels"]:
            getattr(batch, channel)(user, subject, text, digest=True)
    batch.flush()
    return len(people)
