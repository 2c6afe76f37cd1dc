"""A plain-language explanation of one automated decision, in Chinese and English.

PIPL Art. 24(3): a person may ask for an explanation of a decision made by automated
means that significantly affects their rights. The text names the outcome and the main
reasons with their direction, using only the applicant's own feature values.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from tianping.i18n import I18nText

# Readable names for the columns of the shipped example datasets (UCI German Credit, Adult).
FEATURE_LABELS: dict[str, I18nText] = {
    "checking_status": I18nText(zh="支票账户状况", en="status of your checking account"),
    "duration_months": I18nText(zh="贷款期限（月）", en="loan duration in months"),
    "credit_history": I18nText(zh="信用记录", en="your credit history"),
    "purpose": I18nText(zh="贷款用途", en="purpose of the loan"),
    "credit_amount": I18nText(zh="贷款金额", en="loan amount"),
    "savings_status": I18nText(zh="储蓄状况", en="your savings"),
    "employment_since": I18nText(zh="现职工作年限", en="time in your current job"),
    "installment_rate": I18nText(zh="月供占可支配收入比例", en="instalment as share of income"),
    "personal_status_sex": I18nText(zh="婚姻状况与性别", en="marital status and sex"),
    "other_debtors": I18nText(zh="其他债务人或担保人", en="other debtors or guarantors"),
    "residence_since": I18nText(zh="现住址居住年限", en="years at your current address"),
    "property": I18nText(zh="财产状况", en="property you own"),
    "age": I18nText(zh="年龄", en="age"),
    "other_installment_plans": I18nText(zh="其他分期计划", en="other instalment plans"),
    "housing": I18nText(zh="住房情况", en="housing"),
    "existing_credits": I18nText(zh="在本行现有贷款笔数", en="number of existing loans here"),
    "job": I18nText(zh="职业类别", en="type of job"),
    "num_dependents": I18nText(zh="需供养人数", en="number of dependants"),
    "telephone": I18nText(zh="是否登记电话", en="registered telephone"),
    "foreign_worker": I18nText(zh="是否外籍劳工", en="foreign worker"),
    "workclass": I18nText(zh="就业类型", en="type of employer"),
    "education": I18nText(zh="教育程度", en="education"),
    "education_num": I18nText(zh="受教育年限", en="years of education"),
    "marital_status": I18nText(zh="婚姻状况", en="marital status"),
    "occupation": I18nText(zh="职业", en="occupation"),
    "relationship": I18nText(zh="家庭关系", en="household relationship"),
    "race": I18nText(zh="种族", en="race"),
    "sex": I18nText(zh="性别", en="sex"),
    "capital_gain": I18nText(zh="资本利得", en="capital gains"),
    "capital_loss": I18nText(zh="资本损失", en="capital losses"),
    "hours_per_week": I18nText(zh="每周工作小时数", en="hours worked per week"),
    "native_country": I18nText(zh="原籍国", en="country of origin"),
}


def _label(feature: str, labels: Mapping[str, I18nText]) -> I18nText:
    got = labels.get(feature) or FEATURE_LABELS.get(feature)
    if got is not None:
        return got
    plain = feature.replace("_", " ")
    return I18nText(zh=plain, en=plain)


def _value(v: Any) -> str:
    if isinstance(v, float):
        if math.isnan(v):
            return "—"
        return f"{v:g}"
    return str(v)[:40]


def explain_decision(
    values: Mapping[str, Any],
    contributions: Mapping[str, float],
    *,
    score: float,
    threshold: float,
    favourable: I18nText | None = None,
    unfavourable: I18nText | None = None,
    top: int = 3,
    labels: Mapping[str, I18nText] | None = None,
) -> I18nText:
    """The decision on one record and its main reasons, in words an applicant understands.

    `values`: the record's own feature values; `contributions`: SHAP value per feature
    (positive pushes towards the favourable outcome); `score` and `threshold` as the model
    applies them.
    """
    labels = labels or {}
    ok = score >= threshold
    fav = favourable or I18nText(zh="获得批准", en="approved")
    unfav = unfavourable or I18nText(zh="未获批准", en="declined")
    outcome = fav if ok else unfav
    ranked = sorted(contributions.items(), key=lambda kv: (-abs(kv[1]), kv[0]))
    against = [kv for kv in ranked if (kv[1] < 0) == ok and kv[1] != 0][:top]
    decisive = [kv for kv in ranked if (kv[1] > 0) == ok and kv[1] != 0][:top]

    def items(pairs: list[tuple[str, float]], lang: str) -> str:
        parts = []
        for i, (f, c) in enumerate(pairs, 1):
            name = _label(f, labels).zh if lang == "zh" else _label(f, labels).en
            val = _value(values.get(f))
            if lang == "zh":
                parts.append(f"（{i}）{name}（您的值：{val}）{'提高' if c > 0 else '降低'}了评分")
            else:
                parts.append(
                    f"({i}) {name} (yours: {val}) {'raised' if c > 0 else 'lowered'} your score"
                )
        return ("；" if lang == "zh" else "; ").join(parts)

    zh = (
        f"您的申请{outcome.zh}：模型评分为 {score:.2f}，"
        f"{'达到' if ok else '低于'}审批线 {threshold:.2f}。"
    )
    en = (
        f"Your application was {outcome.en}: the model's score was {score:.2f}, "
        f"{'at or above' if ok else 'below'} the cut-off of {threshold:.2f}. "
    )
    if decisive:
        zh += f"影响最大的因素：{items(decisive, 'zh')}。"
        en += f"The main reasons: {items(decisive, 'en')}. "
    if against:
        zh += f"{'对您不利' if ok else '对您有利'}的因素：{items(against, 'zh')}。"
        en += f"{'Working against you' if ok else 'In your favour'}: {items(against, 'en')}. "
    zh += "这些是模型内部的主要依据，并非对您个人的评价。您可以要求说明，或要求由人工复核本决定。"
    en += (
        "These are the model's main grounds, not a judgement of you as a person. You may ask "
        "for further explanation or for a person to review this decision."
    )
    return I18nText(zh=zh, en=en.replace("  ", " "))
