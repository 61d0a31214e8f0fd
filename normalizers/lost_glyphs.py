"""Which glyphs a damaged text lost, read from its own letter counts.

A font without a full ToUnicode map loses the same glyphs everywhere it is used, so the lost
letters are the ones the text holds far fewer of than Vietnamese does: seed 004 has a third
of the "á" it should and almost none of "ư", "ệ", "đ".  Each letter gets the share of its
occurrences estimated lost; a letter that is all there keeps a small floor, since a text set
in several fonts can lose a letter in one run and keep it in the others.
"""
from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable

FLOOR = 0.01  # a letter seen as often as expected may still be lost in some run
KEPT_OK = 0.5  # a letter at least half as often as expected is intact: texts vary that much
COMMON = 0.004  # letters at least this frequent set the text's scale
_PRIOR = 5.0  # pseudo-counts that keep rare letters from looking lost by chance


def loss_rates(lines: Iterable[str], reference: Counter[str]) -> dict[str, float]:
    """P(an occurrence of this character was lost), for every letter and digit of `reference`.

    The text's size in reference units comes from its common letters that are intact: first
    the median of observed/expected over the upper half (at most half can be lost), then over
    those that reach `KEPT_OK` of it.  Digits are one class: how many numbers a text holds
    varies too much for one digit to be judged by itself.

    >>> ref = Counter({"a": 50, "b": 30, "c": 20, "d": 10, "1": 10, "2": 10})
    >>> rates = loss_rates(["a a a a a  c c c c  d d 12      "], ref)
    >>> rates["b"] > 0.9, rates["a"] == rates["c"] == rates["1"] == FLOOR
    (True, True)
    """
    observed = Counter("0" if ch.isdigit() else ch for line in lines for ch in line if ch.isalnum())
    alphabet = Counter()
    for ch, n in reference.items():
        if ch.isalnum():
            alphabet["0" if ch.isdigit() else ch] += n
    total = sum(alphabet.values())
    if not total or not observed:
        return {ch: FLOOR for ch in reference if ch.isalnum()}
    share = {ch: n / total for ch, n in alphabet.items()}
    ratios = {ch: observed[ch] / share[ch] for ch in alphabet if share[ch] >= COMMON and ch.isalpha()}
    upper = sorted(ratios.values())[len(ratios) // 2 :]
    scale = statistics.median(upper) if upper else sum(observed.values())
    intact = [r for r in ratios.values() if r >= KEPT_OK * scale]
    scale = statistics.median(intact) if intact else scale
    rates = {}
    for ch, p in share.items():
        kept = (observed[ch] + _PRIOR) / (scale * p + _PRIOR)
        rates[ch] = FLOOR if kept >= KEPT_OK else min(1 - kept, 1.0)
    digit = rates.pop("0")
    rates.update({ch: digit for ch in reference if ch.isdigit()})
    return rates
