"""The registration sheet's columns: what each column is, the header texts it is known by, and its values' words.

``COLUMNS`` (in template order, with the Chinese and English header, help text and example of each),
the lookups derived from it (``COLUMN_BY_KEY``, ``KEYS``, ``REQUIRED``), ``match_header`` (any header
text a person might write → a column key, or the ignored marker), the sheet's name, and the words
accepted for sex and group. The ground of the package: it imports nothing else of it.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from scoring import eligibility as elig
from scoring.idcard import Message

SHEET_NAME = {"zh": "报名表", "en": "Registrations"}


@dataclass(frozen=True)
class Column:
    key: str
    zh: str
    en: str
    required: bool
    aliases: tuple[str, ...]
    help_zh: str
    help_en: str
    example: str = ""
    text: bool = False  # formatted as text in spreadsheets we write
    max_len: int | None = None


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", "Name", True, ("名字", "选手姓名", "参赛选手", "参赛选手姓名", "full name", "fullname"),
           "选手姓名，与身份证一致", "Contestant's name as on the ID card", "张三明", max_len=50),
    Column("id_number", "证件号码", "Document number", True,
           ("身份证号", "身份证号码", "身份证", "公民身份号码", "居民身份证号", "居民身份证号码", "身份证件号码", "证件号",
            "id_number", "id number", "id no", "id card", "idcard", "id card number", "id card no", "document number", "passport number"),
           "居民身份证、居住证为 18 位（最后一位可为 X）；港澳通行证为 H/M 加 8 位数字（旧版 10 位）；台湾通行证 8 位数字（旧版 10 位）；护照 5–20 位字母或数字；请保持文本格式",
           "ID card and residence permit: 18 characters, last may be X; HK/Macao permit: H or M and 8 digits (10 on the old card); "
           "Taiwan permit: 8 digits (10 old); passport: 5-20 letters or digits. Keep the cell as text",
           "44010619900101123X", text=True),
    Column("sex", "性别", "Sex", False, ("gender",),
           "男 或 女；身份证、居住证可不填（由号码得出，填写时须一致）；通行证、护照必填",
           "男/女 (M/F); optional with an ID card or residence permit (derived, must agree if given); required with a permit or passport",
           "男"),
    Column("birth_date", "出生日期", "Birth date", False, ("出生年月日", "生日", "birth_date", "date of birth", "dob", "birthday"),
           "YYYY-MM-DD；身份证、居住证可不填（由号码得出，填写时须一致）；通行证、护照必填",
           "YYYY-MM-DD; optional with an ID card or residence permit (derived, must agree if given); required with a permit or passport",
           "1990-01-01"),
    Column("skill", "竞赛项目", "Skill", True, ("项目", "比赛项目", "参赛项目", "赛项", "职业(工种)", "职业工种", "工种", "skill name", "competition skill"),
           "从下拉列表选择，或填写项目代码", "Pick from the list, or type the skill code", ""),
    Column("group", "组别", "Group", True, ("参赛组别", "组", "category"),
           "职工组、学生组 或 教师组", "职工组 / 学生组 / 教师组 (employee / student / teacher)", "职工组"),
    Column("employer", "工作单位/学校", "Employer/school", True,
           ("工作单位", "学校", "单位", "所在单位", "工作单位或学校", "单位/学校", "就读学校", "工作单位/就读学校", "employer", "school", "organisation", "organization", "work unit"),
           "职工、教师填工作单位；学生填就读学校", "Employer for employees and teachers; school for students", "广州某某有限公司", max_len=100),
    Column("delegation", "代表队", "Delegation", True, ("参赛代表队", "代表单位", "选送单位", "推荐单位", "所属地市", "地市", "delegation name", "city"),
           "地市或行业代表队", "The city (地市) or industry body the contestant represents", "广州市代表队", max_len=100),
    Column("current_level", "现职业技能等级", "Current level", True, ("职业技能等级", "现技能等级", "技能等级", "现有等级", "等级", "current_level", "level", "skill level"),
           "学徒工、初级工、中级工、高级工、技师、高级技师、特级技师、首席技师；没有等级填 学徒工 或 无",
           "One of the eight levels (学徒工 … 首席技师); write 学徒工 or 无 for none", "高级工"),
    Column("level_certificate_no", "等级证书编号", "Level certificate no.", False,
           ("证书编号", "职业技能等级证书编号", "技能等级证书编号", "等级证书号", "level_certificate_no", "certificate no", "certificate number", "level certificate number"),
           "现等级在初级工及以上时必填（4–40 位，无空格）；学徒工/无可不填", "Required when the current level is above 学徒工 (4-40 characters, no spaces)",
           "S000044000001234", text=True),
    Column("phone", "手机号", "Mobile phone", True, ("手机", "手机号码", "联系电话", "电话", "联系方式", "phone", "mobile", "phone number", "mobile phone number"),
           "11 位大陆手机号", "11-digit mainland mobile number", "13800138000", text=True),
    Column("team", "团队名称", "Team", False, ("团队", "队名", "团队名", "team name"),
           "团体项目填写；同一项目同一组别中团队名称相同的 2–3 人为一队；个人项目留空",
           "For team skills: rows with the same team name in the same skill and group form a team of 2-3; leave empty otherwise",
           "", max_len=50),
    Column("team_captain", "队长", "Captain", False, ("是否队长", "团队队长", "captain", "team captain", "team_captain"),
           "团体项目每队一人填 是（队长），其余填 否 或留空", "Team skills: 是 (yes) for the one captain of each team; 否 or empty for the others", "否"),
    Column("award_eligible", "参与评奖", "Takes part in awards", False, ("是否参与评奖", "评奖", "award eligible", "award_eligible", "awards"),
           "是 或 否；不填为 是。否：参赛但不参与评奖（如邀请参赛），不获奖项，按规则可不占获奖名额",
           "是/否 (yes/no); empty means yes. No: competes without taking part in the awards (e.g. a guest entrant)", "是"),
    Column("id_type", "证件类型", "Document type", False,
           ("证件种类", "证件名称", "身份证件类型", "id_type", "id type", "document", "document type", "type of document"),
           "居民身份证、港澳台居民居住证、港澳居民来往内地通行证、台湾居民来往大陆通行证 或 护照；不填为 居民身份证",
           "居民身份证 / 港澳台居民居住证 / 港澳居民来往内地通行证 / 台湾居民来往大陆通行证 / 护照 (passport); empty means 居民身份证",
           "居民身份证"),
    Column("nationality", "国籍", "Nationality", False, ("国籍代码", "国家", "nationality", "country", "nationality code"),
           "持护照时必填：ISO 3166 三位字母代码，如 GBR、USA、SGP；其他证件不填", "Required with a passport: ISO 3166 three-letter code (GBR, USA, SGP); leave empty otherwise",
           "", max_len=3),
)  # fmt: skip
COLUMN_BY_KEY: dict[str, Column] = {c.key: c for c in COLUMNS}
KEYS: tuple[str, ...] = tuple(c.key for c in COLUMNS)
REQUIRED: tuple[str, ...] = tuple(c.key for c in COLUMNS if c.required)
IGNORED_HEADERS = ("序号", "备注", "年龄", "no", "no.", "#", "remark", "remarks", "note", "notes", "age")

_HEADER_DROP = re.compile(r"[\s_\-.:：*＊]+")
_BRACKETS = re.compile(r"\(.*?\)|\[.*?\]|【.*?】|<.*?>")
_IGNORE = "\0ignore"


def _norm_header(text: object) -> str:
    return _HEADER_DROP.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


_HEADER_ALIASES: dict[str, str] = {}
for _c in COLUMNS:
    for _a in (_c.key, _c.zh, _c.en, *_c.aliases):
        _HEADER_ALIASES[_norm_header(_a)] = _c.key
for _a in IGNORED_HEADERS:
    _HEADER_ALIASES.setdefault(_norm_header(_a), _IGNORE)


def match_header(text: object) -> str | None:
    """The column key a header means (``"身份证号码"`` → ``"id_number"``), or None.

    Notes in brackets are ignored (``姓名（必填）``, ``出生日期(YYYY-MM-DD)``), as are ``*`` marks.
    """
    key = _norm_header(text)
    if not key:
        return None
    found = _HEADER_ALIASES.get(key)
    if found is None:
        found = _HEADER_ALIASES.get(_BRACKETS.sub("", key))
    return found


SEX_VALUES = {"男": "M", "女": "F", "男性": "M", "女性": "F", "m": "M", "f": "F", "male": "M", "female": "F"}
SEX_LABELS = {"M": Message("男", "male"), "F": Message("女", "female")}
#: 参与评奖 cells: yes / no words (an empty cell is yes).
YES_NO_VALUES = {
    "是": True,
    "否": False,
    "参与": True,
    "不参与": False,
    "yes": True,
    "no": False,
    "y": True,
    "n": False,
    "true": True,
    "false": False,
    "1": True,
    "0": False,
}
GROUP_KINDS = elig.GROUP_KINDS
GROUP_LABELS = elig.GROUP_LABELS
GROUP_VALUES: dict[str, str] = {}
for _kind, _zh in (("employee", "职工"), ("student", "学生"), ("teacher", "教师")):
    for _v in (_zh, _zh + "组", _kind, _kind + "s", _kind + " group", _kind + "group"):
        GROUP_VALUES[_v] = _kind
GROUP_VALUES["员工组"] = "employee"
GROUP_VALUES["企业职工组"] = "employee"
