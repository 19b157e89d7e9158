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
