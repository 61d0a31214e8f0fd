"""The official administrative unit behind an issuer: its GSO code, name, level and province at
the report's date, and the units that took its territory over in the 2025 reorganisation.

The unit lists are the `vietnamadminunits` package's (MIT licence; built from the General
Statistics Office's list, danhmuchanhchinh.gso.gov.vn): the 63 provinces, 696 districts and
10,035 communes as they stood on 30 June 2025; the 34 provinces and 3,321 communes from
1 July 2025, when provinces were merged and the district level abolished; and which new communes
each old one went to. A report signed before 1 July 2025 is placed in the first list and keeps
that unit for good (a 2021 report of huyện Tuần Giáo stays huyện Tuần Giáo, code 099), with the
units that replaced it as its successors; one signed later is placed in the second.

A unit is taken only when the issuer names it and the name fits exactly one unit of its level in
the province (and district) the issuer or its first page states. Anything else, an issuer no
list knows, one several units share, one that names no place, stays null with a warning that
says why: a wrong code would put a report in another unit's panel row.

The first list is the state on the eve of the reorganisation, not a history: a unit renamed or
merged away between a report's date and then is not in it. The one renamed province, Thừa Thiên
Huế (Huế since 1 January 2025), is carried by `data/units/former_names.csv` with its legal source.
"""
from __future__ import annotations

import csv
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import metadata, resources

from core.vietnamese import match_key
from normalizers.metadata import level as issuer_level
from normalizers.metadata import place_level, places

REORGANISED = date(2025, 7, 1)  # Nghị quyết 202/2025/QH15: 34 provinces; Luật Tổ chức chính quyền địa phương 2025: two levels
_ON = "1 July 2025"  # REORGANISED, as messages say it
PACKAGE = "vietnamadminunits"
PROVINCE, DISTRICT, COMMUNE, CENTRAL = "tỉnh", "huyện", "xã", "trung ương"
# The type word an issuer prints before a place's name, as the lists spell it.
_TYPES = {"TỈNH": "Tỉnh", "THÀNH PHỐ": "Thành phố", "TP": "Thành phố", "HUYỆN": "Huyện", "QUẬN": "Quận",
          "THỊ XÃ": "Thị xã", "XÃ": "Xã", "PHƯỜNG": "Phường", "THỊ TRẤN": "Thị trấn", "ĐẶC KHU": "Đặc khu"}


@dataclass(frozen=True)
class Unit:
    """One unit of a list: a province, a district or a commune."""

    code: str  # GSO code as text, zero-padded as GSO prints it: '11', '099', '03253'
    name: str  # official name with its type: 'Huyện Tuần Giáo'
    level: str  # tỉnh, huyện or xã
    province_code: str
    district_code: str | None = None  # a commune's district (before 1 July 2025)

    @property
    def key(self) -> str:
        """Match key of the name without its type word ('Quận 1' → '1', 'Tỉnh Điện Biên' → 'điện biên')."""
        return match_key(self.name.removeprefix(self.type).strip())

    @property
    def type(self) -> str:
        return next((t for t in ("Thành phố", "Thủ đô", "Thị xã", "Thị trấn", "Đặc khu", "Tỉnh", "Huyện", "Quận", "Xã",
                                 "Phường") if self.name.startswith(t + " ")), "")


@dataclass
class UnitList:
    """The units valid over one span of dates, indexed for lookup by level and name."""

    label: str
    units: list[Unit]
    successors: dict[str, tuple[Unit, ...]] = field(default_factory=dict)  # code → units that took it over
    former_names: dict[str, str] = field(default_factory=dict)  # province name key → code

    def __post_init__(self) -> None:
        self._by_name: dict[tuple[str, str], list[Unit]] = defaultdict(list)
        for unit in self.units:
            self._by_name[unit.level, unit.key].append(unit)
        self.levels = {unit.level for unit in self.units}

    def named(self, level: str, name: str, within: Unit | None = None) -> list[Unit]:
        """Units of `level` whose name is `name` (any case, tone placement, type word left out),
        inside `within` (a province, or a district) when given."""
        found = self._by_name.get((level, match_key(name)), [])
        if level == PROVINCE and not found:
            code = self.former_names.get(match_key(name))
            found = [u for u in self.units if u.level == PROVINCE and u.code == code]
        if within is None:
            return list(found)
        scope = "district_code" if within.level == DISTRICT else "province_code"
        return [u for u in found if getattr(u, scope) == within.code]


