"""Legacy Vietnamese encodings: exact tables, font names, guessing, and the real legacy files."""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from pathlib import Path

import pdfplumber
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pdfplumber.utils import extract_text

from core import legacy
from core.legacy import decode, decode_chars, encode, encoding_for_font, font_decoder, guess_encoding, to_byte
from core.vietnamese import syllable_score
from extractors.docx import extract_docx, extract_docx_decoded

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "real"

TONES = ("", "\u0300", "\u0301", "\u0309", "\u0303", "\u0323")
LOWER = sorted({unicodedata.normalize("NFC", v + t) for v in "aăâeêioôơuưy" for t in TONES} | {"đ"})
UPPER = sorted(c.upper() for c in LOWER)
TCVN3_LETTERS = LOWER + list("ĂÂÊÔƠƯĐ")  # TCVN3 has no toned capitals: those need .VnTimeH
LETTERS = {"tcvn3": TCVN3_LETTERS, "tcvn3h": UPPER, "vni": LOWER + UPPER, "viscii": LOWER + UPPER, "viqr": LOWER + UPPER}

# Common words of the reports, for text that is clean Vietnamese by construction.
WORDS = (
    "cải cách hành chính nhà nước thủ tục kết quả thực hiện công tác năm trên địa bàn huyện tỉnh xã ủy ban "
    "nhân dân cơ quan đơn vị cán bộ công chức viên số lượng được giải quyết đúng hạn trễ hồ sơ tiếp nhận trả "
    "một cửa liên thông dịch vụ trực tuyến mức độ kiểm tra tuyên truyền chỉ đạo điều xây dựng văn bản quy phạm "
    "pháp luật rà soát đánh giá quyền điện tử ứng dụng tin tổ bộ máy biên chế tài đổi mới sự nghiệp hiện đại "
    "hóa nền người doanh hài lòng phục báo cáo kế hoạch triển khai quyết định chương trình đề án trung tâm phòng "
    "ngành những việc đã và đang sẽ tăng giảm so với cùng kỳ chưa còn tồn tại hạn chế nguyên nhân giải pháp"
).split()


def cp1252(*codes: int) -> str:
    """Legacy bytes as Word shows them (cp1252 characters)."""
    return bytes(codes).decode("cp1252")


# --- tables ---------------------------------------------------------------------------------


def test_letter_lists_are_complete():
    assert len(LOWER) == len(UPPER) == 73  # 12 vowels x 6 tones + đ
    assert len(legacy.VISCII) == 134  # RFC 1456: every precomposed letter outside ASCII
    assert len(legacy.TCVN3) == 74  # TCVN3 (VN3): 67 lower-case + 7 capitals


@pytest.mark.parametrize("encoding", legacy.ENCODINGS)
def test_every_letter_round_trips(encoding):
    for letter in LETTERS[encoding]:
        assert decode(encode(letter, encoding), encoding) == letter, letter
    text = " ".join(LETTERS[encoding])
    assert decode(encode(text, encoding), encoding) == text


@pytest.mark.parametrize("encoding", ["vni", "viscii", "viqr"])
def test_encodings_with_capitals_spell_each_letter_differently(encoding):
    spelled = [encode(letter, encoding) for letter in LOWER + UPPER]
    assert len(set(spelled)) == len(spelled)


def test_tcvn3_cannot_write_toned_capitals():
    for letter in set(UPPER) - set("ĂÂÊÔƠƯĐ") - set("AEIOUY"):
        with pytest.raises(ValueError):
            encode(letter, "tcvn3")
    assert encode("CẢI CÁCH", "tcvn3h") == "c¶i c¸ch"


@pytest.mark.parametrize(
    "stored, text",
    [
        ("C¶i c¸ch hµnh chÝnh", "Cải cách hành chính"),
        ("Ch\u00ad¬ng tr×nh", "Chương trình"),  # ư is 0xAD, the soft hyphen
        ("§iÒu khiÓn", "Điều khiển"),
        (cp1252(0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6, 0xA7), "ĂÂÊÔƠƯĐ"),
        (cp1252(0xA8, 0xA9, 0xAA, 0xAB, 0xAC, 0xAD, 0xAE), "ăâêôơưđ"),
        (cp1252(0xB5, 0xB6, 0xB7, 0xB8, 0xB9), "àảãáạ"),
        (cp1252(0xBB, 0xBC, 0xBD, 0xBE, 0xC6), "ằẳẵắặ"),
        (cp1252(0xD7, 0xD8, 0xDC, 0xDD, 0xDE), "ìỉĩíị"),
        (cp1252(0xFA, 0xFB, 0xFC, 0xFD, 0xFE), "ỳỷỹýỵ"),
        ("\u00b0C", "\u00b0C"),  # 0xB0 is no letter in TCVN3: the degree sign stays
    ],
)
def test_tcvn3_known_bytes(stored, text):
    assert decode(stored, "tcvn3") == text
    assert encode(text, "tcvn3") == stored


