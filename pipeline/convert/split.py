"""Long PDFs shared across the workers: read as page ranges in parallel, joined back into one result.

pdfminer reads a page on one core, so a 500-page report would take as long on two cores as
on one, and the last long file of a batch leaves the other cores idle. A PDF of more than
`PART_PAGES` pages is therefore cut into page ranges, each read by its own guarded child
(`process_part`: extraction and the page-by-page repairs), and the parent joins them in page
order and runs the stages that need the whole document (stitching tables continued over a
range boundary, mapping, checks) as `process_file` would. The result is the same as reading
the file whole; where it might not be — a part failed, or a part's broken-font glyphs were
decided on evidence from several pages — the file is read again whole. The longest files
start first, so short files fill the cores at the end of a batch, and a file's parts run one
after another, so the parent holds the parts of only a few files at a time. (Scanned pages need none of
this: OCR already runs one tesseract per core within a file.)
"""
from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from pathlib import Path

from extractors.pdf import page_count
from normalizers.codebook import DEFAULT_CODEBOOK
from pipeline.convert.executors import Executor
from pipeline.convert.guard import Limits, Processed, Unit, call_guarded
from pipeline.convert.process import Part, finish_parts

PART_PAGES = 12  # pages a part reads at most: ~4 s of pdfminer, against ~0.1 s to fork and open the file
COUNT_SECONDS = 30.0  # the page count of a batch's PDFs, in one child: 2 ms a file


def page_counts(paths: Sequence[Path], limits: Limits) -> dict[Path, int]:
    """Each PDF's page count, read by pdfium in one guarded child (a hostile file must not
    take the parent down); a file it cannot count, or all when the child fails, is read whole."""
    pdfs = [p for p in paths if p.suffix.lower() == ".pdf"]
    if not pdfs:
        return {}
    counted, _, _ = call_guarded(lambda: _count(pdfs), Limits(COUNT_SECONDS + 0.01 * len(pdfs), limits.memory_mb))
    return counted if isinstance(counted, dict) else {}


def _count(paths: list[Path]) -> dict[Path, int]:
    out = {}
    for path in paths:
        try:
            count = page_count(path)
        except Exception:  # an unreadable file is the extractor's to report
            count = None
        if count:
            out[path] = count
    return out


def ranges(pages: int, part_pages: int = PART_PAGES) -> list[range]:
    """Pages 1…`pages` in ranges of about equal size, none longer than `part_pages`.

    >>> ranges(30)
    [range(1, 11), range(11, 21), range(21, 31)]
    >>> ranges(12)
    [range(1, 13)]
    """
    parts = math.ceil(pages / part_pages)
    bounds = [1 + round(i * pages / parts) for i in range(parts + 1)]
    return [range(a, b) for a, b in zip(bounds, bounds[1:])]


def plan(paths: Sequence[Path], counts: dict[Path, int], part_pages: int = PART_PAGES) -> list[Unit]:
    """The units to run: the longest files first (by pages; a file not counted, a DOCX, counts
    as one), each file's parts one after another. The parent holds a file's parts until its
    last one is read, so parts of different files must not interleave: ordered by part length
    alone, a batch of a hundred 19-page files would hold a hundred first parts at once."""
    units = []
    for path in sorted(paths, key=lambda path: -counts.get(path, 1)):
        pages = counts.get(path, 1)
        units += [Unit(path, r) for r in ranges(pages, part_pages)] if pages > part_pages else [Unit(path)]
    return units


def process_files(paths: Sequence[Path], options: dict[str, object], limits: Limits, executor: Executor,
                  part_pages: int = PART_PAGES) -> Iterator[Processed]:
    """Every file's result, as `executor.map` would give it for the whole files, each as it finishes."""
    units = plan(paths, page_counts(paths, limits), part_pages)
    expected = Counter(u.path for u in units)
    parts: dict[Path, list[Processed]] = defaultdict(list)
    again = []
    for processed in executor.map(units, options, limits):
        path = Path(processed.path)
        if expected[path] == 1:
            yield processed
            continue
        parts[path].append(processed)
        if len(parts[path]) < expected[path]:
            continue
        joined = _joined(path, parts.pop(path), str(options.get("codebook_name", DEFAULT_CODEBOOK)))
        if joined is None:
            again.append(path)
        else:
            yield joined
    if again:
        yield from executor.map(again, options, limits)


def _joined(path: Path, processed: list[Processed], codebook_name: str) -> Processed | None:
    """The file's result from its parts' (None: read it whole), costs summed."""
    parts = [p.result for p in processed]
    if not all(isinstance(p, Part) for p in parts):  # a part's child died or ran out of time
        return None
    result = finish_parts(path, parts, codebook_name)  # type: ignore[arg-type]
    if result is None:
        return None
    peaks = [p.peak_mb for p in processed if p.peak_mb is not None]
    return Processed(str(path), result, round(sum(p.seconds for p in processed), 3), max(peaks) if peaks else None)
