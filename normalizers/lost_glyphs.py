"""Which glyphs a damaged text lost, read from its own letter counts.

A font without a full ToUnicode map loses the same glyphs everywhere it is used, so the lost
letters are the ones the text holds far fewer of than Vietnamese does: seed 004 has almost
none of the "ư", "ệ", "đ" it should.  Each letter gets the share of its occurrences estimated
lost.  A letter seen at least half as often as expected counts as intact (`KEPT_OK`): one
document's letters differ from the average by that much.

Short texts say little, so the counts are weighed against a prior: the glyphs such fonts lose
are the ones outside the standard 8-bit encodings (Latin-1), ư ơ đ and the letters with a
hook or a dot below, while a, á, ê, n, h… are in every font's base set.  A long text overrules
the prior either way (the cross-validation damage loses g, h, N and T too).
"""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable

NOT_LOST = 0.0
KEPT_OK = 0.5  # a letter at least half as often as expected is intact: texts vary that much
COMMON = 0.004  # letters at least this frequent set the text's scale
PSEUDO = 5.0  # weight of the prior, in expected occurrences
KEPT_OK_CAPITAL = 0.25  # capitals vary far more between texts (abbreviations, headings): only a
# capital (nearly) absent counts as lost
PRIOR_LOST = 0.6  # prior share lost of a letter outside Latin-1; inside, none


def prior_lost(ch: str) -> float:
    """The share of a character a damaged font is expected to lose before any count is seen.

    >>> prior_lost("ư"), prior_lost("á"), prior_lost("h")
    (0.6, 0.0, 0.0)
    """
    return PRIOR_LOST if ch.isalpha() and ord(ch) > 0xFF else 0.0


def loss_rates(lines: Iterable[str], reference: Counter[str]) -> dict[str, float]:
    """P(an occurrence of this character was lost), for every letter and digit of `reference`.

    The text's size in reference units comes from its common letters that are intact: first
    the median of observed/expected over the upper half (at most half can be lost), then over
    those that reach `KEPT_OK` of it.  Digits are one class: how many numbers a text holds
    varies too much for one digit to be judged by itself.

    >>> ref = Counter({"a": 50, "b": 30, "c": 20, "d": 10, "ư": 20, "1": 10, "2": 10})
    >>> rates = loss_rates(["a a a a a  c c c c  d d 12      " * 20], ref)
    >>> rates["b"] > 0.9, rates["ư"] > 0.9, rates["a"] == rates["c"] == rates["1"] == NOT_LOST
    (True, True, True)
    >>> loss_rates(["a"], ref)["ư"], loss_rates(["a"], ref)["b"]
    (0.6, 0.0)
    """
    observed = Counter("0" if ch.isdigit() else ch for line in lines for ch in line if ch.isalnum())
    alphabet: Counter[str] = Counter()
    for ch, n in reference.items():
        if ch.isalnum():
            alphabet["0" if ch.isdigit() else ch] += n
    total = sum(alphabet.values())
    if not total:
        return {}
    share = {ch: n / total for ch, n in alphabet.items()}
    ratios = {ch: observed[ch] / share[ch] for ch in alphabet if share[ch] >= COMMON and ch.isalpha()}
    upper = sorted(ratios.values())[len(ratios) // 2 :]
    scale = statistics.median(upper) if upper else 0.0
    intact = [r for r in ratios.values() if r >= KEPT_OK * scale]
    scale = statistics.median(intact) if intact and scale else scale
    rates = {}
    for ch, p in share.items():
        kept = (observed[ch] + PSEUDO * (1 - prior_lost(ch))) / (scale * p + PSEUDO)
        rates[ch] = NOT_LOST if kept >= (KEPT_OK_CAPITAL if ch.isupper() else KEPT_OK) else min(1 - kept, 1.0)
    digit = rates.pop("0", NOT_LOST)
    rates.update({ch: digit for ch in reference if ch.isdigit()})
    return rates
