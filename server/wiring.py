"""The one place where features that stand higher hand what they know to the floors below.

A lower floor never imports a higher one. Where it needs to ask something only a higher feature
knows (the audit chain's record checks, the heads results keep), it offers a registration
function and the server calls it here, once, before serving or running a command. A reader looking
for "who answers this question" finds the answer in this file."""

from __future__ import annotations

from certificates import changes, proposals, verify
from certificates import service as certificates
from competition.auth import service as accounts
from competition.dayof import anonymisation, draw
from competition.events import service as events
from competition.judges import service as judges
from competition.registration import service as registration
from honours import service as honours
from kernel import audit
from marking.live import completeness, ingest
from marking.release import service as results
from province import summary as province

_wired = False


def wire() -> None:
    """Register every feature's part with the floors below it (idempotent)."""
    global _wired
    if _wired:
        return
    # `audit verify` compares the rows that repeat an audit entry (marks) and every head a step
    # recorded outside the chain (the chief judge's submission, publications).
    audit.register_record_check(ingest.check_marks)
    audit.register_head_source(results.recorded_heads)
    # Accounts: a contestant account is linked to a contestant of its event.
    accounts.CONTESTANTS.register(registration.is_contestant_of)
    # Events: certificate numbers print the event code.
    events.CODE_LOCKS.register(certificates.event_code_printed)
    # Events: a skill, group or session is not deleted while anything is recorded against it.
    for keeper in (registration.dependants, judges.dependants, draw.dependants, results.dependants):
        events.DEPENDANTS.register(keeper)
    # Registration: published results freeze identities; a record means withdraw, not delete;
    # an identity correction reaches the copies of it.
    registration.PUBLISHED_GROUPS.register(results.published_groups)
    for keeper in (ingest.record_of, anonymisation.record_of, results.record_of, proposals.record_of, certificates.record_of):
        registration.RECORD_KEEPERS.register(keeper)
    registration.IDENTITY_COPIES.register(proposals.identity_copies)
    registration.IDENTITY_COPIES.register(certificates.identity_copies)
    # Results publish, certificates read: a group made final gets its proposals in the same
    # transaction, and the results workflow shows how far their approval is.
    results.FINALISED.register(proposals.create_for_final)
    results.APPROVALS.register(proposals.approval_state)
    # The province's summary counts an event afresh when its results are made final (after the
    # proposals are stored) and when its approved outcomes change (approval, strike, issue, revoke).
    results.FINALISED.register(province.on_final)
    changes.OUTCOMES_CHANGED.register(province.refresh_event)
    # The chief judge's sign-off (a floor below) asks live scoring what is left to finish.
    anonymisation.SIGN_OFF_CHECKS.register(completeness.problems)
    # Certificate verification asks the annual selection for its certificates (kind S).
    verify.OTHER_ISSUERS.register(honours.verify_number)
    _wired = True
