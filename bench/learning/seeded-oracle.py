"""The best lead-conversion ROC AUC any model can reach on the seeded demo workspace.

src/crm/seed/generator.ts draws each lead's conversion from a logistic model of its fields plus a hidden
"interest" (normal) and noise. This replays that model (the same coefficients and vocabulary effects) on
400,000 leads and scores them with the true linear predictor itself: once knowing the hidden interest (an
oracle no model can be, since only trial starts and activity counts reflect it) and once from the fields
alone. A learned scorer lands between the two.
Usage: python3 bench/learning/seeded-oracle.py   (numpy only; the study venv of model-family.py has it)
Prints one JSON line last: {"study":"seeded-oracle","oracleAuc":…,"fieldsOnlyAuc":…}.
"""

import json

import numpy as np

rng = np.random.default_rng(1)
n = 400_000
# vocabulary.ts: lead sources (effect, weight), industries, role seniorities.
source_effect = np.array([1.0, 0.6, 0.3, 0.0, -0.1, -0.5, -0.9])
source_weight = np.array([12, 8, 12, 30, 10, 18, 10], dtype=float)
industry_effect = np.array([0.5, -0.3, 0.1, 0.2, -0.2, -0.5, 0.0, 0.3])
seniority = np.array([3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 0, 0, 0, 0])

source = rng.choice(len(source_effect), n, p=source_weight / source_weight.sum())
industry = rng.integers(0, len(industry_effect), n)
role = rng.choice(seniority, n)
employees = np.exp(np.log(10) + rng.random(n) * (np.log(20_000) - np.log(10)))
interest = rng.normal(size=n)
trial = rng.random(n) < 1 / (1 + np.exp(-(-0.8 + 1.2 * interest)))
fields = (
    -0.9
    + source_effect[source]
    + industry_effect[industry]
    + 0.45 * (role - 1.5)
    + 0.35 * np.log10(employees / 200)
    + 0.9 * trial
)
logit = fields + 0.8 * interest + 0.4 * rng.normal(size=n)
converted = rng.random(n) < 1 / (1 + np.exp(-logit))


def roc_auc(score: np.ndarray, labels: np.ndarray) -> float:
    ranks = np.empty(len(score))
    ranks[np.argsort(score)] = np.arange(1, len(score) + 1)
    positives = labels.sum()
    negatives = len(labels) - positives
    return float((ranks[labels].sum() - positives * (positives + 1) / 2) / (positives * negatives))


print(
    json.dumps(
        {
            "study": "seeded-oracle",
            "oracleAuc": round(roc_auc(fields + 0.8 * interest, converted), 4),
            "fieldsOnlyAuc": round(roc_auc(fields, converted), 4),
        }
    )
)
