"""Write the privacy example's synthetic data (Faker zh_CN/en_US, seeded; no real person).

    python examples/privacy/make_data.py

customers.csv: a customer table, one PI type per column plus a free-text note.
support-tickets.txt: support notes in Chinese and English with PI and look-alike decoys
(IDs with a wrong check digit, order numbers, timestamps). Other Faker versions may give
other names; the shipped files are what the tests read.
"""

from __future__ import annotations

import csv
from pathlib import Path

from tianping.privacy import generate, table_rows

HERE = Path(__file__).resolve().parent
SEED = 2026


def main() -> None:
    rows = table_rows(200, seed=SEED)
    with (HERE / "customers.csv").open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    texts = [r.text for r in generate(300, seed=SEED)]
    (HERE / "support-tickets.txt").write_text("\n".join(texts) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
