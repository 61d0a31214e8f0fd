"""A document's identity from its title block: who issued it, its number, date, type and period.

Only what the top of page 1 states is taken; anything not stated stays null, nothing is
inferred from place names. The title block is the lines before the body starts ("Căn cứ",
"Kính gửi", a table's "STT" …): issuer (top left), number ("Số: …"), place and date of
signing, the type heading ("BÁO CÁO") and the title under it.
"""
from __future__ import annotations

import calendar
import re
from datetime import date

from core.vietnamese import nfc

PAGE_CHARS = 4000  # about one printed page: a DOCX arrives as one long "page"
_HEAD_LINES = 25  # a title block is never longer; past it, lines are body or table

# Text before the body; the body starts with these.
# ("Thực hiện" opens a title too: "Thực hiện CCHC năm 2022"; the body's cites a document by number.)
_BODY = re.compile(r"^\s*(?:Căn cứ|Kính gửi|Trên cơ sở|STT|TT|Chương|Điều \d|I\.|1\.|Thực hiện\b.{0,40}?\bsố\b)(?!\w)")
# Document types: heading printed in capitals, and the type code in the number (Nghị định 30/2020/NĐ-CP).
_TYPES = {
    "BC": "báo cáo", "KH": "kế hoạch", "TB": "thông báo", "QĐ": "quyết định", "NĐ": "nghị định",
    "NQ": "nghị quyết", "CT": "chỉ thị", "HD": "hướng dẫn", "TTr": "tờ trình", "TT": "thông tư",
}
_HEADING = re.compile(
    r"^[^\w(]{0,3}(" + "|".join(name.upper() for name in [*_TYPES.values(), "phụ lục"]) + r"|Phụ lục|Phụ Lục)(?!\w)"
)
_TITLE_END = re.compile(r"^\s*(?:\(|[Tt]ừ ngày|Kỳ báo cáo|Số\b|[–—_-]{3,})")
_SUBJECT = re.compile(r"^\s*(?:V/v|Về việc)\b")

# Issuer: the top-left column; on a merged line it ends where the national motto, the number
# or a rule begins (PDF text and DOCX title tables put both columns on one line).
_LEFT_END = re.compile(r"\t|CỘNG HÒA|CỘNG HOÀ|Độc lập|ĐỘC LẬP|\bSố\b|[_.–—-]{3,}")
_NUMBER_LINE = re.compile(r"^\s*Số\b")
_PLACE_DATE = re.compile(r",\s*ngày\b")
# The right column's fixed lines (Nghị định 30/2020/NĐ-CP), which a narrow column wraps.
_NATIONAL = ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc")
_ISSUER_LINES = 3  # a parent body, the body, and a part of it at most: ỦY BAN NHÂN DÂN / HUYỆN X / PHÒNG Y
_ISSUER_START = re.compile(  # "UBNDTỈNH …": OCR may glue the abbreviation to the place
    r"^(?:UBND|HĐND|(?:ỦY BAN|UỶ BAN|HỘI ĐỒNG|SỞ|BỘ|PHÒNG|BAN|VĂN PHÒNG|CHÍNH PHỦ|THỦ TƯỚNG|QUỐC HỘI|TÒA ÁN|TOÀ ÁN"
    r"|CHI CỤC|CỤC|ĐOÀN|TRUNG TÂM|THANH TRA|ĐẢNG ỦY|ĐẢNG UỶ|HUYỆN ỦY|HUYỆN UỶ|TỈNH ỦY|TỈNH UỶ)(?!\w))"
)
_UNIT = r"SỞ|PHÒNG|BAN|ĐOÀN|VĂN PHÒNG|CHI CỤC|CỤC|TRUNG TÂM|THANH TRA|BỘ PHẬN|HỘI ĐỒNG|ỦY BAN|UỶ BAN|UBND|HĐND"
_PLACE = re.compile(
    rf"(?:^|(?<=\s)|(?<=UBND)|(?<=HĐND))(TỈNH|THÀNH PHỐ|TP\.?|THỊ XÃ|HUYỆN|QUẬN|THỊ TRẤN|PHƯỜNG|ĐẶC KHU|XÃ)\s*"
    rf"(.+?)\s*(?=(?:\s(?:{_UNIT})(?!\w))|$)"
)
_PLACE_LEVEL = {"TỈNH": "tỉnh", "HUYỆN": "huyện", "QUẬN": "huyện", "THỊ XÃ": "huyện",
                "XÃ": "xã", "PHƯỜNG": "xã", "THỊ TRẤN": "xã", "ĐẶC KHU": "xã"}  # đặc khu: island communes, from 2025
