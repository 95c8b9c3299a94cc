"""The record's foreign keys become ON DELETE RESTRICT: a contestant, skill, group, event or user
that marks, appeals, proposals or releases name can no longer be deleted, and deleting one never
takes the record with it (Piccolo's default, CASCADE, did). Both engines: see kernel/foreign_keys.py."""

from kernel.foreign_keys import migration

ID = "2026-12-03T13:28:30:000000"
VERSION = "1.38.0"
DESCRIPTION = "marks, appeals, proposals and releases: foreign keys ON DELETE RESTRICT"

TABLES = {
    "mark": ("Mark", ["skill", "contestant", "judge", "entered_by"]),
    "appeal": ("Appeal", ["event", "skill", "group", "contestant", "filed_by", "decided_by"]),
    "award_proposal": ("AwardProposal", ["event", "skill", "group", "contestant", "struck_by", "approved_by"]),
    "result_release": ("ResultRelease", ["skill", "group", "provisional_by", "final_by"]),
}


async def forwards():
    return migration(ID, "scoring", DESCRIPTION, TABLES)
