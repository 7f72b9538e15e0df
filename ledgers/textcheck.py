"""Copied-report check (材料雷同核查): the text of a signed report — its five elements and the
text of its Word and PDF documents — compared with every other unit's report of the same year
and every report of earlier years, the unit's own included.

How:
- The text is normalised (only letters and Chinese characters kept: punctuation, digits and
  whitespace dropped, so a changed number or comma does not hide a copy) and cut into
  character 4-gram shingles. Shingles of the text the office hands out (the task's 填报说明,
  its sample file, the region's template text and the five elements' headings) are removed
  first: two reports that share only the template share no shingle.
- Each shingle set gets a 126-permutation MinHash (datasketch), whose values are cut into 42
  bands of 3. Each band's hash is a row of `ReportBand`, indexed in the database: a report is
  a candidate when it shares band keys with the checked one (see
  `copycheck.min_band_hits`), so a check reads the few candidates through 42 index lookups
  instead of comparing with every report. With bands of 3, a pair with Jaccard similarity
  0.4 shares at least one band with probability 0.94, 0.5 with 0.996, 0.1 with 0.04. The index lives in the database (not a file) so every worker and the
  web processes read the same one, inside the same transactions as the submissions.
- Candidates are kept when the MinHash estimate of their similarity reaches the region's
  threshold (`ReportCheckSettings.threshold`, default 50 %). The overlapping passages are then
  found by exact comparison of the two normalised texts and mapped back to the original text
  so the review page can highlight them side by side.
"""

import hashlib
import io
import logging
import re
from dataclasses import dataclass, field

import numpy as np
from datasketch import MinHash

logger = logging.getLogger(__name__)

SHINGLE = 4
NUM_PERM = 126
BANDS = 42
ROWS = NUM_PERM // BANDS
# A passage worth showing: this many normalised characters in a row, shared by both reports.
MIN_PASSAGE = 12
MAX_DOCUMENT_CHARS = 100_000
MAX_PDF_PAGES = 100
DEFAULT_THRESHOLD = 0.5
SEED = 16

_WORD_RUN = re.compile(r"[^\W\d_]+")
SCHEME = "affine32"
_PERMUTATIONS = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME).permutations


def normalise(text):
    """Letters and Chinese characters only, lower case (punctuation, digits and whitespace
    dropped)."""
    return "".join(_WORD_RUN.findall(text or "")).lower()


def normalise_with_positions(text):
    """(normalised text, positions): each kept character's index in `text`, to map
    passages found in the normalised text back to the original."""
    kept, positions = [], []
    for run in _WORD_RUN.finditer(text or ""):
        kept.append(run.group())
        positions.extend(range(run.start(), run.end()))
    return "".join(kept).lower(), positions


def shingles(norm):
    if len(norm) < SHINGLE:
        return {norm} if norm else set()
    return {norm[i:i + SHINGLE] for i in range(len(norm) - SHINGLE + 1)}


