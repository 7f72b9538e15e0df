"""Issue category suggestion (问题类别推荐): the three likeliest categories of a finding's
description, best first, from a model trained on the city's own closed issues.

The model is scikit-learn's character n-gram TF-IDF (1–3 characters, so no word segmenter is
needed for Chinese) followed by a linear classifier (logistic loss, so the scores are
probabilities). It is trained per city (the root of the unit tree), by a weekly beat job and
on demand (`manage.py train_category_model`), and every version is kept as a file in the
media storage with a `CategoryModel` row that says how it did on issues held out of its
training.

With too little history (`CATEGORY_SUGGEST_MIN_ISSUES` closed issues, at least two categories
with `CATEGORY_SUGGEST_MIN_PER_CATEGORY` each) no model is trained and suggestions are empty:
the form then simply shows the whole list. A description with no character the model knows
gets no suggestion either, rather than the most common category.
"""

import io
import logging
import re
import threading
import time
from collections import Counter

import joblib
from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from accounts.models import Unit

from .models import CategoryModel, Issue, IssueCategory, Status

logger = logging.getLogger(__name__)

MAX_TEXT = 2000
TOP = 3
HELD_OUT_SHARE = 0.2
# How long a process keeps its answer to "which version is current" before asking again.
CURRENT_TTL = 60.0

_loaded = {}  # city id → (checked at, CategoryModel id, pipeline, {class index: category})
_lock = threading.Lock()


def min_issues():
    return getattr(settings, "CATEGORY_SUGGEST_MIN_ISSUES", 200)


def min_per_category():
    return getattr(settings, "CATEGORY_SUGGEST_MIN_PER_CATEGORY", 10)


def city_of(unit):
    """The city (root unit id) a unit or region belongs to."""
    return int(unit.path.strip("/").split("/")[0])


def clean_text(text):
    """The text's letters only: whitespace, punctuation and digits (house numbers are noise)
    dropped, so every character n-gram is made of words."""
    return re.sub(r"[\W\d_]+", "", str(text or ""))


def _pipeline():
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import SGDClassifier
    from sklearn.pipeline import make_pipeline

    return make_pipeline(
        TfidfVectorizer(analyzer="char", ngram_range=(1, 3), min_df=2, sublinear_tf=True,
                        max_features=200_000),
        SGDClassifier(loss="log_loss", alpha=1e-5, max_iter=30, tol=1e-4, random_state=7),
    )


def training_rows(city_id):
    """(description, category id) of the city's closed issues in active categories."""
    active = IssueCategory.objects.filter(is_active=True).values("pk")
    return list(Issue.objects.filter(
        status=Status.CLOSED, region__path__startswith=f"/{city_id}/", category__in=active,
    ).values_list("description", "category_id"))


def _top_k(pipeline, texts, k=TOP):
    import numpy as np

    proba = pipeline.predict_proba(texts)
    order = np.argsort(-proba, axis=1)[:, :k]
    return order, proba


def evaluate(pipeline, texts, labels, *, majority):
    """(top-1, top-3, majority baseline) accuracy of a fitted pipeline on held-out rows."""
    order, _ = _top_k(pipeline, texts)
    classes = pipeline.classes_
    top1 = top3 = 0
    for row, label in zip(order, labels, strict=True):
        picked = [classes[i] for i in row]
        top1 += picked[0] == label
        top3 += label in picked
    n = len(labels) or 1
    return top1 / n, top3 / n, sum(label == majority for label in labels) / n


def enough_history(labels):
    counts = Counter(labels)
    return (len(labels) >= min_issues()
            and sum(c >= min_per_category() for c in counts.values()) >= 2)


