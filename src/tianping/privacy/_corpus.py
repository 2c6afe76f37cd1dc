"""A seeded, labelled zh/en corpus of personal information with decoys, for tests and benchmarks.

Every record is one or two sentences of business or log text with gold spans
`(start, end, pi_type)` (code-point offsets). Decoys carry the label `decoy_*` and must not
be reported: 18-digit IDs with a wrong MOD 11-2 check character, order numbers,
timestamps, amounts and counts in prose. Same seed, same corpus.
"""

from __future__ import annotations

import json
import random
import string
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tianping.privacy._validators import id18_check_char, luhn_check_digit, uscc_check_char

AREA_CODES = [
    "110105",
    "110108",
    "310104",
    "310115",
    "440106",
    "440305",
    "330106",
    "320102",
    "420106",
    "510107",
    "500103",
    "610113",
    "370202",
    "210102",
    "120101",
    "350203",
    "430104",
    "410105",
    "230102",
    "530102",
]
_MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "133",
    "134",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "172",
    "173",
    "175",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "184",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "193",
    "195",
    "198",
    "199",
]
_FIRST_OCTETS = [o for o in range(11, 224) if o != 127]  # no loopback
_USCC_ALPHA = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_PLATE_PROV = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE_CH = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"

ZH_TEMPLATES = (
    "客户{name_zh}的身份证号码是{id18}，联系电话{mobile}。",
    "请将发票寄到{address_zh}，收件人：{name_zh}，手机{mobile}。",
    "{name_zh}先生于{ts}提交了订单{order}，金额{amount}元。",
    "银行卡号{card}已绑定，持卡人{name_zh}，共{count}笔交易。",
    "订单号{order}，下单时间{ts}，共{count}件商品，{filler}",
    "身份证{decoy_id18}校验失败，请核对后重新提交。",
    "企业统一社会信用代码：{uscc}，法定代表人{name_zh}。",
    "护照号码{passport}，回乡证号码{hkmo}，入境日期{ts}。",
    "车牌{plate}的车辆于{ts}驶入停车场，停留{count}分钟。",
    "办公电话{landline}，邮箱{email}，工作日{count}点前回复。",
    "服务器{ipv4}在{ts}记录了来自{ipv6}的请求，设备MAC {mac}。",
    "出生日期：{dob}，联系人{name_zh}，{filler}",
    "用户{name_zh}登录IP为{ipv4}，手机号{mobile}已验证。",
    "流水号{order}对应账户余额{amount}元。{filler}",
    "{name_zh}在会议上介绍了第{count}季度的情况。",
    "患者{name_zh}，身份证{id18}，住址{address_zh}。",
    "请拨打{mobile}联系{name_zh}女士，或发邮件至{email}。",
    "台胞证号码{tw}，姓名{name_zh}。",
)
EN_TEMPLATES = (
    "Customer {name_en} (ID {id18}) called from {phone} about card {card}.",
    "Ship to {address_en}. Contact: {name_en}, email {email}.",
    "Order {order_en} placed on {ts} for ${amount}; {count} items.",
    "Login from {ipv4} at {ts}; device {mac}.",
    "Dear {name_en}, your date of birth {dob_en} has been updated.",
    "{name_en} signed the contract on {ts}.",
    "Passport {passport} and mobile +86 {mobile_plain} were verified by {name_en}.",
    "Invoice {order_en}: {count} units at {amount} each, tax ID {decoy_id18} rejected.",
    "Please call {phone} or write to {email} before {ts}.",
    "Card {card} expired; new card issued to Mr. {name_en_last}.",
)
MIX_TEMPLATES = (
    "用户 {name_en} 的 email 是 {email}，phone {mobile}。",
    "Customer {name_zh_ctx}，身份证 {id18}，card {card}。",
    "ticket #{count}: 手机{mobile} 下单 {order}，IP {ipv4}",
    "收货地址 {address_zh}，Tel {landline}，订单 {order_en}。",
)


@dataclass
class CorpusRecord:
    text: str
    spans: list[tuple[int, int, str]] = field(default_factory=list)

    def pi_spans(self) -> list[tuple[int, int, str]]:
        return [s for s in self.spans if not s[2].startswith("decoy")]


