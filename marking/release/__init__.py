"""Results on their way out (成绩发布): provisional results, public notice (公示), appeals (申诉),
final results and the results book. What follows from final results (the awards / honours /
promotion proposals the approver (人社厅) approves, then certificates) is ``certificates``'s: it
answers ``service.FINALISED`` and ``service.APPROVALS`` (wired by ``server/wiring.py``), so this
package never imports it.

- ``service``: the workflow of one skill and group and the rankings it publishes.
- ``appeals``: filing, deciding and applying appeals.
- ``export``: the ``.xlsx`` results book and the proposal list's layout.
- ``public``: what anyone may read of the published results (no employers, no internal ids).
- ``face``: what other features read of the releases instead of ``marking.tables``:
  ``published_groups(skill_ids)`` and ``final_groups(skill_ids)``, one query each.
"""

from marking.release.face import final_groups, published_groups

__all__ = ["final_groups", "published_groups"]
