"""Every well-formed Vietnamese syllable, generated from the phonology: onsets × rhymes × tones.

A restorer filling lost glyphs needs to know which words can exist at all, including the
ones its training text never showed ("khuỷu" is rare in reports but a real syllable).  The
spelling rules cut the product down: k/gh/ngh only before i, e, ê; c/g/ng never there; a
stop coda (c, ch, p, t) takes only the sắc or nặng tone; the tone mark sits on the vowel
the orthography puts it on, and open oa/oe/uy get both placements ("hòa" and "hoà"), as the
sources mix them.  Every generated form passes `core.vietnamese.is_syllable`.
"""
from __future__ import annotations

import unicodedata
from functools import lru_cache

ONSETS = ("", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh",
          "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x")
# Rhymes as written after a plain onset; "qu" and "gi" drop their own u / i (quyết, giữa).
RHYMES = tuple("""
a ac ach ai am an ang anh ao ap at au ay
ăc ăm ăn ăng ăp ăt
âc âm ân âng âp ât âu ây
e ec em en eng eo ep et
ê êch êm ên ênh êp êt êu
i ia ich iêc iêm iên iêng iêp iêt iêu im in inh ip it iu
o oa oac oach oai oam oan oang oanh oao oap oat oay oăc oăm oăn oăng oăt oc oe oen oeo oet oi om on ong
oong ooc op ot
ô ôc ôi ôm ôn ông ôp ôt
ơ ơi ơm ơn ơp ơt
u ua uân uâng uât uây uc uê uêch uênh ui um un ung uôc uôi uôm uôn uông uôt uơ up ut uy uya uych uyên
uyêt uynh uyp uyt uyu
ư ưa ưc ưi ưm ưn ưng ươc ươi ươm ươn ương ươp ươt ươu ưt ưu
y yêm yên yêng yêt yêu
""".split())
TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # ngang, huyền, sắc, hỏi, ngã, nặng
_STOP_TONES = ("\u0301", "\u0323")
_STOPS = ("c", "ch", "p", "t")
_VOWELS = "aăâeêioôơuưy"
_MARKED = "ăâêôơư"
_FRONT = "ieêy"


def _rhymes_after(onset: str) -> tuple[str, ...]:
    """The rhymes an onset takes, as written after it (the spelling rules).

    k, gh, ngh only before i, e, ê, y; c, g, ng never there (but "gì" is g + ì); "qu" writes
    its medial itself, so it takes the medial rhymes without their o/u (quan, quê, quốc, quyết);
    "gi" absorbs a following i (giết).

    >>> "inh" in _rhymes_after("k"), "inh" in _rhymes_after("c"), "yêt" in _rhymes_after("qu")
    (True, False, True)
    >>> "êt" in _rhymes_after("gi"), "uy" in _rhymes_after("qu")
    (True, False)
    """
    if onset == "qu":
        return tuple(r[1:] for r in RHYMES if len(r) > 1 and r[0] in "ou" and r[1] in "aăâeêôyơ" and r not in ("uya", "uyu"))
    if onset == "gi":
        return tuple(r[1:] if r.startswith("iê") else r for r in RHYMES if not r.startswith("y") and r != "i")
    fits = []
    for rhyme in RHYMES:
        front = rhyme[0] in _FRONT
        if onset in ("k", "gh", "ngh") and not front or onset in ("c", "ng") and front:
            continue
        if onset == "g" and rhyme[0] in "eêy" or onset and rhyme.startswith("yê"):
            continue
        fits.append(rhyme)
    return tuple(fits)


def _tone_positions(rhyme: str) -> tuple[int, ...]:
    """Where the tone mark goes in a rhyme; open oa/oe/uy allow both styles.

    >>> _tone_positions("ương"), _tone_positions("oan"), _tone_positions("ai"), _tone_positions("oa")
    ((1,), (1,), (0,), (0, 1))
    """
    vowels = [i for i, ch in enumerate(rhyme) if ch in _VOWELS]
    marked = [i for i in vowels if rhyme[i] in _MARKED]
    if marked:
        return (marked[-1],)
    closed = vowels[-1] < len(rhyme) - 1
    if closed or len(vowels) == 1:
        return (vowels[-1],)
    if rhyme in ("oa", "oe", "uy"):
        return (0, 1)
    return (vowels[1],) if len(vowels) == 3 else (vowels[0],)


def _marked(rhyme: str, position: int, tone: str) -> str:
    return unicodedata.normalize("NFC", rhyme[: position + 1] + tone + rhyme[position + 1 :])


@lru_cache(maxsize=1)
def valid_syllables() -> frozenset[str]:
    """Every lower-case syllable (NFC) the spelling rules allow, with each tone.

    >>> s = valid_syllables()
    >>> all(w in s for w in ("nghiệp", "quyết", "khuỷu", "hòa", "hoà", "giữa", "được"))
    True
    >>> any(w in s for w in ("cinh", "ngiệp", "thàc", "huy n"))
    False
    """
    out: set[str] = set()
    for onset in ONSETS:
        for rhyme in _rhymes_after(onset):
            tones = _STOP_TONES if rhyme.endswith(_STOPS) else TONES
            for tone in tones:
                for position in _tone_positions(rhyme):
                    out.add(onset + _marked(rhyme, position, tone))
    return frozenset(out)