class _Gen:
    def __init__(self, seed: int, pool: int = 3000) -> None:
        from faker import Faker

        self.r = random.Random(seed)
        zh, en = Faker("zh_CN"), Faker("en_US")
        zh.seed_instance(seed)
        en.seed_instance(seed + 1)
        self.names_zh = [zh.name() for _ in range(pool)]
        self.names_en = [en.name() for _ in range(pool)]
        self.addr_zh = [zh.address() for _ in range(pool)]
        self.addr_en = [en.address().replace("\n", ", ") for _ in range(pool)]
        self.emails = [(zh if i % 2 else en).email() for i in range(pool)]
        self.phones = [en.phone_number() for _ in range(pool)]
        self.ipv6 = [en.ipv6() for _ in range(pool // 4)]
        self.macs = [en.mac_address() for _ in range(pool // 4)]
        self.filler = [zh.sentence() for _ in range(pool // 4)]

    def _id17(self) -> str:
        r = self.r
        y = r.randint(1940, 2023)
        m, d = r.randint(1, 12), r.randint(1, 28)
        return f"{r.choice(AREA_CODES)}{y:04d}{m:02d}{d:02d}{r.randint(0, 999):03d}"

    def value(self, slot: str) -> tuple[str, str | None]:
        """(text, label) for a template slot; label None means unlabelled filler."""
        r = self.r
        if slot == "id18":
            b = self._id17()
            return b + id18_check_char(b), "cn_resident_id"
        if slot == "decoy_id18":
            b = self._id17()
            good = id18_check_char(b)
            bad = r.choice([c for c in "0123456789X" if c != good])
            return b + bad, "decoy_id18"
        if slot in ("mobile", "mobile_plain"):
            num = r.choice(_MOBILE_PREFIXES) + "".join(r.choices(string.digits, k=8))
            u = r.random()
            if slot == "mobile_plain" or u < 0.75:
                return num, "cn_mobile"
            if u < 0.9:
                return "+86 " + num, "cn_mobile"
            return f"{num[:3]}-{num[3:7]}-{num[7:]}", "cn_mobile"
        if slot == "card":
            body = "62" + "".join(r.choices(string.digits, k=r.choice((13, 16))))
            num = body + luhn_check_digit(body)
            if r.random() < 0.3:
                num = " ".join(num[i : i + 4] for i in range(0, len(num), 4))
            return num, "bank_card"
        if slot == "uscc":
            b = "91" + r.choice(AREA_CODES) + "".join(r.choices(_USCC_ALPHA, k=9))
            return b + uscc_check_char(b), "cn_uscc"
        if slot == "passport":
            if r.random() < 0.7:
                return "E" + "".join(r.choices(string.digits, k=8)), "cn_passport"
            return "E" + r.choice("ABCDEFGHJKLMN") + "".join(
                r.choices(string.digits, k=7)
            ), "cn_passport"
        if slot == "hkmo":
            return r.choice("HM") + "".join(r.choices(string.digits, k=8)), "hk_macao_permit"
        if slot == "tw":
            return "".join(r.choices(string.digits, k=8)), "tw_permit"
        if slot == "plate":
            p = r.choice(_PLATE_PROV) + r.choice(
                string.ascii_uppercase.replace("I", "").replace("O", "")
            )
            if r.random() < 0.7:
                return p + "".join(r.choices(_PLATE_CH, k=5)), "cn_plate"
            return p + r.choice("DF") + r.choice(_PLATE_CH) + "".join(
                r.choices(string.digits, k=4)
            ), "cn_plate"
        if slot == "landline":
            area = r.choice(("010", "021", "020", "0755", "0571", "028"))
            return (
                f"{area}-{r.randint(10**7 if len(area) == 3 else 10**6, 10**8 - 1)}",
                "cn_landline",
            )
        if slot == "email":
            return r.choice(self.emails), "email"
        if slot == "ipv4":
            return (
                f"{r.choice(_FIRST_OCTETS)}.{r.randint(0, 255)}."
                f"{r.randint(0, 255)}.{r.randint(1, 254)}",
                "ipv4",
            )
        if slot == "ipv6":
            return r.choice(self.ipv6), "ipv6"
        if slot == "mac":
            return r.choice(self.macs), "mac"
        if slot == "phone":
            return r.choice(self.phones), "phone"
        if slot == "dob":
            return (
                f"{r.randint(1950, 2020)}年{r.randint(1, 12)}月{r.randint(1, 28)}日",
                "date_of_birth",
            )
        if slot == "dob_en":
            months = ("January", "March", "May", "July", "October", "December")
            return (
                f"{r.choice(months)} {r.randint(1, 28)}, {r.randint(1950, 2020)}",
                "date_of_birth",
            )
        if slot in ("name_zh", "name_zh_ctx"):
            return r.choice(self.names_zh), "person_name_zh"
        if slot == "name_en":
            return r.choice(self.names_en), "person_name_en"
        if slot == "name_en_last":
            return r.choice(self.names_en), "person_name_en"
        if slot == "address_zh":
            return r.choice(self.addr_zh), "address_zh"
        if slot == "address_en":
            return r.choice(self.addr_en), "address_en"
        if slot == "order":
            return f"{r.randint(2019, 2025)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}" + "".join(
                r.choices(string.digits, k=10)
            ), "decoy_order"
        if slot == "order_en":
            return (
                f"ORD-{r.randint(2019, 2025)}{r.randint(1, 12):02d}{r.randint(1, 28):02d}-"
                f"{r.randint(0, 999999):06d}",
                "decoy_order",
            )
        if slot == "ts":
            return (
                f"{r.randint(2019, 2025)}-{r.randint(1, 12):02d}-{r.randint(1, 28):02d} "
                f"{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}"
            ), "decoy_ts"
        if slot == "amount":
            return f"{r.randint(1, 99999)}.{r.randint(0, 99):02d}", "decoy_number"
        if slot == "count":
            return str(r.randint(1, 500)), "decoy_number"
        if slot == "filler":
            return r.choice(self.filler), None
        raise KeyError(slot)

    def record(self) -> CorpusRecord:
        u = self.r.random()
        pool = ZH_TEMPLATES if u < 0.5 else (EN_TEMPLATES if u < 0.8 else MIX_TEMPLATES)
        tpl = self.r.choice(pool)
        parts: list[str] = []
        spans: list[tuple[int, int, str]] = []
        pos = 0
        for lit, slot, _, _ in string.Formatter().parse(tpl):
            parts.append(lit)
            pos += len(lit)
            if slot:
                val, label = self.value(slot)
                if label:
                    spans.append((pos, pos + len(val), label))
                parts.append(val)
                pos += len(val)
        return CorpusRecord("".join(parts), spans)


def generate(n_records: int, seed: int = 42) -> Iterator[CorpusRecord]:
    """`n_records` labelled records (same seed, same records)."""
    g = _Gen(seed)
    for _ in range(n_records):
        yield g.record()


def generate_size(size_mb: float, seed: int = 42) -> list[CorpusRecord]:
    """Records until their UTF-8 text reaches `size_mb` megabytes."""
    g = _Gen(seed)
    out: list[CorpusRecord] = []
    total, limit = 0, int(size_mb * 1_000_000)
    while total < limit:
        rec = g.record()
        out.append(rec)
        total += len(rec.text.encode("utf-8")) + 1
    return out


def write_jsonl(records: Iterable[CorpusRecord], path: Path) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps({"text": r.text, "spans": r.spans}, ensure_ascii=False) + "\n")
    return path


def table_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    """Rows of a customer table with one PI type per column plus a free-text note."""
    g = _Gen(seed, pool=max(50, min(n, 3000)))
    rows = []
    for i in range(n):
        rows.append(
            {
                "customer_id": f"C{i:07d}",
                "name": g.value("name_zh")[0],
                "id_number": g.value("id18")[0],
                "phone": g.value("mobile_plain")[0],
                "email": g.value("email")[0],
                "card": g.value("card")[0].replace(" ", ""),
                "city": g.r.choice(("北京", "上海", "广州", "深圳", "杭州")),
                "amount": g.value("amount")[0],
                "order_no": g.value("order")[0],
                "note": g.record().text,
            }
        )
    return rows


def load_table(url: str, rows: list[dict[str, str]], table: str = "customers") -> None:
    """`rows` (as `table_rows` makes them) as a new database table: `customer_id` the
    primary key, every other column text. For examples and benchmarks of database scans."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        cols = [sa.Column("customer_id", sa.String(20), primary_key=True)]
        cols += [sa.Column(k, sa.Text) for k in rows[0] if k != "customer_id"]
        target = sa.Table(table, meta, *cols)
        meta.create_all(engine)
        with engine.begin() as conn:
            for i in range(0, len(rows), 20_000):
                conn.execute(target.insert(), rows[i : i + 20_000])
    finally:
        engine.dispose()


def raw_values(records: Iterable[CorpusRecord]) -> set[str]:
    """The gold PI strings (to assert that none leaks into any output)."""
    return {r.text[s:e] for r in records for s, e, t in r.pi_spans()}


def evaluate(
    records: list[CorpusRecord], findings: Any, *, exact: bool = False
) -> dict[str, dict[str, float]]:
    """Per-type precision and recall of `findings` (a detect_batch frame over the texts).

    A finding is a true positive when it overlaps (or, with `exact`, equals) a gold span
    of the same type; a finding that overlaps a decoy or nothing is a false positive.
    """
    gold: dict[int, list[tuple[int, int, str]]] = {}
    n_gold: Counter[str] = Counter()
    for i, r in enumerate(records):
        gold[i] = r.pi_spans()
        for s in gold[i]:
            n_gold[s[2]] += 1
    tp_pred: Counter[str] = Counter()
    n_pred: Counter[str] = Counter()
    hit: set[tuple[int, int, int]] = set()
    for row, s, e, t in zip(
        findings["row"], findings["start"], findings["end"], findings["pi_type"], strict=True
    ):
        n_pred[t] += 1
        for gs, ge, gt in gold.get(int(row), []):
            same = (gs == s and ge == e) if exact else (s < ge and gs < e)
            if gt == t and same:
                tp_pred[t] += 1
                hit.add((int(row), gs, ge))
                break
    tp_gold: Counter[str] = Counter()
    for i, spans in gold.items():
        for gs, ge, gt in spans:
            if (i, gs, ge) in hit:
                tp_gold[gt] += 1
    out: dict[str, dict[str, float]] = {}
    for t in sorted(set(n_gold) | set(n_pred)):
        out[t] = {
            "gold": float(n_gold[t]),
            "predicted": float(n_pred[t]),
            "precision": round(tp_pred[t] / n_pred[t], 4) if n_pred[t] else float("nan"),
            "recall": round(tp_gold[t] / n_gold[t], 4) if n_gold[t] else float("nan"),
        }
    return out