def test_tcvn3h_reads_lower_case_positions_as_capitals():
    assert decode("c¶i c¸ch hµnh chÝnh", "tcvn3h") == "CẢI CÁCH HÀNH CHÍNH"
    assert decode("Ch\u00ad¬ng 5", "tcvn3h") == "CHƯƠNG 5"


@pytest.mark.parametrize(
    "stored, text",
    [
        ("Caûi caùch haønh chính", "Cải cách hành chính"),
        ("ñöôïc", "được"),
        ("Vieät Nam", "Việt Nam"),
        ("ÑAÛNG", "ĐẢNG"),
        ("UÛy ban", "Ủy ban"),
        ("naêm", "năm"),
        ("aè aé aú aü aë", "ằ ắ ẳ ẵ ặ"),
        ("aà aá aå aã aä", "ầ ấ ẩ ẫ ậ"),
        ("ì í æ ó ò î", "ì í ỉ ĩ ị ỵ"),
        ("ô ö Ô Ö ñ Ñ", "ơ ư Ơ Ư đ Đ"),
    ],
)
def test_vni_known_spellings(stored, text):
    assert decode(stored, "vni") == text
    assert encode(text, "vni") == stored


@pytest.mark.parametrize(
    "code, letter",
    [(0x02, "Ẳ"), (0x05, "Ẵ"), (0x06, "Ẫ"), (0x14, "Ỷ"), (0x19, "Ỹ"), (0x1E, "Ỵ"), (0x80, "Ạ"), (0x8F, "Ố"),
     (0x9F, "Ỳ"), (0xA0, "Õ"), (0xA1, "ắ"), (0xB4, "Ơ"), (0xBD, "ơ"), (0xBF, "Ư"), (0xC4, "Ả"), (0xD0, "Đ"),
     (0xD5, "ạ"), (0xDF, "ư"), (0xE4, "ả"), (0xF0, "đ"), (0xFE, "ợ"), (0xFF, "Ữ")],
)
def test_viscii_known_bytes(code, letter):
    assert decode(bytes([code]).decode("latin-1"), "viscii") == letter
    assert to_byte(encode(letter, "viscii")) == code


@pytest.mark.parametrize(
    "stored, text",
    [
        ("To^i ye^u tie^'ng nu+o+'c to^i tu+` khi mo+'i ra ddo+`i\\.", "Tôi yêu tiếng nước tôi từ khi mới ra đời."),
        ("DDu+'c, Dd, Thu?", "Đức, Đ, Thủ"),
        ("tra(ng ba(n khoa(n, Qui Nho+n, na(.ng ho.c ta^.p", "trăng băn khoăn, Qui Nhơn, nặng học tập"),
        ("Ba.n ddi dda^u\\?", "Bạn đi đâu?"),
        ("C:\\temp", "C:\\temp"),  # a backslash before no mark is itself
    ],
)
def test_viqr_rfc1456_examples(stored, text):
    assert decode(stored, "viqr") == text


@pytest.mark.parametrize("text", ["Đi đâu?", "ta.", "e.g.", "added", "dd", "a\\.b", "ă(", "á'", "\\", "Có không?"])
def test_viqr_escapes_literal_marks(text):
    assert decode(encode(text, "viqr"), "viqr") == text


@pytest.mark.parametrize(
    "char, byte",
    [("¶", 0xB6), ("€", 0x80), ("Œ", 0x8C), ("\x81", 0x81), ("\x8c", 0x8C), ("\uf0b6", 0xB6), ("a", 0x61), ("ả", None)],
)
def test_to_byte_reads_every_form_of_a_byte(char, byte):
    assert to_byte(char) == byte