_CENTRAL_CITIES = {"HÀ NỘI", "HỒ CHÍ MINH", "HẢI PHÒNG", "ĐÀ NẴNG", "CẦN THƠ"}
_CENTRAL_BODY = re.compile(r"^(?:CHÍNH PHỦ|THỦ TƯỚNG|QUỐC HỘI|BỘ|VĂN PHÒNG CHÍNH PHỦ|TÒA ÁN NHÂN DÂN TỐI CAO)(?!\w)")
_PROVINCE_GOVERNMENT = re.compile(
    r"(?:UBND|HĐND|Ủy ban nhân dân|Uỷ ban nhân dân|Hội đồng nhân dân)\s+tỉnh\s+([^\W\d_]+(?:\s+[^\W\d_]+){0,3})"
)

_DATE = r"\d{1,2}\s*(?:tháng|[./-]{1,2})\s*\d{1,2}\s*(?:năm|[./-]{1,2})\s*\d{4}"
_SIGNED = re.compile(rf"(?<![\w/-])([^\W\d_]+)\s*,\s*ngày\s*:?\s*({_DATE})")
_SIGNED_YEAR = re.compile(r"(?<![\w/-])([^\W\d_]+)\s*,\s*ngày\b[^\n]{0,24}?\bnăm\s*(\d{4})")
_NUMBER = r"(\d+[a-zA-Z]?)?\s*((?:/\s*\d{4}\s*)?/\s*[^\W\d_][\w&.]*(?:\s*-\s*[\w&.]+)*)"
_OWN_NUMBER = re.compile(rf"\bSố\s*:?\s*{_NUMBER}")
_ATTACHED_TO = re.compile(rf"[Kk]èm\s+theo\s+(?:[^\W\d_]+\s+){{1,3}}số\s*:?\s*{_NUMBER}\s*,?\s*ngày\s*:?\s*({_DATE})")

_PERIOD = re.compile(rf"[Tt]ừ\s+ngày\s*:?\s*({_DATE}).{{0,20}}?[Đđ]ến\s+ngày\s*:?\s*({_DATE})", re.DOTALL)
_MONTHS = re.compile(r"(\d{1,2})\s+tháng\s+(đầu|cuối)\s+năm\s+(\d{4})", re.IGNORECASE)
_QUARTER = re.compile(r"quý\s+(I{1,3}|IV|[1-4])\s*(?:năm\s+|/\s*)(\d{4})", re.IGNORECASE)
_YEAR = re.compile(r"năm\s+(\d{4})", re.IGNORECASE)
_WHOLE_YEAR = re.compile(r"năm\s+(\d{4})(?!\s*(?:[-–]|đến|và\s+(?:những|các)\s+năm))", re.IGNORECASE)
_QUARTERS = {"I": 1, "II": 2, "III": 3, "IV": 4}


def _is_title_word(word: str) -> bool:
    """'Giáo', not 'KSTT' or 'huyện': place and province names are written so in running text."""
    return word[:1].isupper() and word[1:] == word[1:].lower()


