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


def scrub_text(text: str) -> str:
    """Mask personal data patterns in free text shown publicly: mobile and landline numbers,
    ID-card numbers, licence plates."""
    if not text:
        return ""
    text = _ID_CARD.sub(lambda m: f"{m.group(1)}********{m.group(2)}", text)
    text = _PHONE.sub(lambda m: f"{m.group(1)}****{m.group(2)}", text)
    text = _LANDLINE.sub(lambda m: f"{m.group(1)}-********", text)
    text = _PLATE.sub(lambda m: f"{m.group(1)}*****", text)
    return text
