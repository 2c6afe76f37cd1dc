"""File paths as reports show them: masked where a file or folder name holds PI.

Chinese KYC folders name files after the person (`张三_身份证_110105194912310021.jpg`), and
a report that lists files would print the ID number it found inside them. Each part of a
path (folders, the name, an archive member after `!`) is checked once: a part made only
of letters, digits and punctuation without a long run of digits is left alone; any other
goes through detection, and what it finds is masked as findings are. Reports keep the raw
path inside (it names the file to open); only what they show or write is masked.

A bare name (`员工档案/李娜/张伟_简历.pdf`, `John_Smith_CV.pdf`) has no context detection
could use, but the path gives one: where a part of it names a personal document (简历,
身份证, 工资条, CV, passport …), a part's stretches of Chinese characters are cut at those
words, and a piece of two or three characters led by a common surname (three or four led
by a compound one) is masked as a name, as are two or three capitalised Latin words in a
row. Without such a word nothing is masked this way: 方案.docx and 周报.xlsx stay legible.
"""

from __future__ import annotations

import functools
import re

from tianping.privacy import _patterns as P

__all__ = [
    "bare_name_spans",
    "bare_names",
    "masked",
    "names_a_person",
    "shown_path",
    "shown_text",
    "shown_warning",
]

# a part that holds no PI detection could find: ASCII words, short numbers
_PLAIN = re.compile(r"[A-Za-z_.\- ]*(?:\d{1,5}[A-Za-z_.\- ]+)*\d{0,5}")
_SPLIT = re.compile(r"([/\\\\!])")

# words that make a path a person's file: its bare names are masked
_DOCS_ZH = (
    "简历", "履历", "身份证", "护照", "户口", "合同", "协议", "工资", "薪资", "薪酬", "个税",
    "社保", "公积金", "体检", "病历", "诊断", "处方", "照片", "证件", "档案", "银行卡", "征信",
    "申请表", "登记表", "入职", "离职", "转正", "考勤", "绩效", "学历", "学位", "毕业证",
    "成绩单", "驾驶证", "驾照", "结婚证", "离婚", "出生证明", "房产证", "收入证明", "在职证明",
    "推荐信", "面试", "员工", "学生", "患者", "病人", "客户", "会员", "签证", "通行证", "居住证",
    "营业执照", "授权书", "承诺书", "声明", "证明",
)  # fmt: skip
_DOCS_EN = frozenset(
    ("cv", "resume", "résumé", "passport", "payslip", "payroll", "contract", "visa", "offer",
     "medical", "transcript", "diploma", "licence", "license", "employee", "patient",
     "student", "customer", "member", "idcard", "id")
)  # fmt: skip
# words beside a name in file names that are not names themselves
_NOISE_ZH = ("正面", "反面", "复印件", "扫描件", "原件", "副本", "最终版", "修改版", "终版", "初稿",
             "定稿", "模板", "新版", "旧版", "电子版", "个人", "信息", "材料", "资料", "周报",
             "明细", "安排", "范本", "范例", "通知", "汇总", "名单", "清单", "记录", "统计",
             "报告", "报表", "计划", "方案", "总结", "模版", "样本", "示例")  # fmt: skip
_CUT_ZH = re.compile(
    "|".join(sorted(_DOCS_ZH + _NOISE_ZH, key=len, reverse=True))
    + "|["
    + "".join(ch for ch in P.NAME_STOP if ch not in P.SURNAMES)
    + "]"
)
_HAN = re.compile(f"[{P.HAN}]+")
_CAPS = re.compile(r"(?<![A-Za-z])[A-Z][a-z]+(?:[ _\-][A-Z][a-z]+){1,2}(?![A-Za-z])")
_NOT_NAMES = frozenset(P.NOT_NAME_ZH)
_NOT_NAMES_EN = frozenset(P.NOT_NAME_EN)


def shown_path(path: str) -> str:
    """`path` with the PI in its parts masked."""
    personal = names_a_person(path)
    if not personal and _PLAIN.fullmatch(path.replace("/", "").replace("!", "")):
        return path
    parts = [_part(p) for p in _SPLIT.split(path)]
    if personal or "".join(parts) != path:  # a path that holds an ID names a person too
        parts = [bare_names(p) for p in parts]
    return "".join(parts)


def names_a_person(path: str) -> bool:
    """Whether a part of `path` names a personal document (简历, CV …)."""
    if any(w in path for w in _DOCS_ZH):
        return True
    return any(w in _DOCS_EN for w in re.split(r"[^a-zé]+", path.lower()))


@functools.lru_cache(maxsize=65536)
def _part(part: str) -> str:
    if not part or _PLAIN.fullmatch(part):
        return part
    # "_" joins words in file names (张三_身份证): read it as a space, one for one
    return masked(part, part.replace("_", " "))


@functools.lru_cache(maxsize=65536)
def bare_names(part: str) -> str:
    """`part` with its bare Chinese and English names masked (a personal file's path)."""
    from tianping.privacy._detect import mask_preview

    for start, end, kind in sorted(bare_name_spans(part), reverse=True):
        value = part[start:end]
        shown = "".join(
            w if w in " _-" else mask_preview(w, kind) for w in re.split(r"([ _\-])", value)
        )
        part = part[:start] + shown + part[end:]
    return part


def bare_name_spans(part: str) -> list[tuple[int, int, str]]:
    """(start, end, person_name_zh or person_name_en) of each bare name in a part of a
    personal file's path, by the rule above."""
    spans: list[tuple[int, int, str]] = []
    for run in _HAN.finditer(part):
        at = run.start()
        for piece in [*_CUT_ZH.split(run.group()), ""]:
            if _is_zh_name(piece):
                spans.append((at, at + len(piece), "person_name_zh"))
            at += len(piece)
            cut = _CUT_ZH.match(part, at)
            at = cut.end() if cut else at
    for m in _CAPS.finditer(part):
        words = re.split(r"[ _\-]", m.group())
        if not any(w in _NOT_NAMES_EN or w.lower() in _DOCS_EN for w in words):
            spans.append((m.start(), m.end(), "person_name_en"))
    return spans


def _is_zh_name(piece: str) -> bool:
    if piece in _NOT_NAMES or "*" in piece:
        return False
    if piece[:2] in P.COMPOUND_SURNAMES:
        return 3 <= len(piece) <= 4
    return 2 <= len(piece) <= 3 and piece[0] in P.SURNAMES


def masked(text: str, read_as: str | None = None) -> str:
    """`text` with the PI detection finds in it (or in `read_as`, the same length) masked
    as findings are; for names shown in messages and reports (a column, a file)."""
    from tianping.privacy._detect import detect_text, mask_preview

    for m in reversed(detect_text(text if read_as is None else read_as)):
        text = text[: m.start] + mask_preview(text[m.start : m.end], m.pi_type) + text[m.end :]
    return text


def shown_warning(text: str) -> str:
    """A report's warning with the file or member it names (what comes before the first
    ": ", as `message2/张伟简历.7z: …` writes it) shown masked; the rest as it is."""
    head, sep, rest = text.partition(": ")
    return shown_path(head) + sep + rest


def shown_text(text: str, *paths: str) -> str:
    """A message with each of `paths` in it shown masked."""
    for p in paths:
        if p and p in text:
            shown = shown_path(p)
            if shown != p:
                text = text.replace(p, shown)
    return text
