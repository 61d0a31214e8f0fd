"""How well each row of a table says what each code of a codebook says: one matrix.

Every row is compared with every label and alias of the codebook at once (rapidfuzz's
`cdist`), on two views: the match key, and the unaccented key (a label typed without
diacritics loses nothing there; a label with them pays a little for using it).  Edit
similarity is then corrected where it misleads, for the whole matrix at once: a row that is
the label plus a qualifier of place or time is that indicator, a row that says much the
label does not is something narrower, and words that flip the meaning (cấp tỉnh / cấp xã,
gửi / nhận, đã / chưa, different numbers, "Tỷ lệ …" / "Số …") cost a large penalty.
Synonyms are already one spelling in the keys (`label_keys`), so "đúng hẹn" is no contrast
of "đúng hạn".
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import cdist
from scipy.sparse import csr_matrix

from core.vietnamese import match_key
from normalizers.codebook import Codebook, Indicator
from normalizers.label_keys import LabelKey, label_key, unaccented
from normalizers.numbers import unit_kind

QUALIFIED_SCORE = 90.0
MIN_QUALIFIED_WORDS = 3
MAX_QUALIFIER_SHARE = 0.6  # a qualifier longer than this share of the label makes another indicator,
MIN_QUALIFIER_ALLOWANCE = 3  # though a short label may always take three words ("… của đơn vị")
# A qualifier says where or when ("trên địa bàn huyện", "trong năm", "của đơn vị", "(lũy kế …)");
# one that starts otherwise ("… tiếp nhận trực tiếp") narrows the indicator into another.
_QUALIFIER_WORDS = ("trên", "trong", "của", "tại", "năm", "đến", "tính", "lũy", "kỳ")
MIN_WORDS_EXPLAINED = 0.8
EXTRA_WORDS_PENALTY = 15.0
CONTRAST_PENALTY = 30.0
UNACCENTED_COST = 3.0  # an accented row matched on its unaccented view: marks it had were ignored
UNIT_CONFLICT_PENALTY = 15.0
PLAIN_BELOW = 95.0  # an accented row whose best match is below this is also read unaccented
SCORE_CUTOFF = 45.0  # pairs less alike are read as 0: nothing can carry them to a code, and cdist skips them

_CONTRAST_WORDS = (("tỉnh", "huyện", "xã"), ("gửi", "nhận"), ("đã", "chưa"), ("đúng", "quá", "trễ", "sớm"))
# Words that flip a label's meaning while barely changing its spelling: "Số TTHC cấp tỉnh"
# is not "Số TTHC cấp xã", "gửi qua BCCI" is not "nhận qua BCCI".  In both views' forms.
CONTRAST_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(match_key(w) for w in g) for g in _CONTRAST_WORDS)
PLAIN_CONTRAST_GROUPS: tuple[frozenset[str], ...] = tuple(frozenset(unaccented(w) for w in g) for g in CONTRAST_GROUPS)


@dataclass(frozen=True)
class _View:
    """One way of reading keys: its contrast groups and qualifier words.  A misspelt
    qualifier word is forgiven on the accented view only: without marks, "tong" (tổng) is
    one letter from "trong"."""

    contrasts: tuple[frozenset[str], ...]
    qualifiers: frozenset[str]
    typos: bool


ACCENT = _View(CONTRAST_GROUPS, frozenset(match_key(w) for w in _QUALIFIER_WORDS), True)
PLAIN = _View(PLAIN_CONTRAST_GROUPS, frozenset(unaccented(match_key(w)) for w in _QUALIFIER_WORDS), False)
_KIND_CODES = {None: 0, "percent": 1, "count": 2}
# What a label's first words say its value is, in both views' forms.
_LABEL_KINDS = tuple(
    (kind, tuple(f(match_key(w)) for w in words for f in (str, unaccented)))
    for kind, words in (("percent", ("tỷ lệ",)), ("count", ("số", "tổng số")))
)


def key_kind(key: str) -> str | None:
    """'percent' for a key that starts "tỷ lệ", 'count' for "số …" / "tổng số …", else None.

    >>> key_kind(match_key("Tỷ lệ hồ sơ")), key_kind("tong so bien che"), key_kind(match_key("Kiểm tra CCHC"))
    ('percent', 'count', None)
    """
    return next((k for k, starts in _LABEL_KINDS if any(key == s or key.startswith(s + " ") for s in starts)), None)


@dataclass(frozen=True)
class _Features:
    """What the corrections read of a list of keys in one view, as arrays."""

    view: _View
    keys: tuple[str, ...]
    words: tuple[frozenset[str], ...]
    n_words: np.ndarray  # distinct words
    groups: np.ndarray  # (keys × contrast groups) bit mask of the members present
    numbers: np.ndarray  # a hash of the key's set of numbers, 0 for none
    kinds: np.ndarray  # 0 none, 1 percent, 2 count (from the first words)


def _features(keys: Sequence[str], view: _View) -> _Features:
    members = [{m: 1 << b for b, m in enumerate(sorted(g))} for g in view.contrasts]
    words = tuple(frozenset(k.split()) for k in keys)
    masks = np.array([[sum(g[m] for m in w & g.keys()) for g in members] for w in words], dtype=np.int64)
    numbers = [frozenset(t for t in w if t.isdigit()) for w in words]
    return _Features(
        view, tuple(keys), words, np.array([len(w) for w in words], dtype=float), masks.reshape(len(keys), len(members)),
        np.array([hash(n) if n else 0 for n in numbers], dtype=np.int64),
        np.array([_KIND_CODES[key_kind(k)] for k in keys], dtype=np.int64),
    )


@dataclass(frozen=True)
class _BookView:
    """A codebook's keys in one view, with their words as an incidence matrix (words × keys)."""

    features: _Features
    vocab: dict[str, int]
    incidence: csr_matrix