def train_category_model(*, city, now=None):
    """Train a new version for `city` (a root `Unit`) from its closed issues, evaluate it on
    a held-out fifth, refit on all and store it. Returns the `CategoryModel`, or None when
    the history is too short (nothing is written then). Categories with fewer than
    `CATEGORY_SUGGEST_MIN_PER_CATEGORY` closed issues are left out of the model."""
    from sklearn.model_selection import train_test_split

    rows = training_rows(city.pk)
    counts = Counter(label for _, label in rows)
    rows = [(clean_text(t), label) for t, label in rows if counts[label] >= min_per_category()]
    labels = [label for _, label in rows]
    if not enough_history(labels):
        logger.info("Category model for %s: %d usable issues, too few", city, len(rows))
        return None
    texts = [t for t, _ in rows]
    train_x, test_x, train_y, test_y = train_test_split(
        texts, labels, test_size=HELD_OUT_SHARE, random_state=7, stratify=labels)
    majority = Counter(train_y).most_common(1)[0][0]
    pipeline = _pipeline().fit(train_x, train_y)
    top1, top3, baseline = evaluate(pipeline, test_x, test_y, majority=majority)
    pipeline = _pipeline().fit(texts, labels)
    buffer = io.BytesIO()
    joblib.dump(pipeline, buffer, compress=3)
    with transaction.atomic():
        last = (CategoryModel.objects.select_for_update().filter(city=city)
                .order_by("-version").first())
        record = CategoryModel(
            city=city, version=(last.version + 1) if last else 1,
            trained_at=now or timezone.now(), sample_count=len(rows),
            category_count=len(set(labels)), top1_accuracy=top1, top3_accuracy=top3,
            baseline_accuracy=baseline)
        record.file.save("model.joblib", ContentFile(buffer.getvalue()), save=False)
        record.save()
    forget_loaded()
    return record


def train_all_category_models(now=None):
    """A new version for every city with enough history; the versions trained."""
    return [m for city in Unit.objects.filter(parent__isnull=True)
            if (m := train_category_model(city=city, now=now)) is not None]


def forget_loaded():
    with _lock:
        _loaded.clear()


def _current(city_id):
    """The city's current pipeline and its categories, loaded once per version and process;
    which version is current is asked again after `CURRENT_TTL` seconds (one query)."""
    now = time.monotonic()
    entry = _loaded.get(city_id)
    if entry and now - entry[0] < CURRENT_TTL:
        return entry[2], entry[3]
    record = CategoryModel.objects.filter(city_id=city_id).order_by("-version").first()
    if record is None:
        pipeline, names = None, {}
    elif entry and entry[1] == record.pk:
        pipeline, names = entry[2], entry[3]
    else:
        with record.file.open("rb") as fh:
            pipeline = joblib.load(io.BytesIO(fh.read()))
        names = dict(IssueCategory.objects.filter(
            pk__in=list(pipeline.classes_), is_active=True).values_list("pk", "name"))
    with _lock:
        _loaded[city_id] = (now, record.pk if record else None, pipeline, names)
    return pipeline, names


def suggest_categories(text, region, *, limit=TOP):
    """Up to `limit` categories for a finding's `text` in `region` (any unit of the city),
    best first, as dicts {"id", "name", "score"} (score: the model's probability, 0–1).

    Empty when the city has no model yet (too little history), when the text is blank, or
    when none of its characters were ever seen in training. Costs no query while the
    process's copy of the current version is fresh, one (or two on a new version) after."""
    text = clean_text(text)[:MAX_TEXT]
    if not text or region is None:
        return []
    pipeline, names = _current(city_of(region))
    if pipeline is None:
        return []
    features = pipeline[:-1].transform([text])
    if features.nnz == 0:
        return []
    proba = pipeline[-1].predict_proba(features)[0]
    classes = pipeline.classes_
    ranked = sorted(range(len(classes)), key=lambda i: -proba[i])
    out = []
    for i in ranked:
        name = names.get(int(classes[i]))
        if name is not None:  # a category retired since training is never offered
            out.append({"id": int(classes[i]), "name": name, "score": round(float(proba[i]), 3)})
        if len(out) == limit:
            break
    return out