def _date(text: str) -> date | None:
    """'27 tháng 9 năm 2021', '27/9/2021' and '14./12/2021' alike; None when not a real day.

    >>> _date("27 tháng 9 năm 2021"), _date("14./12/2021"), _date("31/2/2021")
    (datetime.date(2021, 9, 27), datetime.date(2021, 12, 14), None)
    """
    day, month, year = (int(n) for n in re.findall(r"\d+", text))
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _months(year: int, first: int, last: int) -> tuple[date, date]:
    """First day of month `first` to last day of month `last`."""
    return date(year, first, 1), date(year, last, calendar.monthrange(year, last)[1])


def head_lines(text: str) -> list[str]:
    """The non-blank lines of the title block: everything before the body starts."""
    lines = [line.strip() for line in text.splitlines() if line.strip()][:_HEAD_LINES]
    end = next((i for i, line in enumerate(lines) if _BODY.match(line)), len(lines))
    return lines[:end]


def _heading(head: list[str]) -> int | None:
    return next((i for i, line in enumerate(head) if _HEADING.match(line)), None)


def title(head: list[str]) -> str:
    """The heading line and the lines under it (or the 'V/v' subject of a letter), joined.

    >>> title(["UBND HUYỆN X", "BÁO CÁO", "Kết quả CCHC quý I năm 2022", "(Kèm theo …)"])
    'BÁO CÁO Kết quả CCHC quý I năm 2022'
    """
    start = _heading(head)
    if start is None:
        start = next((i for i, line in enumerate(head) if _SUBJECT.match(line)), None)
    if start is None:
        return ""
    lines = [head[start]]
    for line in head[start + 1 : start + 4]:
        if _TITLE_END.match(line) or _HEADING.match(line):
            break
        lines.append(line)
    return " ".join(lines)


def issuer(head: list[str]) -> str | None:
    """The issuing body, lines of the top-left column joined as printed (capitals, NFC).

    Only capitalised lines count, so table text ("UBND các xã …") never passes for one. The
    right column's lines (national name, motto, rules) may fall between the issuer's lines:
    text extraction orders lines by height, and the two columns' baselines drift apart when
    their fonts or spacing differ. Such a line holds no left-column text and is passed over;
    the 'Số:' line ends the block.

    >>> issuer(["HĐND HUYỆN TUẦN GIÁO CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ĐOÀN GIÁM SÁT Độc lập - Tự do",
    ...         "Số: /TB-ĐGS Tuần Giáo, ngày 25 tháng 3 năm 2024"])
    'HĐND HUYỆN TUẦN GIÁO ĐOÀN GIÁM SÁT'
    >>> issuer(["CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "ỦY BAN NHÂN DÂN", "Độc lập - Tự do - Hạnh phúc",
    ...         "HUYỆN TUẦN GIÁO", "Số: 12/BC-UBND Tuần Giáo, ngày 09 tháng 12 năm 2021"])
    'ỦY BAN NHÂN DÂN HUYỆN TUẦN GIÁO'
    """
    stop = _heading(head)
    lines = head[:stop]
    lefts = _lefts(lines)
    start = next((i for i, left in enumerate(lefts) if left.isupper() and _ISSUER_START.match(left)), None)
    if start is None:
        return None
    parts = [lefts[start]]
    for line, left in zip(lines[start + 1 :], lefts[start + 1 :]):
        if len(parts) == _ISSUER_LINES or _NUMBER_LINE.match(line):
            break
        if not left:
            continue
        if not left.isupper():
            break
        parts.append(left)
    return " ".join(" ".join(parts).split())


def _words(text: str) -> list[str]:
    """Words compared case-, dash- and tone-placement-blind: HOÀ = Hòa."""
    return nfc(text).replace("HOÀ", "HÒA").replace("–", "-").casefold().split()