def test_symbol_charset_text_decodes_whole():
    symbol = "".join(chr(0xF000 + to_byte(c)) for c in "C¶i c¸ch")
    assert decode(symbol, "tcvn3") == "Cải cách"
    assert decode("\uf043\uf061\uf0fb\uf069", "vni") == "Cải"


def test_unknown_encoding_is_an_error():
    with pytest.raises(ValueError, match="unknown legacy encoding"):
        decode("x", "cp1258")


# --- per char (PDF glyphs) ----------------------------------------------------------------


def test_decode_chars_keeps_positions_for_vni_marks():
    chars = list("ñöôïc Caûi")
    assert decode_chars(chars, "vni") == ["đ", "ư", "ợ", "", "c", " ", "C", "ả", "", "i"]


def test_decode_chars_single_byte_and_viqr():
    assert decode_chars(list("c¸ch"), "tcvn3") == ["c", "á", "c", "h"]
    assert decode_chars(list("c¸ch"), "tcvn3h") == ["C", "Á", "C", "H"]
    assert decode_chars(list("ddu+o+.c"), "viqr") == ["đ", "", "ư", "", "ợ", "", "", "c"]


# --- font names -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "font, encoding",
    [
        (".VnTime", "tcvn3"), (".VnArial", "tcvn3"), (".VnCentury Schoolbook", "tcvn3"), ("VnTime", "tcvn3"),
        ("ABCDEF+.VnTime", "tcvn3"), ("GRYQGC+VnTime", "tcvn3"), ("IDAOCC+VnTimeBold", "tcvn3"),
        ("LJJPYS+VnTimeItalic", "tcvn3"), ("VnArialNarrow", "tcvn3"), (".VnTime,Bold", "tcvn3"),
        (".VnTimeH", "tcvn3h"), (".VnArialH", "tcvn3h"), ("VnTimeHBold", "tcvn3h"), ("CTYNCK+VnTimeHBold", "tcvn3h"),
        (".VnArial NarrowH", "tcvn3h"), ("VnTimeH-BoldItalic", "tcvn3h"),
        ("VNI-Times", "vni"), ("VNI-Helve", "vni"), ("VNI-Top", "vni"), ("VNI-Script", "vni"), ("ABCDEF+VNI-Times-Bold", "vni"),
        ("VNI-Linus;Courier New", "vni"), ("VISCII Times", "viscii"),
        ("VPS Times", None), ("Times New Roman", None), ("Times", None), ("Arial", None), ("Symbol", None), ("", None), (None, None),
        ("Vntage", None), ("VNtimes new roman", None),
    ],
)
def test_encoding_for_font(font, encoding):
    assert encoding_for_font(font) == encoding


# --- guessing -------------------------------------------------------------------------------

SAMPLE = "Kết quả thực hiện công tác cải cách hành chính nhà nước năm 2021 trên địa bàn huyện"


@pytest.mark.parametrize("encoding", ["tcvn3", "vni", "viscii", "viqr"])
def test_guess_finds_each_encoding(encoding):
    text = SAMPLE.lower() if encoding == "tcvn3" else SAMPLE
    assert guess_encoding(encode(text, encoding)) == encoding


@pytest.mark.parametrize(
    "text",
    [
        SAMPLE, SAMPLE.upper(), "I. TÌNH HÌNH TỔ CHỨC THỰC HIỆN VÀ CÔNG TÁC KIỂM TRA",
        "The quick brown fox jumps over the lazy dog. Isn't it?", "Có không?", "e.g. Mr. Smith's report, i.e. done?",
        "1.234.567 12/2021 45,6%", "", "C¶i c¸ch", "Caûi", "address added odd", "CPU -> RAM -> ROM",
    ],
)
def test_guess_is_none_for_clean_english_numbers_and_short_text(text):
    assert guess_encoding(text) is None


# --- choosing per font ----------------------------------------------------------------------


def test_font_decoder_decodes_by_name_and_by_guess():
    vni_text = encode(SAMPLE, "vni")
    runs = [(encode(SAMPLE.lower(), "tcvn3"), ".VnTime"), (vni_text, "Times"), (SAMPLE, "Times New Roman"),
            ("\uf0ae\uf0ae\uf0b6", "Symbol")]
    decode_run, repairs = font_decoder(runs)
    assert decode_run(runs[0][0], ".VnTime") == SAMPLE.lower()
    assert decode_run(vni_text, "Times") == SAMPLE
    assert decode_run(SAMPLE, "Times New Roman") == SAMPLE
    assert decode_run("\uf0ae", "Symbol") == "\uf0ae"
    assert repairs == ["decode_tcvn3(.VnTime)", "decode_vni(Times)"]