def _book_view(keys: Sequence[str], view: _View) -> _BookView:
    features = _features(keys, view)
    vocab = {w: v for v, w in enumerate(sorted(set().union(*features.words)))}
    return _BookView(features, vocab, _incidence(features.words, vocab).T.tocsr())


def _incidence(words: Sequence[frozenset[str]], vocab: dict[str, int]) -> csr_matrix:
    """(keys × vocabulary) 0/1, sparse: the product stays off BLAS, whose threads cost more
    than this small product on a busy machine."""
    cols = [[vocab[t] for t in w if t in vocab] for w in words]
    indptr = np.cumsum([0] + [len(c) for c in cols])
    data = np.ones(int(indptr[-1]))
    return csr_matrix((data, np.fromiter((c for cs in cols for c in cs), dtype=np.int64), indptr), shape=(len(words), len(vocab)))


def _opens_qualifier(word: str, view: _View) -> bool:
    """A word that opens a qualifier of place or time (a typo allowed where the view says so).

    >>> _opens_qualifier(match_key("trrên"), ACCENT), _opens_qualifier(match_key("tiếp"), ACCENT)
    (True, False)
    >>> _opens_qualifier("tong", PLAIN), _opens_qualifier("tren", PLAIN)
    (False, True)
    """
    return word in view.qualifiers or view.typos and any(
        Levenshtein.distance(word, q, score_cutoff=1) <= 1 for q in view.qualifiers if len(q) >= 3)


