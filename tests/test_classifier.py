"""The simulated catalogue classifier realises its configuration: accuracy, a uniform confusion
over the other categories, and confidences that are calibrated at temperature 1 and
overconfident above it. 20,000 listings per check; tolerances are about 4 standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from sim.classifier import ClassifierSpec, SimulatedClassifier
from sim.config_bounds import ConfigError, check_config

N = 20_000


def draws(spec: ClassifierSpec, n_categories: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    clf = SimulatedClassifier(spec, n_categories)
    true = rng.integers(n_categories, size=N)
    u = rng.random((3, N))
    labels, conf = clf.classify_many(true, *u)
    return true, labels, conf


@pytest.mark.parametrize("accuracy", [0.6, 0.85, 0.97])
def test_realised_accuracy_matches_the_configured_one(accuracy):
    true, labels, _ = draws(ClassifierSpec(accuracy=accuracy), 6)
    realised = (labels == true).mean()
    se = np.sqrt(accuracy * (1 - accuracy) / N)
    assert abs(realised - accuracy) < 4 * se + 0.005, realised


def test_wrong_labels_spread_evenly_over_the_other_categories():
    k = 5
    true, labels, _ = draws(ClassifierSpec(accuracy=0.5), k)
    wrong = labels != true
    confusion = np.zeros((k, k))
    np.add.at(confusion, (true[wrong], labels[wrong]), 1)
    assert np.all(np.diag(confusion) == 0)
    rows = confusion / confusion.sum(axis=1, keepdims=True)
    off = rows[~np.eye(k, dtype=bool)]
    assert np.allclose(off, 1 / (k - 1), atol=0.04), rows.round(3)


def reliability(true, labels, conf, bins=5):
    """(mean confidence, share right) per confidence quantile bin."""
    edges = np.quantile(conf, np.linspace(0, 1, bins + 1))
    which = np.clip(np.searchsorted(edges, conf, side="right") - 1, 0, bins - 1)
    right = labels == true
    return [(conf[which == b].mean(), right[which == b].mean()) for b in range(bins)]


def test_confidences_are_calibrated_at_temperature_one():
    for mean_conf, share_right in reliability(
        *draws(ClassifierSpec(accuracy=0.8, sharpness=4.0), 8)
    ):
        assert abs(mean_conf - share_right) < 0.03, (mean_conf, share_right)


def test_a_hot_temperature_makes_it_overconfident():
    spec = ClassifierSpec(accuracy=0.8, sharpness=4.0, temperature=2.0)
    bins = reliability(*draws(spec, 8))
    assert all(mean_conf > share_right for mean_conf, share_right in bins[:-1])
    assert np.mean([c for c, _ in bins]) > 0.85  # it claims more than its 0.8


def test_one_listing_at_a_time_gives_the_same_answers_as_many():
    spec = ClassifierSpec(accuracy=0.6)
    true, labels, conf = draws(spec, 4, seed=3)
    clf, u = SimulatedClassifier(spec, 4), np.random.default_rng(3)
    u.integers(4, size=N)  # the same stream as draws()
    uu = u.random((3, N))
    for i in range(50):
        assert clf.classify(int(true[i]), *uu[:, i]) == (labels[i], conf[i])


def test_a_bad_spec_is_a_config_error():
    with pytest.raises(ConfigError, match="accuracy"):
        check_config(ClassifierSpec(accuracy=1.5), "scenario.catalogue.mapping.model")
