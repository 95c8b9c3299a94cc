"""Results on their way out (成绩发布): provisional results, public notice (公示), appeals (申诉),
final results, the results book, and the awards / honours / promotion proposals the approver
(人社厅) approves.

- ``service``: the workflow of one skill and group and the rankings it publishes.
- ``appeals``: filing, deciding and applying appeals.
- ``proposals``: what the rules propose once results are final; strikes and approval.
  Other features read approved entries with ``proposals.approved_proposals``.
- ``export``: the ``.xlsx`` results book and proposal list.
- ``public``: what anyone may read of the published results (no employers, no internal ids).
"""