def shingle_hashes(norm):
    """The distinct 32-bit hashes of a normalised text's character 4-grams, computed for all
    positions at once (code points mixed with the splitmix64 finaliser)."""
    if not norm:
        return np.empty(0, dtype=np.uint64)
    codes = np.frombuffer(norm.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    n = max(len(codes) - SHINGLE + 1, 1)
    h = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for k in range(min(SHINGLE, len(codes))):
            h = h * np.uint64(0x100000001B3) ^ codes[k:k + n]
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return np.unique(h & np.uint64(0xFFFFFFFF))


def template_hashes(*texts):
    """Shingle hashes of the office's template texts (removed from every report's set)."""
    parts = [shingle_hashes(normalise(t)) for t in texts if t]
    return np.unique(np.concatenate(parts)) if parts else np.empty(0, dtype=np.uint64)


_A, _B = (np.asarray(p, dtype=np.uint32) for p in _PERMUTATIONS)


def _fmix32(h):
    """MurmurHash3's 32-bit finaliser, the pre-mix datasketch's affine32 scheme applies to
    each input hash (uint32 arithmetic wraps, as intended)."""
    h = h ^ (h >> np.uint32(16))
    h = h * np.uint32(0x85EBCA6B)
    h = h ^ (h >> np.uint32(13))
    h = h * np.uint32(0xC2B2AE35)
    return h ^ (h >> np.uint32(16))


def signature(hashes):
    """The MinHash values (uint32 array of NUM_PERM) of a set of shingle hashes: datasketch's
    affine32 permutations (a·fmix(h) + b mod 2³², least per permutation) applied to hashes
    already computed, in one numpy expression over all shingles. The same values as
    `MinHash(..., hashfunc=int).update_batch(hashes)` (a test compares them) without its
    Python call per shingle and sketch objects: about a third of the time per report."""
    if not len(hashes):
        return np.full(NUM_PERM, 0xFFFFFFFF, dtype=np.uint32)
    h = _fmix32(np.asarray(hashes).astype(np.uint32))
    with np.errstate(over="ignore"):
        return (np.multiply.outer(h, _A) + _B).min(axis=0)


# One blake2b state per band with its personalisation, copied for each key (building the
# state is most of the cost of hashing 12 bytes).
_BAND_HASHERS = [hashlib.blake2b(digest_size=8, person=b"band%04d" % b) for b in range(BANDS)]


def band_keys(hashvalues):
    """One signed 64-bit key per band; the band's number is part of the hash, so keys of
    different bands never collide by position."""
    raw = np.ascontiguousarray(hashvalues, dtype=np.uint32).tobytes()
    width = ROWS * 4
    keys = []
    for b, hasher in enumerate(_BAND_HASHERS):
        h = hasher.copy()
        h.update(raw[b * width:(b + 1) * width])
        keys.append(int.from_bytes(h.digest(), "big", signed=True))
    return keys


def similarity(sig_a, sig_b):
    """MinHash estimate of the Jaccard similarity of two signatures."""
    return float(np.count_nonzero(sig_a == sig_b)) / NUM_PERM


def similarities(sig, others):
    """`similarity` of `sig` with each of `others` (signatures as rows, or end to end in one
    flat array), as a float array: one numpy comparison for all candidates."""
    others = np.asarray(others).reshape(-1, NUM_PERM)
    return np.count_nonzero(others == sig, axis=1) / NUM_PERM


def to_bytes(sig):
    return np.asarray(sig, dtype="<u4").tobytes()


def from_bytes(raw):
    return np.frombuffer(bytes(raw), dtype="<u4")


@dataclass
class Extracted:
    text: str
    notes: list = field(default_factory=list)


def pdf_text(fh):
    """Text of a PDF, or raises ValueError with the reason it cannot be read in Chinese."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(fh)
        if reader.is_encrypted:
            try:
                if not reader.decrypt(""):
                    raise ValueError("已加密，未读取文字")
            except (NotImplementedError, PdfReadError) as exc:
                raise ValueError("已加密，未读取文字") from exc
        parts, size = [], 0
        for page in reader.pages[:MAX_PDF_PAGES]:
            text = page.extract_text() or ""
            parts.append(text)
            size += len(text)
            if size > MAX_DOCUMENT_CHARS:
                break
        return "\n".join(parts)
    except ValueError:
        raise
    except Exception as exc:  # a damaged file may fail anywhere inside the parser
        logger.info("PDF text not read: %s", exc)
        raise ValueError("文件损坏或格式不规范，未读取文字") from exc


def docx_text(fh):
    """Paragraphs and table cells of a Word (.docx) file."""
    import docx

    try:
        document = docx.Document(fh)
    except Exception as exc:  # not a zip, missing parts, bad XML
        logger.info("Word text not read: %s", exc)
        raise ValueError("文件损坏或不是有效的 Word 文件，未读取文字") from exc
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


WORD_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def document_text(doc):
    """(text, note) of one `LedgerDocument`: PDF and Word are read, other types have no
    report text (Excel sheets, old .doc) and give neither. Never raises for a bad file."""
    name = doc.title or doc.original_name or "文件"
    kind = (doc.content_type or "").lower()
    ext = (doc.file.name or "").rsplit(".", 1)[-1].lower()
    if kind == "application/pdf" or ext == "pdf":
        reader = pdf_text
    elif kind == WORD_TYPE or ext == "docx":
        reader = docx_text
    else:
        return "", ""
    try:
        with doc.file.open("rb") as fh:
            text = reader(io.BytesIO(fh.read()))
    except ValueError as exc:
        return "", f"《{name}》{exc}"
    except OSError:
        return "", f"《{name}》文件不存在或无法打开，未读取文字"
    return text[:MAX_DOCUMENT_CHARS], ""


def passages(text_a, text_b, template=frozenset()):
    """Passages both texts share, as [(a_start, a_end, b_start, b_end)] spans of the original
    texts, longest runs first found left to right in `text_a`. Runs made of template shingles
    are left out. Linear: every MIN_PASSAGE-gram of `text_b` is indexed once, then `text_a` is
    walked and each hit extended as far as both texts agree."""
    a, pos_a = normalise_with_positions(text_a)
    b, pos_b = normalise_with_positions(text_b)
    k = MIN_PASSAGE
    seen = {}
    for j in range(len(b) - k + 1):
        seen.setdefault(b[j:j + k], j)
    out, i = [], 0
    while i <= len(a) - k:
        j = seen.get(a[i:i + k])
        if j is None:
            i += 1
            continue
        n = k
        while i + n < len(a) and j + n < len(b) and a[i + n] == b[j + n]:
            n += 1
        run = shingles(a[i:i + n])
        if not template or len(run - template) > len(run) * 0.2:
            out.append((pos_a[i], pos_a[i + n - 1] + 1, pos_b[j], pos_b[j + n - 1] + 1))
        i += n
    return out


def marked_segments(text, spans):
    """`text` cut into [(piece, is_marked)] for the spans given (merged where they overlap)."""
    merged = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    out, at = [], 0
    for start, end in merged:
        if start > at:
            out.append((text[at:start], False))
        out.append((text[start:end], True))
        at = end
    if at < len(text):
        out.append((text[at:], False))
    return out