def test_unicode_text_that_kept_a_legacy_font_name_is_left_alone():
    decode_run, repairs = font_decoder([(SAMPLE, ".VnTime"), (SAMPLE, "VNI-Times")])
    assert (decode_run(SAMPLE, ".VnTime"), decode_run(SAMPLE, "VNI-Times"), repairs) == (SAMPLE, SAMPLE, [])


def test_font_decoder_reads_a_font_split_over_runs_as_one_text():
    decode_run, repairs = font_decoder([("Caûi ca", "X"), ("ùch haønh", "X"), (" chính nhaø nöôùc", "X")])
    assert repairs == ["decode_vni(X)"]


# --- properties -----------------------------------------------------------------------------

PUNCTUATION = list(" ,.;:?!()-'\"/0123456789\n")


@pytest.mark.parametrize("encoding", legacy.ENCODINGS)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_decode_inverts_encode(encoding, data):
    letters = LETTERS[encoding]
    consonants = "BCDGHKLMNPQRSTVX" if encoding == "tcvn3h" else "bcdghklmnpqrstvx"
    alphabet = letters + list(consonants) + [p for p in PUNCTUATION if encoding != "tcvn3h" or p.upper() == p]
    text = data.draw(st.text(alphabet=st.sampled_from(alphabet), max_size=60))
    assert decode(encode(text, encoding), encoding) == text


@settings(max_examples=200, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=25), caps=st.booleans())
def test_clean_vietnamese_is_never_decoded(words, caps):
    text = " ".join(words)
    assert guess_encoding(text.upper() if caps else text.capitalize()) is None


@settings(max_examples=100, deadline=None)
@given(words=st.lists(st.sampled_from(WORDS), min_size=1, max_size=25))
def test_a_guess_is_never_the_wrong_encoding(words):
    text = " ".join(words)
    for encoding in ("tcvn3", "vni", "viscii", "viqr"):
        source = text if encoding != "tcvn3" else text.lower()
        assert guess_encoding(encode(source, encoding)) in (encoding, None)


# --- real legacy documents ------------------------------------------------------------------


def real(name: str) -> Path:
    path = REAL / name
    if not path.is_file():
        pytest.skip(f"{path} is not available")
    return path


def test_r11_mixed_vni_tcvn3_unicode_docx_reads_as_vietnamese():
    path = real("r11_vatly11_vni_tcvn3_mixed.docx")
    before = syllable_score(extract_docx(path).pages[0].text)
    page = extract_docx_decoded(path).pages[0]
    assert before is not None and before < 0.6  # measured 0.56
    assert page.quality is not None and page.quality >= 0.9  # measured 0.95
    assert page.quality_raw == before
    assert page.repairs == ["decode_tcvn3(.VnTime)", "decode_vni(VNI-Times)"]
    assert "chương" in page.text and "điện trường" in page.text and "chiều" in page.text


def _pdf_text_decoded_by_font(path: Path) -> tuple[str, str]:
    """The PDF's text as stored and with every legacy-font glyph decoded by its font's name."""
    before, after = [], []
    with pdfplumber.open(path) as pdf:
        for page in pdf.pages:
            chars = page.chars
            before.append(extract_text(chars))
            by_font: dict[str, list[dict]] = defaultdict(list)
            for char in chars:
                by_font[char["fontname"]].append(char)
            for font, font_chars in by_font.items():
                if encoding := encoding_for_font(font):
                    for char, text in zip(font_chars, decode_chars([c["text"] for c in font_chars], encoding)):
                        char["text"] = text
            after.append(extract_text(chars))
    return "\n".join(before), "\n".join(after)


def test_r03_vntime_pdf_decoded_by_font_reads_as_vietnamese():
    before, after = _pdf_text_decoded_by_font(real("r03_dethi_ktmt_vntime.pdf"))
    assert syllable_score(before) < 0.4  # measured 0.34
    assert syllable_score(after) > 0.8  # measured 0.86; the rest is English terms and answer letters
    assert "Trình tự xử lý thông tin của máy tính điện tử" in after
    assert re.search(r"CHƯƠNG 1\. GIỚI THIỆU CHUNG", after)  # .VnTimeH: capitals at lower-case positions
