"""Texts of the confirmation dialog (``static/app.js``, ``#confirm-dialog`` in ``base.html``) and of every
irreversible step it asks about: what will happen, then what cannot be undone.

A button, link or form names its text by key, ``data-confirm="confirm.decrypt"`` (the page embeds every
``confirm.*`` text for its script), or gives the text itself, rendered with ``t()`` when it has
parameters; ``{code}`` in a text is the element's ``data-confirm-code``.
"""

from kernel.i18n import register

register(
    {
        # The dialog.
        "confirm.title": ("请确认", "Please confirm"),
        "confirm.cancel": ("取消", "Cancel"),
        "confirm.ok": ("确认", "Confirm"),
        "confirm.code_prompt": (
            "此步骤不可撤销。请输入赛事代码 {code} 以确认：",
            "This step cannot be undone. Type the event code {code} to confirm:",
        ),
        "confirm.code_label": ("赛事代码", "Event code"),
        "confirm.code_mismatch": ("与赛事代码不一致", "This is not the event code"),
        # The steps.
        "confirm.accept_registrations": (
            "将通过所选的代表队报名记录：通过后即为正式报名，参加抽签、检录和评分，领队不能再修改；如需更正须由组织方修改并留痕。",
            "This accepts the selected delegation rows: they become registrations that count for the draw, check-in and marking. "
            "It cannot be undone: the leader can no longer change them, and a correction afterwards is the organiser's, on record.",
        ),
        "confirm.city_approve_registrations": (
            "将以本市名义审核通过所选记录，交组织方（省）审核；领队不能再修改，审核记录不能撤销。",
            "This approves the selected rows for your city and sends them to the organiser. It cannot be undone: the leader can "
            "no longer change them, and the approval stays on record.",
        ),
        "confirm.national_record_send": (
            "标记为已上报后，本批各行不会再次上报（之后的改动只作为“更正”上报）。此操作不能撤销。请确认已把刚下载的文件报送全国系统。",
            "Once marked as sent, these rows are never sent again (later changes go as corrections). This cannot be undone. "
            "Confirm the file you downloaded has been sent to the national system.",
        ),
        "confirm.draw": (
            "将为本场次抽签，随机分配工位号，结果立即生效并记录在案。抽签不能撤销：如需重抽，必须填写原因，原结果仍永久保留备查。",
            "This draws the workstations of this session at random; the result takes effect at once and is recorded. "
            "A draw cannot be undone: a redraw needs a reason, and this result stays on record for good.",
        ),
        "confirm.redraw": (
            "将重新抽签：当前结果作废，新结果立即生效。重抽不能撤销，原结果和重抽原因永久保留在记录中。",
            "This redraws the session: the current result is set aside and the new one takes effect at once. "
            "A redraw cannot be undone; the earlier result and the reason stay on record for good.",
        ),
        "confirm.encrypt_round1": (
            "将为本项目的选手生成一次加密号。号码一经生成不能更改或删除；再次生成只为新报名的选手补号。",
            "This generates the round 1 encrypted numbers of this skill's contestants. "
            "A number once generated can never be changed or deleted; generating again only numbers newcomers.",
        ),
        "confirm.encrypt_round2": (
            "将为本项目的选手生成二次加密号。号码一经生成不能更改或删除；再次生成只为新报名的选手补号。",
            "This generates the round 2 encrypted numbers of this skill's contestants. "
            "A number once generated can never be changed or deleted; generating again only numbers newcomers.",
        ),
        "confirm.decrypt": (
            "将解密本项目：加密号与选手姓名、单位的对应关系向工作人员公开，看板和成绩从此显示选手真实身份。"
            "解密不能撤销，选手身份一经公开不能再隐藏。",
            "This decrypts the skill: which contestant holds which encrypted number is shown to the staff, "
            "and the boards and results show the contestants' names from now on. "
            "Decryption cannot be undone: once shown, the identities cannot be hidden again.",
        ),
        "confirm.submit_scores": (
            "将以裁判长身份提交本项目的全部评分，提交记录写入审计链。此后平板不能再录入或修改评分，只有组织方可填写理由更正；"
            "撤回提交须填写理由（解密前由裁判长、解密后由组织方），撤回和提交都永久留在审计链中。",
            "This submits all of this skill's marks as chief judge and records the submission in the audit chain. "
            "The tablets cannot enter or change marks after it; only an organiser corrects, with a reason. "
            "Withdrawing it needs a reason (the chief judge before decryption, an organiser after); both stay in the audit chain for good.",
        ),
        "confirm.withdraw_scores": (
            "将撤回本项目的成绩提交：平板可以重新评分，成绩须重新提交和复核。撤回及其理由写入审计链，不能删除。",
            "This withdraws the skill's sign-off: the tablets can score again and the scores must be submitted and re-checked again. "
            "The withdrawal and its reason are recorded in the audit chain and cannot be removed.",
        ),
        "confirm.recheck": (
            "将确认已复核本项目提交的评分，此后即可解密。复核确认写入审计链，不能撤销。",
            "This confirms that the submitted marks of this skill were re-checked, after which it can be decrypted. "
            "The re-check is recorded in the audit chain and cannot be undone.",
        ),
        "confirm.publish": (
            "将公布本组的暂定成绩：成绩公开显示，公示期和申诉期随即开始计时。公布不能撤回，公布的成绩和时间永久记录。",
            "This publishes the group's provisional results: they are shown publicly and the notice and appeal windows start now. "
            "A publication cannot be withdrawn; the published results and their time are kept for good.",
        ),
        "confirm.final": (
            "将确定本组的最终成绩：成绩锁定，不再受理申诉和更正，据此生成奖项、荣誉和晋级建议。最终成绩确定后不能撤销。",
            "This makes the group's results final: they are locked, no appeal or correction is accepted any more, "
            "and the awards, honours and promotions are proposed from them. Final results cannot be undone.",
        ),
        "confirm.archive": (
            "将归档本赛事：赛事变为只读，报名、裁判和设置都不能再修改，归档记录写入审计日志不能删除。如需继续修改，须先取消归档。",
            "This archives the event: it becomes read-only, and registrations, judges and settings can no longer be changed. "
            "The archiving is recorded in the audit log and that record cannot be removed; to change anything the event must be unarchived first.",
        ),
        "confirm.issue": (
            "将为所有已审批的奖项、荣誉和晋级签发证书，分配正式证书编号并生成 PDF。签发不能撤销，编号不会重复使用；发错的证书只能逐张作废。",
            "This issues a certificate for every approved award, honour and promotion, with its official number and PDF. "
            "Issuance cannot be undone and numbers are never reused; a wrong certificate can only be revoked, one by one.",
        ),
        "confirm.revoke": (
            "将作废证书 {number}：查验时显示为已作废并注明原因。作废不能撤销，证书不能再恢复有效。",
            "This revokes certificate {number}: verification shows it as revoked, with the reason. "
            "A revocation cannot be undone; the certificate can never be valid again.",
        ),
        "confirm.appeal_decide": (
            "将提交仲裁组的裁定；维持申诉时，更正的评分立即写入成绩。裁定不能撤回或修改。",
            "This records the arbitration group's decision; if the appeal is upheld, its corrected marks enter the results at once. "
            "A decision cannot be withdrawn or changed.",
        ),
        "confirm.appeal_apply": (
            "将把本申诉已裁定的评分更正写入成绩。更正写入后不能撤销。",
            "This writes the decided corrections of this appeal into the results. Once written they cannot be undone.",
        ),
        "confirm.approve": (
            "将审批所选范围内未删除的全部建议，此后可据此签发证书。审批不能撤销。",
            "This approves every proposal in the chosen scope that was not struck; certificates can then be issued from them. "
            "An approval cannot be undone.",
        ),
        "confirm.strike": (
            "将删除这条建议并记录理由，此后不会为它签发证书。删除不能撤销。",
            "This strikes the proposal and records the reason; no certificate will be issued for it. A strike cannot be undone.",
        ),
        "confirm.delete_registration": (
            "将删除这名选手的报名记录。删除后不能恢复，需要时只能重新报名。",
            "This deletes the contestant's registration. It cannot be restored; the contestant would have to be registered again.",
        ),
        "confirm.selection_approve": (
            "将按评审得分和名额确认拟表彰名单，此后不再接受评分。确认不能撤销。",
            "This confirms the proposed list from the scores and places; no more scores are taken. It cannot be undone.",
        ),
        "confirm.selection_publicise": (
            "将向社会公示名单并开始受理异议。公示不能撤回。",
            "This publishes the list for objections. It cannot be withdrawn.",
        ),
        "confirm.selection_announce": (
            "将公布名单、颁发荣誉证书并记入个人荣誉记录。公布不能撤销。",
            "This announces the list, issues the certificates and records the honours held. It cannot be undone.",
        ),
        "confirm.selection_objection": (
            "将记录对该异议的裁决；成立则取消该人选。裁决不能更改。",
            "This records the decision; an upheld objection strikes the candidate. It cannot be changed.",
        ),
    }
)
