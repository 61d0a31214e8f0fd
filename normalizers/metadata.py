"""A document's identity from its first page: who issued it and for which period.

Only what the title block states plainly is taken; anything not found stays null.
"""
from __future__ import annotations

import re
from datetime import date

from normalizers.vietnamese import nfc

_DATE = r"(\d{1,2})\s*[./-]\s*(\d{1,2})\s*[./-]\s*(\d{4})"
_PERIOD = re.compile(rf"Từ\s+ngày\s*:?\s*{_DATE}.{{0,20}}?[Đđ]ến\s+ngày\s*:?\s*{_DATE}", re.IGNORECASE | re.DOTALL)
_ISSUER = re.compile(
    r"^\s*((?:UBND|ỦY BAN NHÂN DÂN|UỶ BAN NHÂN DÂN|HĐND|HỘI ĐỒNG NHÂN DÂN|SỞ|BỘ|PHÒNG)\b[^\n\t]{2,60})$",
    re.MULTILINE,
)
_YEAR = re.compile(r"\bnăm\s+(20\d{2}|19\d{2})\b", re.IGNORECASE)


def _date(d: str, m: str, y: str) -> date | None:
    try:
        return date(int(y), int(m), int(d))
    except ValueError:
        return None


def document_metadata(first_page: str) -> dict[str, object]:
    """Issuer, reporting period and year stated on the first page.

    >>> meta = document_metadata("UBND HUYỆN TUẦN GIÁO\\nTừ ngày: 01/01/2021 Đến ngày: 14/12/2021")
    >>> meta["issuer"], meta["period_end"].isoformat(), meta["year"]
    ('UBND HUYỆN TUẦN GIÁO', '2021-12-14', 2021)
    """
    text = nfc(first_page)
    issuer = _ISSUER.search(text)
    period = _PERIOD.search(text)
    start = _date(*period.groups()[:3]) if period else None
    end = _date(*period.groups()[3:]) if period else None
    year_match = _YEAR.search(text)
    year = end.year if end else (int(year_match.group(1)) if year_match else None)
    return {
        "issuer": " ".join(issuer.group(1).split()) if issuer else None,
        "period_start": start,
        "period_end": end,
        "year": year,
    }