def _differ(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(len a × len b): both say something and not the same thing."""
    return (a[:, None] != 0) & (b[None, :] != 0) & (a[:, None] != b[None, :])


def _corrected(raw: np.ndarray, rows: _Features, book: _BookView) -> np.ndarray:
    """Edit similarity corrected for qualifiers, extra words and contrasting words.

    A row that is the label plus a short qualifier of place or time is that indicator: "Tổng
    số đơn vị sự nghiệp công lập trên địa bàn huyện" is "Tổng số đơn vị sự nghiệp công lập".  A
    row that says much the label does not ("Kế hoạch tuyên truyền CCHC" against "Kế hoạch
    CCHC") is something narrower, however close the spelling, and so is a label with a long
    tail ("Tổng số TTHC cung cấp trực tuyến mức độ 3" is not "Tổng số TTHC"); a row shorter
    than the label gets no help ("Dịch vụ công trực tuyến" is not "Dịch vụ công trực tuyến,
    Bưu chính công ích").  Different members of a contrast group (cấp tỉnh / cấp xã),
    different numbers (mức độ 3 / 4) or different kinds in the first words ("Tỷ lệ người
    đã tinh giản" / "Số người đã tinh giản") cost a large penalty.
    """
    labels = book.features
    shared = (_incidence(rows.words, book.vocab) @ book.incidence).toarray()
    n_row, n_label = rows.n_words[:, None], labels.n_words[None, :]
    explained = np.divide(shared, n_row, out=np.zeros_like(shared), where=n_row > 0)
    qualified = np.full(raw.shape, -np.inf)  # the score of a row read as label + qualifier
    maybe = ((n_label >= MIN_QUALIFIED_WORDS) & (shared >= n_label - 1) & (n_row > n_label)
             & (n_row - n_label <= np.maximum(MAX_QUALIFIER_SHARE * n_label, MIN_QUALIFIER_ALLOWANCE)))
    for i, k in zip(*np.nonzero(maybe)):
        words, label = rows.keys[i].split(), labels.keys[k]
        head = len(label.split())
        if len(words) > head and _opens_qualifier(words[head], rows.view):  # a misspelt head costs what it differs
            qualified[i, k] = QUALIFIED_SCORE - (100.0 - fuzz.ratio(" ".join(words[:head]), label))
    score = np.where(np.isfinite(qualified), np.maximum(raw, qualified),
                     np.where(explained < MIN_WORDS_EXPLAINED, raw - EXTRA_WORDS_PENALTY, raw))
    contrast = _differ(rows.numbers, labels.numbers) | _differ(rows.kinds, labels.kinds)
    for g in range(rows.groups.shape[1]):
        contrast |= _differ(rows.groups[:, g], labels.groups[:, g])
    return score - CONTRAST_PENALTY * contrast


@dataclass(frozen=True)
class _BookKeys:
    """A codebook's labels and aliases in both views, with the code each belongs to."""

    accent: _BookView
    plain: _BookView
    starts: np.ndarray  # index of each code's first key (keys are grouped by code, in codebook order)
    kinds: tuple[str, ...]


@lru_cache(maxsize=16)
def _book_keys(codebook: Codebook) -> _BookKeys:
    keys: list[LabelKey] = []
    starts = []
    for ind in codebook.indicators:
        starts.append(len(keys))
        keys += [label_key(text) for text in (ind.label, *ind.aliases)]
    return _BookKeys(_book_view([k.key for k in keys], ACCENT), _book_view([k.plain for k in keys], PLAIN),
                     np.array(starts), tuple(ind.kind for ind in codebook.indicators))


def label_scores(rows: Sequence[LabelKey], codebook: Codebook) -> np.ndarray:
    """(rows × codes) label similarity, about 0–100: each code's best label or alias.

    A row typed without diacritics is read on the unaccented view alone; a row with them
    on whichever view says more, paying a little for the unaccented one.
    """
    book = _book_keys(codebook)
    scores = np.zeros((len(rows), len(book.accent.features.keys)))
    bare = np.array([not r.accented for r in rows], dtype=bool)
    if (marked := np.nonzero(~bare)[0]).size:
        scores[marked] = _view_scores(tuple(rows[i].key for i in marked), book.accent)
    # the unaccented view, where it can say more: rows typed bare, and rows read badly with marks
    plain = np.nonzero(bare | (scores.max(axis=1, initial=0.0) < PLAIN_BELOW))[0]
    if plain.size:
        other = _view_scores(tuple(rows[i].plain for i in plain), book.plain) - np.where(bare[plain], 0.0, UNACCENTED_COST)[:, None]
        scores[plain] = np.where(bare[plain, None] | (other > scores[plain]), other, scores[plain])
    return np.maximum.reduceat(scores, book.starts, axis=1)


def _view_scores(keys: tuple[str, ...], book: _BookView) -> np.ndarray:
    raw = cdist(keys, book.features.keys, scorer=fuzz.ratio, score_cutoff=SCORE_CUTOFF, dtype=np.float64)
    return _corrected(raw, _row_features(keys, book.features.view), book)


@lru_cache(maxsize=8)
def _row_features(keys: tuple[str, ...], view: _View) -> _Features:
    """A table's row features, read once for the canonical codebook and its templates."""
    return _features(keys, view)


def label_similarity(row_label: str, code_label: str) -> float:
    """The similarity `label_scores` gives one row label and one codebook label.

    >>> label_similarity("Số TTHC cấp tỉnh", "Số TTHC cấp xã") < 70 < label_similarity("Số thủ tục hành chính cấp xã:", "Số TTHC cấp xã")
    True
    >>> label_similarity("Tổng số đơn vị sự nghiệp công lập trên địa bàn huyện", "Tổng số đơn vị sự nghiệp công lập")
    90.0
    >>> label_similarity("Tỷ lệ người đã tinh giản", "Số người đã tinh giản") < 70, label_similarity("Mức độ 3", "Mức độ 4") < 70
    (True, True)
    >>> label_similarity("So VBQPPL co kien nghi xu ly", "Số văn bản QPPL có kiến nghị xử lý")
    100.0
    >>> label_similarity("Kế hoạch tuyên truyền CCHC", "Kế hoạch CCHC") < 70
    True
    """
    book = Codebook("one label", (Indicator("1", None, code_label, "", "count"),))
    return float(label_scores([label_key(row_label)], book)[0, 0])


@lru_cache(maxsize=4096)
def row_kind(unit: str, label: str) -> str | None:
    """What a row's value is: its unit says, else its label's first words ("Tỷ lệ …", "Số …").

    >>> row_kind("", "Tỷ lệ hồ sơ giải quyết đúng hạn"), row_kind("Người", "Tỷ lệ …"), row_kind("", "Kiểm tra CCHC")
    ('percent', 'count', None)
    """
    return unit_kind(unit) or key_kind(label_key(label).key)


def unit_penalties(units: Sequence[str], labels: Sequence[str], codebook: Codebook) -> np.ndarray:
    """(rows × codes) penalty for a percent row on a count code and vice versa; rows that
    say nothing of their kind pay nothing."""
    book = _book_keys(codebook)
    code_percent = np.array([k == "percent" for k in book.kinds])
    code_group = np.array([k == "group" for k in book.kinds])
    kinds = [row_kind(unit, label) for unit, label in zip(units, labels)]
    said = np.array([k is not None for k in kinds])[:, None]
    percent = np.array([k == "percent" for k in kinds])[:, None]
    return np.where(said & ~code_group[None, :] & (percent != code_percent[None, :]), UNIT_CONFLICT_PENALTY, 0.0)