def _lefts(lines: list[str]) -> list[str]:
    """Each line's top-left column: what comes before the national name, the motto, a rule, the
    number or the place-date. The tail of a national line the right column wrapped ('… VIỆT' /
    'NAM') is dropped from the later line it lands on, alone or after an issuer line.

    >>> _lefts(["ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT", "HUYỆN TUẦN GIÁO NAM",
    ...         "PHÒNG NỘI VỤ Tuần Giáo, ngày 09 tháng 12 năm 2021"])
    ['ỦY BAN NHÂN DÂN', 'HUYỆN TUẦN GIÁO', 'PHÒNG NỘI VỤ']
    """
    out, tails = [], []
    for line in lines:
        words = line.split()
        for tail in tails:
            if len(words) >= len(tail) and _words(" ".join(words[-len(tail):])) == tail:
                words = words[: -len(tail)]
                tails.remove(tail)
                break
        line = " ".join(words)
        if (right := _LEFT_END.search(line)) and (printed := _words(line[right.start():])):
            tails += [whole[len(printed):] for whole in map(_words, _NATIONAL) if whole[: len(printed)] == printed
                      and len(whole) > len(printed)]
        left = _LEFT_END.split(line, 1)[0]
        if found := _PLACE_DATE.search(left):  # the right column's place-date beside the issuer's last line
            kept = left[: found.start()].split()
            while kept and _is_title_word(kept[-1]):
                kept.pop()
            left = " ".join(kept)
        out.append(left.strip(" /-–.*#|"))
    return out


def _right(line: str) -> str:
    """A line without the top-left column's text at its start: issuer words in capitals, the 'Số:' number."""
    words = line.split()
    while words and words[0].isupper():
        words.pop(0)
    rest = " ".join(words)
    number = _OWN_NUMBER.match(rest)
    return rest[number.end() :] if number else rest


def places(issuer_text: str) -> list[tuple[str, str]]:
    """(kind, name) of the places an issuer names, outermost first: UBND TỈNH X SỞ Y → [(TỈNH, X)]."""
    return [(kind.rstrip("."), name) for kind, name in _PLACE.findall(issuer_text)]


def place_level(kind: str, name: str) -> str | None:
    """tỉnh, huyện or xã for a place the issuer names (KIND, NAME as `places` gives them)."""
    if kind not in ("THÀNH PHỐ", "TP"):
        return _PLACE_LEVEL[kind]
    if name == "HUẾ":  # centrally run only since 2025: its level depends on the date, so say nothing
        return None
    return "tỉnh" if name in _CENTRAL_CITIES else "huyện"


def level(issuer_text: str | None) -> str | None:
    """tỉnh, huyện, xã or trung ương: the innermost place the issuer names; a Sở is provincial.

    >>> level("UBND HUYỆN TUẦN GIÁO"), level("UBND TỈNH PHÚ THỌ SỞ NỘI VỤ"), level("UBND THỊ TRẤN TUẦN GIÁO")
    ('huyện', 'tỉnh', 'xã')
    >>> level("UBND THÀNH PHỐ ĐIỆN BIÊN PHỦ"), level("UBND TP. HÀ NỘI"), level("THỦ TƯỚNG CHÍNH PHỦ")
    ('huyện', 'tỉnh', 'trung ương')
    """
    if not issuer_text:
        return None
    if named := places(issuer_text):
        return place_level(*named[-1])
    if _CENTRAL_BODY.match(issuer_text):
        return "trung ương"
    return "tỉnh" if issuer_text.startswith("SỞ") else None


def province(issuer_text: str | None, text: str) -> str | None:
    """The province the issuer names ('UBND TỈNH ĐIỆN BIÊN' → 'Điện Biên'); failing that, for a
    local body, the one provincial government its first page cites ('UBND tỉnh Gia Lai').

    A place-date line ('Tuần Giáo, ngày …') names a district, never a province.

    >>> province("UBND TỈNH ĐIỆN BIÊN", ""), province(None, "Kế hoạch của UBND tỉnh Gia Lai ban hành")
    ('Điện Biên', 'Gia Lai')
    """
    for kind, name in places(issuer_text or ""):
        if place_level(kind, name) == "tỉnh":
            return name.title()
    if level(issuer_text) == "trung ương":
        return None
    named = set()
    for words in _PROVINCE_GOVERNMENT.findall(text):
        name = []
        for word in words.split():
            if not _is_title_word(word):
                break
            name.append(word)
        if name:
            named.add(" ".join(name))
    return named.pop() if len(named) == 1 else None


