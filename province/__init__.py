"""The province's view (全省竞赛统计): every contest in one place, counted by industry cluster,
city, tier, group, year, sex, age band and occupation, from the records themselves — the
registrations (through registration's face), the approved proposals (``certificates.proposals``)
— never from figures typed in. Above ``certificates`` and below the pages:

- ``statistics``: the figures (``figures(by, filters)``), their cuts and drill-down to events;
- ``export``: the yearly 情况表 (.xlsx, one sheet per dimension) and CSV;
- ``controller``: ``/api/province/…``, for the ``read_province_statistics`` capability.
"""

__all__ = ["controller", "export", "statistics"]