@dataclass(frozen=True)
class Located:
    """Where an issuer sits: its unit (or None, with the reason in `warning`) and its successors."""

    unit: Unit | None = None
    central: bool = False  # a central body: no unit, no code, nothing wrong
    successors: tuple[Unit, ...] = ()
    warning: str | None = None

    def columns(self) -> dict[str, str | None]:
        """The documents columns: unit_code, unit_name, unit_level, province_code, successor_code, successor_name."""
        unit = self.unit
        return {
            "unit_code": unit.code if unit else None,
            "unit_name": unit.name if unit else None,
            "unit_level": unit.level if unit else CENTRAL if self.central else None,
            "province_code": unit.province_code if unit else None,
            "successor_code": "; ".join(s.code for s in self.successors) or None,
            "successor_name": "; ".join(s.name for s in self.successors) or None,
        }


def locate(issuer: str | None, province: str | None, on: date | None, year: int | None = None) -> Located:
    """The unit `issuer` names, in the list valid on `on` (the date of signing; failing that,
    `year`); `province` (as the title block or page 1 states it) narrows a name several provinces share.

    >>> found = locate("UBND HUYỆN TUẦN GIÁO", None, date(2021, 12, 9))
    >>> found.unit.code, found.unit.name, found.unit.province_code, len(found.successors)
    ('099', 'Huyện Tuần Giáo', '11', 8)
    >>> locate("UBND XÃ TUẦN GIÁO", "Điện Biên", date(2025, 9, 1)).unit
    Unit(code='03253', name='Xã Tuần Giáo', level='xã', province_code='11', district_code=None)
    >>> locate("ỦY BAN NHÂN DÂN", None, date(2021, 12, 9)).warning
    "unit left blank: the issuer 'ỦY BAN NHÂN DÂN' names no place (is its title block read whole?)"
    """
    if not issuer:
        return Located()
    level = issuer_level(issuer)
    if level == CENTRAL:
        return Located(central=True)
    units = _list_for(on, year)
    if units is None:
        return _unplaced(f"no date or year on the document to tell which unit list applies to {issuer!r}")
    named = places(issuer)
    if not named and level == PROVINCE and province:  # a Sở whose province only page 1 names
        named = [("TỈNH", province)]
    if not named:
        return _unplaced(f"the issuer {issuer!r} names no place (is its title block read whole?)")
    scope = None
    if province and place_level(*named[0]) != PROVINCE:
        provinces = units.named(PROVINCE, province)
        scope = provinces[0] if len(provinces) == 1 else None
    unit = None
    for kind, name in named:
        found = _one(units, kind, name, scope)
        if isinstance(found, str):
            return _unplaced(f"{found} in the list of units {units.label}")
        unit = scope = found
    return Located(unit, successors=units.successors.get(unit.code, ()))


def _one(units: UnitList, kind: str, name: str, scope: Unit | None) -> Unit | str:
    """The one unit a place of the issuer names inside `scope`, or why there is not one."""
    level = place_level(kind, name)
    if level is None:
        return f"the level of {kind} {name} depends on the date"
    if level not in units.levels:
        return f"no {level} level (abolished on {_ON})"
    where = f" of {scope.name}" if scope else ""
    found = units.named(level, name, scope)
    if len(found) > 1:
        typed = [u for u in found if u.type == _TYPES[kind]]
        found = typed or found
    if not found:
        return f"no {level} named {name.title()}{where}"
    if len(found) > 1:
        return f"{len(found)} units of level {level} named {name.title()}{where} ({', '.join(u.code for u in found)})"
    return found[0]


def _unplaced(reason: str) -> Located:
    """No unit, and why; without '; ', which separates a document's warnings."""
    return Located(warning=f"unit left blank: {reason}")


