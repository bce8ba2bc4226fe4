"""A simulated catalogue classifier: maps a listing to one of the operator's categories with a
confidence, at a configured accuracy and calibration, so a real model can later take its place
behind the same call (`classify`, or `classify_many` for a whole catalogue).

How it draws: a listing's chance of being labelled right, p, is Beta-distributed with mean
`accuracy` and concentration `sharpness` (high: p near the mean for every listing; low: some
listings easy, some hard); the label is right with probability p; the reported confidence is p
through a temperature on the logit scale (`temperature` 1: calibrated, the reported confidence
is the chance of being right; above 1: overconfident; below 1: underconfident). A wrong label
is uniform over the other categories. The uniforms come from the caller, so the draws belong
to the listing (common random numbers), whichever strategy reads the answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import beta as beta_dist

from sim.config_bounds import positive, unit


@dataclass(kw_only=True)
class ClassifierSpec:
    """A mapper as a scenario configures it (`scenario.catalogue.mapping.keyword`, `.model`)."""

    accuracy: float = field(default=0.85, metadata=unit)  # mean chance a label is right
    sharpness: float = field(default=8.0, metadata=positive)  # Beta concentration of that chance
    temperature: float = field(default=1.0, metadata=positive)  # 1: calibrated confidences


class SimulatedClassifier:
    """Labels and confidences at the spec's accuracy and calibration; no state, no RNG."""

    def __init__(self, spec: ClassifierSpec, n_categories: int):
        self.spec, self.n_categories = spec, n_categories
        a = spec.accuracy * spec.sharpness
        b = (1.0 - spec.accuracy) * spec.sharpness
        self._dist = beta_dist(max(a, 1e-9), max(b, 1e-9))

    def classify(
        self, true_category: int, u_conf: float, u_correct: float, u_wrong: float
    ) -> tuple[int, float]:
        """(label, reported confidence) for one listing whose true category is given."""
        labels, conf = self.classify_many(
            np.array([true_category]),
            np.array([u_conf]),
            np.array([u_correct]),
            np.array([u_wrong]),
        )
        return int(labels[0]), float(conf[0])

    def classify_many(
        self, true: np.ndarray, u_conf: np.ndarray, u_correct: np.ndarray, u_wrong: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Labels and reported confidences for many listings at once (a seller's catalogue)."""
        p = np.clip(self._dist.ppf(u_conf), 1e-6, 1.0 - 1e-6)
        n = self.n_categories
        wrong = (u_correct >= p) & (n > 1)
        other = np.minimum((u_wrong * (n - 1)).astype(np.int64), max(n - 2, 0))
        other = other + (other >= true)  # any category but the true one
        labels = np.where(wrong, other, true).astype(np.int64)
        logit = np.log(p / (1.0 - p)) * self.spec.temperature
        return labels, 1.0 / (1.0 + np.exp(-logit))
