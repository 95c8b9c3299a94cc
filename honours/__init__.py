"""Honours beyond one event (issue 17): the annual selection rounds (南粤技能大师, 广东省技术能手 by
selection …) and the referral lists (五一劳动奖章, 全国技术能手). Its tables are its own; the pages
and the server call these modules:

- ``service``: rounds, appointments, nominations with dossiers and attachments, review, the list,
  公示 and objections, 公布 with certificates (``verify_number`` answers certificate verification);
- ``referrals``: the yearly referral lists and their workbooks;
- ``controller``: ``/api/honours/…``.
"""

__all__ = ["controller", "referrals", "service"]
