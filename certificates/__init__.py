"""Certificates (证书): the proposals from final results and their approval, certificates and their
numbers, honours held, the level-promotion ledger. Its tables (``tables``) are its own; no feature
below reads them, and ``frontend`` and ``server`` call these modules instead:

- ``proposals``: ``create_for_final`` and ``approval_state`` (the answers to
  ``marking.release.service.FINALISED`` / ``APPROVALS``), ``record_of``, ``identity_copies``,
  ``list_proposals``, ``strike``, ``approve``;
- ``service``: ``certificates_of(contestant_ids)`` (bulk), ``list_certificates``, ``revoke``,
  ``record_of``, ``identity_copies``, ``event_code_printed``;
- ``ledger``: ``ledger_levels(id_numbers)`` (bulk), ``person_ledger``, ``event_ledger``;
- ``face``: ``records_of(id_numbers)``, ``first_places(year)``, ``grant_honours`` (the annual selection, ``honours``);
- ``issuance`` (issuing and rendering), ``verify`` (by number or QR), ``controller``, ``cli``.

The face is modules rather than re-exported names: importing ``certificates`` stays cheap and
cannot make a cycle with the features below it.
"""

__all__ = ["cli", "controller", "face", "issuance", "ledger", "proposals", "service", "verify"]