def _list_for(on: date | None, year: int | None) -> UnitList | None:
    """The list valid on `on`; by `year` when no date is known, unless the year is 2025 (both)."""
    before, after = unit_lists()
    if on is not None:
        return before if on < REORGANISED else after
    if year is not None and year != REORGANISED.year:
        return before if year < REORGANISED.year else after
    return None


@lru_cache(maxsize=1)
def unit_lists() -> tuple[UnitList, UnitList]:
    """The lists before and from 1 July 2025, the first with each unit's successors in the second."""
    from vietnamadminunits.converter.converter_2025 import (
        DICT_PROVINCE,
        DICT_PROVINCE_WARD_DIVIDED,
        DICT_PROVINCE_WARD_NO_DIVIDED,
    )
    from vietnamadminunits.database import query

    version = metadata.version(PACKAGE)
    old_rows = query("SELECT provinceCode, province, provinceKey, districtCode, district, districtKey, "
                     "wardCode, ward, wardKey FROM admin_units_legacy")
    new_rows = query("SELECT provinceCode, province, provinceKey, wardCode, ward, wardKey FROM admin_units")
    old: dict[str, Unit] = {}
    new: dict[str, Unit] = {}
    old_keys: dict[str, list[str]] = defaultdict(list)  # '<province>_<district>_<commune>' key → commune codes
    for r in old_rows:
        province = old.setdefault(r["provinceCode"], Unit(r["provinceCode"], r["province"], PROVINCE, r["provinceCode"]))
        old.setdefault(r["districtCode"], Unit(r["districtCode"], r["district"], DISTRICT, province.code))
        if r["wardCode"]:
            old[r["wardCode"]] = Unit(r["wardCode"], r["ward"], COMMUNE, province.code, r["districtCode"])
        old_keys[f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey'] or ''}"].append(r["wardCode"] or r["districtCode"])
    new_by_key: dict[tuple[str, str], Unit] = {}
    new_province: dict[str, Unit] = {}
    for r in new_rows:
        province = new.setdefault(r["provinceCode"], Unit(r["provinceCode"], r["province"], PROVINCE, r["provinceCode"]))
        new_province[r["provinceKey"]] = province
        new[r["wardCode"]] = new_by_key[r["provinceKey"], r["wardKey"]] = Unit(r["wardCode"], r["ward"], COMMUNE, province.code)
    went_to: dict[str, set[Unit]] = defaultdict(set)  # old commune (or island district) code → new communes
    for province_key, wards in DICT_PROVINCE_WARD_NO_DIVIDED.items():
        for ward_key, olds in wards.items():
            for old_key in olds:
                for code in old_keys[old_key]:
                    went_to[code].add(new_by_key[province_key, ward_key])
    for province_key, olds in DICT_PROVINCE_WARD_DIVIDED.items():
        for old_key, parts in olds.items():
            for code in old_keys[old_key]:
                went_to[code].update(new_by_key[province_key, part["newWardKey"]] for part in parts)
    old_province_key = {r["provinceKey"]: r["provinceCode"] for r in old_rows}
    for new_key, old_province_keys in DICT_PROVINCE.items():
        for key in old_province_keys:
            went_to[old_province_key[key]].add(new_province[new_key])
    for unit in old.values():
        if unit.level == COMMUNE and unit.district_code:
            went_to[unit.district_code] |= went_to[unit.code]
    successors = {code: tuple(sorted(units, key=lambda u: u.code)) for code, units in went_to.items()}
    before = UnitList(f"before {_ON} ({PACKAGE} {version})", list(old.values()), successors, _former_names())
    after = UnitList(f"from {_ON} ({PACKAGE} {version})", list(new.values()))
    return before, after


def _former_names() -> dict[str, str]:
    """Province names the first list no longer carries → the province's code."""
    path = resources.files("normalizers") / "data" / "units" / "former_names.csv"
    with path.open(encoding="utf-8") as fh:
        return {match_key(row["name"]): row["code"] for row in csv.DictReader(fh)}
