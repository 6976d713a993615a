"""Which model family learned scores should use, measured on the bank-marketing list's fixed split.

The study behind src/ai/scoring's choice of boosted trees (README, "Scores"): scikit-learn's logistic
regression on binned and one-hot columns (with and without hand-made interactions), an additive model
(boosted trees without interactions) and full boosted trees, all without the leaky `duration` column.
Usage: python3 -m venv .venv-study && .venv-study/bin/pip install -r bench/learning/requirements.txt
       .venv-study/bin/python bench/learning/model-family.py [path/to/bank-marketing.csv]
Prints one JSON line last: {"study":"model-family","auc":{…}}.
"""

import json
import sys

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import KBinsDiscretizer, OneHotEncoder, StandardScaler

path = sys.argv[1] if len(sys.argv) > 1 else "../shared/fixtures/datasets/bank-marketing/bank-marketing.csv"
data = pd.read_csv(path)


def fnv1a(text: str) -> int:
    value = 0x811C9DC5
    for byte in text.encode():
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return value


# The dataset's fixed split (its README): row k is a test row when FNV-1a("row" + k) / 2^32 < 0.3.
test = np.array([fnv1a(f"row{k}") / 2**32 < 0.3 for k in range(len(data))])
y = (data.output == "yes").astype(int).values
x = data.drop(columns=["output", "duration"])
categorical = [c for c in x.columns if x[c].dtype == object]
numeric = [c for c in x.columns if c not in categorical]
auc = {}


def measure(name, model, frame):
    model.fit(frame[~test], y[~test])
    auc[name] = round(roc_auc_score(y[test], model.predict_proba(frame[test])[:, 1]), 4)


measure(
    "logisticBinned",
    make_pipeline(
        ColumnTransformer(
            [
                ("categories", OneHotEncoder(handle_unknown="ignore", min_frequency=20), categorical),
                ("numbers", KBinsDiscretizer(n_bins=10, encode="onehot", strategy="quantile"), numeric),
            ]
        ),
        LogisticRegression(C=0.3, max_iter=2000),
    ),
    x,
)

engineered = x.copy()
engineered["pdays_never"] = (engineered.pdays == 999).astype(int)
engineered.loc[engineered.pdays == 999, "pdays"] = -1
for column in ["campaign", "previous"]:
    engineered["log_" + column] = np.log1p(engineered[column])
engineered["age_band"] = pd.cut(engineered.age, [0, 25, 30, 35, 40, 45, 50, 55, 60, 100]).astype(str)
engineered["month_contact"] = engineered.month + "_" + engineered.contact
measure(
    "logisticHandMadeInteractions",
    make_pipeline(
        ColumnTransformer(
            [
                ("categories", OneHotEncoder(handle_unknown="ignore", min_frequency=20), categorical + ["age_band", "month_contact"]),
                ("numbers", StandardScaler(), ["log_campaign", "log_previous", "pdays_never", "age"]),
            ]
        ),
        LogisticRegression(C=0.05, max_iter=3000),
    ),
    engineered,
)

typed = x.copy()
for column in categorical:
    typed[column] = typed[column].astype("category")
trees = dict(categorical_features="from_dtype", learning_rate=0.05, max_iter=200, max_leaf_nodes=15, min_samples_leaf=100, l2_regularization=1.0)
measure("additiveModel", HistGradientBoostingClassifier(**trees, interaction_cst="no_interactions"), typed)
measure("boostedTrees", HistGradientBoostingClassifier(**trees), typed)
print(json.dumps({"study": "model-family", "trainRows": int((~test).sum()), "testRows": int(test.sum()), "auc": auc}))
