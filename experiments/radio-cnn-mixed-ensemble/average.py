"""Averages the held-out probabilities of several networks' `astrozoo cv --predictions` tables.

Usage: python average.py TABLE.csv [TABLE.csv ...]

Tables in one folder are one network (its folds, run separately or together); each folder's
network must hold out the same sources in the same folds as the others. Prints each network's
and the average's accuracy per fold and pooled, with the pooled 95% interval.
"""

import sys
from collections import defaultdict
from pathlib import Path

import numpy as np
from astropy.table import Table, vstack

from astrozoo.training.fold_pooling import held_out_from_table
from astrozoo.training.metrics import accuracy_interval, classification_report, correct_count

CLASSES = ["FRI", "FRII"]


def read_network(paths):
    """One network's held-out predictions, sorted by source."""
    table = vstack([Table.read(path, format="ascii.csv") for path in paths])
    held = held_out_from_table(table, CLASSES, source=", ".join(map(str, paths)))
    order = np.argsort(held["ids"])
    return {key: value[order] for key, value in held.items()}


def scores(probabilities, truth, fold):
    """Accuracy on each fold and pooled, with the pooled report."""
    right = probabilities.argmax(1) == truth
    per_fold = [float(np.mean(right[fold == k])) for k in np.unique(fold)]
    return per_fold, classification_report(probabilities, truth, CLASSES)


def main(paths):
    folders = defaultdict(list)
    for path in map(Path, paths):
        folders[path.parent.resolve().name].append(path)
    networks = {name: read_network(files) for name, files in folders.items()}
    first = next(iter(networks.values()))
    for name, held in networks.items():
        for key in ("ids", "fold", "true"):
            if not np.array_equal(held[key], first[key]):
                raise SystemExit(f"{name}: its held-out {key} differ from the first network's.")
    rows = {name: held["predicted"] for name, held in networks.items()}
    rows["average"] = np.mean(list(rows.values()), axis=0)
    for name, probabilities in rows.items():
        per_fold, report = scores(probabilities, first["true"], first["fold"])
        low, high = accuracy_interval(report)
        correct, n = correct_count(report)
        folds = " / ".join(f"{score:.3f}" for score in per_fold)
        print(f"{name}: {folds}; pooled {correct}/{n} = {report['accuracy']:.3f} "
              f"(95% {low:.3f}-{high:.3f}), macro-F1 {report['macro_f1']:.3f}")


if __name__ == "__main__":
    main(sys.argv[1:])
