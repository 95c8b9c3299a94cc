"""Certificates, their counters, honours held and the promotion ledger: foreign keys ON DELETE
RESTRICT, so deleting an event, contestant or user never deletes an issued certificate or a ledger
entry with it. Both engines: see kernel/foreign_keys.py."""

from kernel.foreign_keys import migration

ID = "2026-12-03T13:28:40:000000"
VERSION = "1.38.0"
DESCRIPTION = "certificates, counters, honours, ledger: foreign keys ON DELETE RESTRICT"

TABLES = {
    "certificate": ("Certificate", ["event", "skill", "contestant", "issued_by", "revoked_by"]),
    "certificate_counter": ("CertificateCounter", ["event"]),
    "honour_held": ("HonourHeld", ["event"]),
    "promotion_ledger": ("PromotionLedger", ["event", "approved_by"]),
}


async def forwards():
    return migration(ID, "certificates", DESCRIPTION, TABLES)