def _number(found: re.Match[str] | None) -> str | None:
    """'135 /KH-UBND' → '135/KH-UBND'; a number left blank ('Số: /BC-UBND', a draft) is None."""
    if not found or not found.group(1):
        return None
    return re.sub(r"\s+", "", found.group(1) + found.group(2)).rstrip(".")


def doc_number(head: list[str]) -> str | None:
    """The number after 'Số:'; an appendix without one takes its parent's ('Kèm theo Báo cáo số …').

    >>> doc_number(["Số: 135 /KH-UBND Đức Cơ, ngày 27 tháng 9 năm 2021"])
    '135/KH-UBND'
    >>> doc_number(["Phụ lục", "(Kèm theo Kế hoạch số: 135 /KH-UBND ngày 27 / 9 /2021 của UBND huyện)"])
    '135/KH-UBND'
    """
    block = "\n".join(head)
    if own := _OWN_NUMBER.search(block):
        return _number(own)
    return _number(_ATTACHED_TO.search(block))


def doc_date(head: list[str]) -> date | None:
    """Date of signing from '<Place>, ngày 27 tháng 9 năm 2021'; an appendix takes its parent's.

    A place-date the right column wraps may have left-column text between its parts (an issuer
    line, the number); it is read in the right column alone, so that its parts meet again.

    >>> doc_date(["Số: /BC-ĐGS Tuần Giáo, ngày 02 tháng 7 năm 2024"]), doc_date(["Hà Nội, ngày 3/1/2025"])
    (datetime.date(2024, 7, 2), datetime.date(2025, 1, 3))
    >>> doc_date(["PHÒNG NỘI VỤ Điện Biên Đông, ngày 09 tháng 12 năm", "Số: 12/BC-UBND 2021"])
    datetime.date(2021, 12, 9)
    """
    block = "\n".join(head)
    for found in _SIGNED.finditer("\n".join(map(_right, head))):
        if _is_title_word(found.group(1)):
            return _date(found.group(2))
    attached = _ATTACHED_TO.search(block)
    return _date(attached.group(3)) if attached else None


def signed_year(first_page: str) -> int | None:
    """The year of signing, also where the day and month are left blank (a draft, a copy dated by
    hand: 'Phú Thọ, ngày    tháng 12 năm 2011'), which `doc_date` cannot give.

    >>> signed_year("UBND TỈNH PHÚ THỌ\\nSố: /KH-STTTT\tPhú Thọ, ngày    tháng 12 năm 2011\\nKẾ HOẠCH")
    2011
    """
    head = head_lines(nfc(first_page)[:PAGE_CHARS])
    for found in _SIGNED_YEAR.finditer("\n".join(map(_right, head))):
        if _is_title_word(found.group(1)):
            return int(found.group(2))
    return None


def doc_type(head: list[str]) -> str | None:
    """From the heading ('KẾ HOẠCH'), else the number's type code ('/TB-ĐGS'); a letter whose
    number has no type code ('257/UBND') or that has only a 'V/v' subject is a công văn.

    >>> doc_type(["Phụ lục 1-CCHC"]), doc_type(["Số: /TB-ĐGS", "V/v Thông báo lịch giám sát"])
    ('phụ lục', 'thông báo')
    >>> doc_type(["Số: 257/UBND", "V/v hướng dẫn báo cáo"])
    'công văn'
    """
    if (start := _heading(head)) is not None:
        return _HEADING.match(head[start]).group(1).lower()
    own = _OWN_NUMBER.search("\n".join(head))
    code = re.split(r"\s*-", own.group(2).split("/")[-1].strip())[0] if own else None
    if code in _TYPES:
        return _TYPES[code]
    if own or any(_SUBJECT.match(line) for line in head):
        return "công văn"
    return None


