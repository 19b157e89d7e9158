"""Masking of personal data (phone, name, email, exact address) for viewers without need."""

import re

_HOUSE_DETAIL = re.compile(r"[0-9０-９]+[号楼栋单元室层门户-]?.*$")


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****" if digits else ""


def mask_name(name: str) -> str:
    name = name.strip()
    if not name:
        return ""
    return name[0] + "*" * max(1, len(name) - 1)


def mask_email(email: str) -> str:
    if "@" not in email:
        return "***" if email else ""
    local, domain = email.split("@", 1)
    return f"{local[:1]}***@{domain}"


def mask_address(address: str) -> str:
    """Keep the street-level part, drop building/door numbers: 东华门街道多福巷12号3单元 → 东华门街道多福巷***."""
    address = address.strip()
    if not address:
        return ""
    cut = _HOUSE_DETAIL.search(address)
    kept = address[: cut.start()] if cut else address[: max(2, len(address) // 2)]
    return f"{kept}***"


_PHONE = re.compile(r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)")
_LANDLINE = re.compile(r"(?<!\d)(0\d{2,3})-?\d{7,8}(?!\d)")
_ID_CARD = re.compile(r"(?<![0-9A-Za-z])(\d{6})\d{8}(\d{3}[\dXx])(?![0-9A-Za-z])")
_PLATE = re.compile(
    r"([京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-Z])[A-Z0-9]{5,6}"
)


# Door-level addresses in free text (a reply naming "多福巷3号楼2单元"): the building, compound,
# unit, floor and room go, the street, lane and community stay ("多福巷***"), as mask_address
# does for the address field. What is scrubbed, precisely:
# - a building, compound or unit: 3号楼, 三号楼, 12号院, 2单元, 5栋, B1栋, 7幢, A座, T1座;
# - a room of three or more digits: 501室, 1101室 ("2室1厅" is a flat's layout, kept);
# - a house number right after a road, lane or village: 多福巷12号, 东四十条3号, 世纪大道100号
#   (not after anything else: "3月5号" is a date, "地铁3号线" a line, "3号窗口" a counter);
# - the number after 门牌 / 门牌号 / 门牌号码 (the label stays: "门牌号***");
# - and whatever door detail follows one of those: 3号楼2单元501室, 3号楼-2-501, A座1203.
# Numbers alone ("12345", "3个月", "2次", "5楼", "100户") and Chinese numerals before 栋/座
# ("两栋楼", counting) are kept.
_D = r"[0-9０-９]"
_SP = "[ 　]?"  # one space, half or full width (never a line break)
_PRE = r"[A-Za-zＡ-Ｚａ-ｚ甲乙丙]?"
_NUMBER = rf"(?:{_PRE}{_D}+[A-Za-zＡ-Ｚａ-ｚ]?|[一二三四五六七八九十两]+)"
_LETTERED = rf"(?:(?<![A-Za-z])[A-Za-zＡ-Ｚ]{_D}*|{_D}+[A-Za-zＡ-Ｚ])"
_BUILDING = (
    rf"{_NUMBER}{_SP}(?:号楼|号院|单元)"
    rf"|{_PRE}{_D}+[A-Za-zＡ-Ｚ]?{_SP}(?:栋|幢)"
    rf"|{_LETTERED}{_SP}(?:栋|幢|座)"
    rf"|{_PRE}{_D}{{3,}}{_SP}室"
)
_AFTER_ROAD = r"(?:(?<=[路街巷弄村庄屯园苑坊条])|(?<=胡同)|(?<=大道))"
_HOUSE = rf"{_AFTER_ROAD}{_NUMBER}{_SP}号(?![线车机位床窗口码])"
_DOORPLATE = rf"(?P<label>门牌(?:号码?)?{_SP}(?:是|为|[:：])?{_SP}){_NUMBER}{_SP}号?"
# An entrance or a floor has one or two digits: "501楼道" is room 501's corridor.
_DETAIL = (
    rf"{_NUMBER}{_SP}(?:号楼|号院|单元|栋|幢|座|室|户|号)"
    rf"|(?:{_D}{{1,2}}|[一二三四五六七八九十]+){_SP}(?:门|层|楼)"
)
_DOOR_ADDRESS = re.compile(
    rf"(?:{_DOORPLATE}|{_BUILDING}|{_HOUSE})"
    rf"(?:[-－ 　]?(?:{_DETAIL}))*"
    rf"(?:[-－]{_D}+(?!{_D}))*"
    rf"(?:(?<=[号楼院元栋幢座门层室户]){_D}{{3,}}(?!{_D}))?"
)


def scrub_text(text: str) -> str:
    """Mask personal data patterns in free text shown publicly: mobile and landline numbers,
    ID-card numbers, licence plates, and door-level addresses (see `_DOOR_ADDRESS`)."""
    if not text:
        return ""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-********", text)
    text = _PLATE.sub(lambda m: f"{m.group(1)}*****", text)
    text = _DOOR_ADDRESS.sub(lambda m: f"{m.group('label') or ''}***", text)
    return text
