"""Every suspect glyph of a document decided once, and the decisions put back on its characters.

`glyph_audit` says which (font, code) pairs are suspect; this module decides them, cheapest
evidence first:

1. a map saved from an earlier run (`GlyphMap`, e.g. read back from a page's `repairs`);
2. the same outline drawn elsewhere in the file under a trusted claim (another subset of
   the font, or another font object embedding the same program);
3. the shape voter (`glyph_reference`) and, for what it leaves open, OCR of a few words
   (`font_repair`), per font family.

Glyphs are identified by outline, so one glyph drawn by two subsets or two font objects is
decided once; families that share a suspect glyph vote together.  What no voter settles
is left unreadable (U+FFFD), and the pages holding it are read by OCR instead.
"""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pdfminer.pdftypes import resolve1

from extractors.font_repair import UNREADABLE, GlyphMap, Ranking, glyph_words, rebuild_maps
from extractors.glyph_audit import PRIVATE_USE, Code, GlyphAudit
from extractors.glyph_outlines import features
from extractors.glyph_reference import choose_faces, vote

TRUSTED_SAMPLE = 10  # trusted letters of a font rendered to choose its reference faces


@dataclass
class GlyphRepair:
    """Collects the words holding suspect glyphs page by page, then decides every suspect code."""

    pdf_path: str | Path
    audit: GlyphAudit
    saved: Mapping[str, GlyphMap] = field(default_factory=dict)
    _words: list[tuple[int, list[dict]]] = field(default_factory=list)  # (page, pdfplumber words with chars)
    maps: dict[str, GlyphMap] = field(default_factory=dict)  # font key → decisions, by code
    keys: dict[int, str] = field(default_factory=dict)  # font index → key (`GlyphAudit.font_keys`)

    def add_page(self, page) -> None:
        """Keep the words of a page (markers still on its suspect characters) that hold a suspect glyph."""
        words = page.extract_words(return_chars=True, extra_attrs=["fontname"])
        held = [w for w in words if any((c := self.audit.code(ch["text"])) is not None and c.suspect for ch in w["chars"])]
        if held:
            self._words.append((page.page_number, held))

    # --- deciding ------------------------------------------------------------------

    def decide(self) -> dict[str, GlyphMap]:
        """Decide every suspect code; returns the decisions as one GlyphMap per font
        (`GlyphAudit.font_keys` names them)."""
        self.keys = self.audit.font_keys()
        open_codes = [c for c in self.audit.suspects() if not self._saved(c)]
        twins = self._trusted_glyphs({c.font.family for c in open_codes})
        undecided = []
        for code in open_codes:
            if code.outline is not None and code.glyph in twins:
                self._set(code, twins[code.glyph], 1.0)
            else:
                undecided.append(code)
        if undecided:
            self._vote(undecided)
        self.maps = self._font_maps()
        return self.maps

    def _trusted_glyphs(self, families: set[str]) -> dict[str, str]:
        """Outline → claim of the trusted letters of these families (other subsets or font
        objects may draw a suspect glyph under its true claim)."""
        return {c.glyph: c.claim for c in self.audit.codes if c.font.family in families and c.suspect is None
                and c.claim and len(c.claim) == 1 and c.ink}

    def _saved(self, code: Code) -> bool:
        glyphs = self.saved.get(self.keys[code.font.index])
        char = glyphs.decode(code.cid) if glyphs is not None else None
        if char is None:
            return False
        self._set(code, char, glyphs.confidence.get(code.cid, 0.0), resolved=char != UNREADABLE)
        return True

    def _set(self, code: Code, char: str, confidence: float, resolved: bool = True) -> None:
        code.text = char
        code.confidence = confidence if resolved else None

    def _vote(self, codes: list[Code]) -> None:
        ids: dict[str, int] = {}
        members: dict[int, list[Code]] = defaultdict(list)
        for code in codes:
            gid = ids.setdefault(code.glyph, len(ids))
            members[gid].append(code)
        group = _groups({gid: {c.font.family for c in cs} for gid, cs in members.items()})
        label = {gid: group[next(iter(sorted(c.font.family for c in cs)))] for gid, cs in members.items()}
        known = self._known(group)
        words = [w for page, held in self._words for w in glyph_words(
            held, page, lambda ch: self._glyph_id(ch, ids), lambda gid: label[gid])]
        shapes = self._shapes(members, label, known)
        maps = rebuild_maps(self.pdf_path, words, known, shapes)
        for gid, cs in members.items():
            glyphs = maps.get(label[gid])
            char = glyphs.chars.get(gid) if glyphs is not None else None
            letters = glyphs is not None and any(ch.isalpha() for ch in glyphs.chars.values())
            for code in cs:
                if char is not None:
                    self._set(code, char, glyphs.confidence.get(gid, 0.0))
                elif code.suspect == PRIVATE_USE and not letters:
                    self._set(code, code.claim, 0.0, resolved=False)  # a symbol font's own private-use codes: kept
                else:
                    self._set(code, UNREADABLE, 0.0, resolved=False)

    def _glyph_id(self, ch: dict, ids: Mapping[str, int]) -> int | None:
        code = self.audit.code(ch["text"])
        if code is None or code.suspect is None:
            return None
        return ids.get(code.glyph) if code.confidence is None else None

    def _known(self, group: Mapping[str, str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = defaultdict(set)
        for family, chars in self.audit.known().items():
            out[group.get(family, family)] |= chars
        for code in self.audit.suspects():  # decided already: by a saved map or a trusted twin
            if code.confidence is not None and code.text:
                out[group.get(code.font.family, code.font.family)].add(code.text)
        return out

    def _shapes(self, members: Mapping[int, list[Code]], label: Mapping[int, str],
                known: Mapping[str, set[str]]) -> dict[int, Ranking]:
        """The shape voter's ranking for every glyph with an outline, faces chosen per family."""
        faces: dict[str, list] = {}
        out: dict[int, Ranking] = {}
        for gid, cs in members.items():
            code = cs[0]
            glyph = features(code.outline) if code.outline is not None else None
            if glyph is None:
                continue
            family = label[gid]
            if family not in faces:
                faces[family] = choose_faces(code.font.name, _flags(code), self._trusted(family))
            out[gid] = vote(glyph, faces[family], exclude=known.get(family, set()))
        return out

    def _trusted(self, family: str) -> list:
        sample = []
        for code in self.audit.codes:
            if len(sample) >= TRUSTED_SAMPLE:
                break
            if code.suspect is None and code.ink and code.claim and len(code.claim) == 1 and code.font.family == family:
                glyph = features(code.outline)
                if glyph is not None:
                    sample.append((code.claim, glyph))
        return sample

    def _font_maps(self) -> dict[str, GlyphMap]:
        out: dict[str, GlyphMap] = {}
        for code in self.audit.suspects():
            key = self.keys[code.font.index]
            glyphs = out.setdefault(key, GlyphMap(font=key))
            if code.confidence is None:
                glyphs.unresolved.add(code.cid)
            else:
                glyphs.chars[code.cid] = code.text
                glyphs.confidence[code.cid] = code.confidence
        return out


def _flags(code: Code) -> int:
    return int(resolve1((resolve1(code.font.spec.get("FontDescriptor")) or {}).get("Flags")) or 0)


def _groups(families_of: Mapping[int, set[str]]) -> dict[str, str]:
    """Families that share a suspect glyph vote as one group, named after its first family.

    >>> _groups({0: {"A"}, 1: {"B", "C"}, 2: {"C"}, 3: {"D", "A"}})
    {'A': 'A', 'D': 'A', 'B': 'B', 'C': 'B'}
    """
    parent: dict[str, str] = {}

    def root(name: str) -> str:
        while parent.setdefault(name, name) != name:
            name = parent[name]
        return name

    for families in families_of.values():
        first, *rest = sorted(families)
        root(first)
        for other in rest:
            a, b = sorted((root(first), root(other)))
            parent[b] = a
    return {name: root(name) for name in sorted(parent, key=lambda n: (root(n), n))}