def _named(head: list[str]) -> str:
    """The title without the dates of documents it cites ('… Quyết định số 78 ngày 30 tháng 11 năm 2010')."""
    return re.sub(_DATE, "", title(head))


def period(head: list[str]) -> tuple[date | None, date | None]:
    """The stated period: 'Từ ngày 01/01/2021 Đến ngày 14/12/2021' in the title block, else the
    nominal calendar period the title names.

    >>> period(["BÁO CÁO", "Kết quả CCHC 6 tháng đầu năm 2021"])
    (datetime.date(2021, 1, 1), datetime.date(2021, 6, 30))
    >>> period(["KẾ HOẠCH", "Cải cách hành chính quý III năm 2022"])
    (datetime.date(2022, 7, 1), datetime.date(2022, 9, 30))
    >>> period(["BÁO CÁO", "Công tác CCHC năm 2021 và phương hướng năm 2022"])
    (datetime.date(2021, 1, 1), datetime.date(2021, 12, 31))
    >>> period(["KẾ HOẠCH", "Nâng cao Chỉ số CCHC năm 2021 và những năm tiếp theo"])
    (None, None)
    """
    if stated := _PERIOD.search("\n".join(head)):
        return _date(stated.group(1)), _date(stated.group(2))
    heading = _named(head)
    found = [m for m in (_MONTHS.search(heading), _QUARTER.search(heading), _WHOLE_YEAR.search(heading)) if m]
    if not found:
        return None, None
    named = min(found, key=lambda m: m.start())
    if named.re is _MONTHS:
        months, half, in_year = int(named.group(1)), named.group(2).lower(), int(named.group(3))
        if not 1 <= months <= 12:
            return None, None
        return _months(in_year, 1, months) if half == "đầu" else _months(in_year, 13 - months, 12)
    if named.re is _QUARTER:
        quarter = _QUARTERS.get(named.group(1).upper()) or int(named.group(1))
        return _months(int(named.group(2)), 3 * quarter - 2, 3 * quarter)
    return _months(int(named.group(1)), 1, 12)


def year(head: list[str], period_end: date | None) -> int | None:
    """The year reported on: the period's end ('15/12/2020 – 14/12/2021' is 2021), else the first
    year the title names (a plan 'năm 2021 và những năm tiếp theo' is 2021).

    >>> year(["KẾ HOẠCH", "Nâng cao Chỉ số CCHC năm 2021 và những năm tiếp theo"], None)
    2021
    """
    if period_end:
        return period_end.year
    named = _YEAR.search(_named(head))
    return int(named.group(1)) if named else None


def document_metadata(first_page: str) -> dict[str, object]:
    """Issuer, level, province, number, date, type, period and year stated on the first page.

    >>> meta = document_metadata("UBND HUYỆN TUẦN GIÁO\\nPhụ lục 1-CCHC\\nTừ ngày: 01/01/2021 Đến ngày: 14/12/2021")
    >>> meta["issuer"], meta["level"], meta["doc_type"], meta["period_end"].isoformat(), meta["year"]
    ('UBND HUYỆN TUẦN GIÁO', 'huyện', 'phụ lục', '2021-12-14', 2021)
    """
    text = nfc(first_page)[:PAGE_CHARS]
    head = head_lines(text)
    by = issuer(head)
    start, end = period(head)
    return {
        "issuer": by,
        "level": level(by),
        "province": province(by, text),
        "doc_number": doc_number(head),
        "doc_date": doc_date(head),
        "doc_type": doc_type(head),
        "period_start": start,
        "period_end": end,
        "year": year(head, end),
    }

