"""Train the example models on the real UCI data, deterministically.

`make demo` runs this before the assessments; the test suite calls the same functions once
per session. Models are pickled with joblib (scikit-learn's format), so loading them needs
the user's consent (`--trust-pickle`): we trained them here, so the demo gives it.

    python examples/train_models.py            # writes into examples/*/artefacts/
"""

from __future__ import annotations

import argparse
from pathlib import Path

import joblib
import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

EXAMPLES = Path(__file__).resolve().parent

GERMAN_COLUMNS = [
    "checking_status", "duration_months", "credit_history", "purpose", "credit_amount",
    "savings_status", "employment_since", "installment_rate", "personal_status_sex",
    "other_debtors", "residence_since", "property", "age", "other_installment_plans",
    "housing", "existing_credits", "job", "num_dependents", "telephone", "foreign_worker",
    "credit_risk",
]  # fmt: skip
GERMAN_NUMERIC = [
    "duration_months", "credit_amount", "installment_rate", "residence_since", "age",
    "existing_credits", "num_dependents",
]  # fmt: skip
ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country", "income",
]  # fmt: skip
ADULT_NUMERIC = ["age", "education-num", "capital-gain", "capital-loss", "hours-per-week"]
# fnlwgt is a census sampling weight, not a property of the person: not a model input.
ADULT_FEATURES = [c for c in ADULT_COLUMNS if c not in ("income", "fnlwgt")]


def load_german(path: Path | None = None) -> pd.DataFrame:
    path = path or EXAMPLES / "data" / "german-credit" / "german.data"
    return pd.read_csv(path, sep=" ", header=None, names=GERMAN_COLUMNS)


def split_german(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """70/30, stratified on the target, fixed seed: the same split on every machine."""
    train, test = train_test_split(
        frame, test_size=0.3, random_state=20240901, stratify=frame["credit_risk"]
    )
    return train.sort_index(), test.sort_index()


def credit_pipeline() -> Pipeline:
    categorical = [c for c in GERMAN_COLUMNS[:-1] if c not in GERMAN_NUMERIC]
    prep = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), categorical),
            ("num", "passthrough", GERMAN_NUMERIC),
        ]
    )
    model = GradientBoostingClassifier(
        n_estimators=150, max_depth=3, learning_rate=0.08, random_state=0
    )
    return Pipeline([("prep", prep), ("model", model)])


def train_credit(out_dir: Path, data_dir: Path | None = None) -> Path:
    """Gradient boosting on German Credit; the positive class is 1 (good credit risk)."""
    frame = load_german()
    train, test = split_german(frame)
    data_dir = data_dir or out_dir.parent / "data"
    data_dir.mkdir(parents=True, exist_ok=True)
    train.to_csv(data_dir / "train.csv", index=False)
    test.to_csv(data_dir / "test.csv", index=False)
    pipe = credit_pipeline()
    y = (train["credit_risk"] == 1).astype(int)
    pipe.fit(train[GERMAN_COLUMNS[:-1]], y)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "credit_model.joblib"
    joblib.dump(pipe, target)
    return target


def load_adult(path: Path) -> pd.DataFrame:
    skip = 1 if path.name == "adult.test" else 0  # adult.test opens with a note line
    frame = pd.read_csv(
        path, header=None, names=ADULT_COLUMNS, skipinitialspace=True, skiprows=skip,
        na_values=["?"],
    )  # fmt: skip
    frame["income"] = frame["income"].str.rstrip(".")
    return frame


def income_pipeline() -> Pipeline:
    categorical = [c for c in ADULT_FEATURES if c not in ADULT_NUMERIC]
    prep = ColumnTransformer(
        [
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False, min_frequency=20),
                categorical,
            ),
            ("num", StandardScaler(), ADULT_NUMERIC),
        ]
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=2000, C=1.0))])


def train_income(out_dir: Path) -> Path:
    """Logistic regression on UCI Adult; the positive class is income >50K."""
    frame = load_adult(EXAMPLES / "data" / "adult" / "adult.data")
    x = frame[ADULT_FEATURES]  # missing categories ("?") stay NaN: the encoder keeps them
    y = (frame["income"] == ">50K").astype(int)
    pipe = income_pipeline()
    pipe.fit(x, y)
    out_dir.mkdir(parents=True, exist_ok=True)
    target = out_dir / "income_model.joblib"
    joblib.dump(pipe, target)
    return target


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    np.random.seed(0)
    paths = main_quiet()
    if not args.quiet:
        for p in paths:
            print(f"trained {p.relative_to(EXAMPLES.parent)}")
    return 0


def main_quiet() -> list[Path]:
    return [
        train_credit(EXAMPLES / "credit-scoring" / "artefacts"),
        train_income(EXAMPLES / "research-prototype" / "artefacts"),
    ]


if __name__ == "__main__":
    raise SystemExit(main())
