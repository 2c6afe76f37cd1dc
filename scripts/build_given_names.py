"""Write src/tianping/privacy/_given_names.py: the given names that English-name detection
starts from (`GIVEN_NAMES_EN`), from Faker's person providers (MIT licence).

    .venv/bin/python scripts/build_given_names.py

Latin-script locales whose names appear in English text (English-speaking countries and
India, Western Europe, Turkey, Indonesia, Brazil); ASCII names of three or more letters;
names that are also common English words or places left out (`_WORDS`), and the
commonest Chinese surnames in pinyin added, as pinyin names put the surname first (Wang
Xiaodong, Li Qiang). Sorted longest first, so that no name is shadowed by a shorter one in
an alternation.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from pathlib import Path

import faker
from faker.providers.lorem.en_US import Provider as Lorem

LOCALES = (
    "en_US", "en_GB", "en_IE", "en_NZ", "en_IN", "fr_FR", "es_ES", "it_IT", "de_DE",
    "nl_NL", "tr_TR", "sv_SE", "da_DK", "pt_BR", "id_ID",
)  # fmt: skip
# Capitalised at a sentence start or in titles more often than as a first name, or places
_WORDS = frozenset(
    (
        "April", "August", "June", "March", "May", "Will", "Mark", "Art", "Don", "Dawn", "Chase",
        "Hunter", "Page", "Major", "King", "Royal", "Sunny", "Amber", "Crystal", "Destiny",
        "Harmony", "Melody", "Star", "Sky", "River", "Storm", "Angel", "Justice", "Precious",
        "Miracle", "Unique", "Ivory", "Ebony", "Golden", "Young", "Rich", "Price", "Case", "Faith",
        "Joy", "Grace", "Rose", "Jade", "Ruby", "Pearl", "Penny", "Holly", "Ivy", "Iris", "Daisy",
        "Violet", "Heather", "Ginger", "Candy", "Misty", "Autumn", "Winter", "Spring", "Sage",
        "Dale", "Glen", "Cliff", "Brook", "Lane", "Bay", "Chance", "Sterling", "Van", "Von", "Del",
        "Pat", "Sue", "Carol", "China", "Paris", "London", "Florence", "Victoria", "Sydney",
        "Austin", "Dallas", "Jordan", "Georgia", "Virginia", "Carolina", "Dakota", "Israel",
        "India", "Asia", "America", "Africa", "Europa", "Lincoln", "Washington", "Madison",
        "Houston", "Phoenix", "Camden", "Chelsea", "Brooklyn", "Marina", "Santa", "San", "Adelaide",
        "Orlando", "Denver", "Aurora", "Cleveland", "Trinity", "Bill", "Guy", "Hope", "Summer",
        "Else", "Floor", "Gun", "Job", "Line", "Lot", "Per", "Among", "Tuesday", "Friday", "Sunday",
        "Monday", "Wednesday", "Thursday", "Saturday", "Noel", "Christmas", "Easter", "Dean",
        "Bishop", "Pastor", "Judge", "General", "Sergeant", "Prince", "Princess", "Duke", "Earl",
        "Baron", "Lord", "Lady", "Miss", "Master", "Doctor", "Nurse", "Captain", "Colonel", "Mayor",
        "Sheriff", "Regina", "Bank", "Sales", "Support", "Delivery", "Order", "Office", "Cloud",
        "Apple", "Amazon", "Tesla", "Ford", "Mercedes", "Porsche", "Lexus", "Kia", "Mini", "Nova",
        "Vita", "Via", "Alta", "Dona", "Max", "Rex", "Sol",
    )
)  # fmt: skip
PINYIN_SURNAMES = (
    "Zhang", "Wang", "Liu", "Chen", "Yang", "Zhao", "Huang", "Zhou", "Sun", "Zhu", "Gao",
    "Lin", "Guo", "Luo", "Liang", "Zheng", "Xie", "Han", "Tang", "Feng", "Dong", "Xiao",
    "Cheng", "Cao", "Yuan", "Deng", "Shen", "Zeng", "Peng", "Jiang", "Cai", "Jia", "Ding",
    "Wei", "Xue", "Pan", "Dai", "Xia", "Zhong", "Tian", "Ren", "Fang", "Yao", "Tan", "Liao",
    "Zou", "Xiong", "Hao", "Kong", "Cui", "Kang", "Mao", "Qiu", "Qin", "Hou", "Shao", "Meng",
    "Duan", "Qian", "Yin", "Qiao", "Lai", "Wen", "Xu", "Li", "Wu", "Lu", "Su", "Hu", "Chang",
)  # fmt: skip


def given_names() -> list[str]:
    words = {w.capitalize() for w in Lorem.word_list} | _WORDS
    names: set[str] = set()
    for loc in LOCALES:
        provider = importlib.import_module(f"faker.providers.person.{loc}").Provider
        for attr in ("first_names", "first_names_male", "first_names_female"):
            for n in getattr(provider, attr, ()) or ():
                if (
                    n.isascii()
                    and n.isalpha()
                    and len(n) >= 3
                    and n[0].isupper()
                    and n[1:].islower()
                ):
                    names.add(n)
    names -= words
    names |= set(PINYIN_SURNAMES)
    return sorted(names, key=lambda n: (-len(n), n))


def _licence() -> str:
    """Faker's licence as its distribution ships it, indented (the notice must travel with
    what is taken from it)."""
    dist = importlib.metadata.distribution("faker")
    path = next(f for f in dist.files or () if f.name.upper().startswith("LICENSE"))
    text = path.read_text(encoding="utf-8").strip()
    return "\n".join(f"    {line}".rstrip() for line in text.splitlines())


def main() -> None:
    names = given_names()
    rows, row = [], "   "
    for n in names:
        if len(row) + len(n) + 4 > 96:
            rows.append(row)
            row = "   "
        row += f" {n!r},"
    body = "\n".join([*rows, row]) + "\n"
    out = Path(__file__).resolve().parents[1] / "src" / "tianping" / "privacy" / "_given_names.py"
    out.write_text(
        f'''"""Given names that English-name detection starts from ("Rebecca Hale", "Li Qiang").

Generated by scripts/build_given_names.py from the person providers of Faker
{faker.VERSION} (locales {", ".join(LOCALES[:8])},
{", ".join(LOCALES[8:])}), whose licence says:

{_licence()}

ASCII names of three or more letters, less those that are common English words or places
(April, Will, Grace, Victoria…), and the commonest Chinese surnames in pinyin, which pinyin
names put first. {len(names):,} names, longest first.
"""

GIVEN_NAMES_EN = (
{body})  # fmt: skip
''',
        encoding="utf-8",
    )
    print(f"{out}: {len(names)} names")


if __name__ == "__main__":
    main()
