"""Model cards: a README.md with Hugging Face YAML front matter, built from a model's spec."""

from __future__ import annotations

import numpy as np

from astrozoo import statistics
from astrozoo.datasets.base import EXTRA_TRAIN
from astrozoo.io.period_search import PERIOD_RANGE
from astrozoo.spec import ModelSpec


def model_card(model_spec: ModelSpec) -> str:
    """Renders a model card (Markdown with YAML front matter) from a spec.

    The card states the data, licence and citation, the splits, every measured
    metric with its confusion matrix, calibration, known limitations and a usage
    snippet. Nothing in it is typed by hand: it is all read from the spec.

    Example:
        >>> import astrozoo
        >>> model = astrozoo.builders.mlp(["g", "r"], class_names=["STAR", "QSO"])
        >>> print(model_card(astrozoo.spec(model).replace(name="demo")).splitlines()[1])
        library_name: keras
    """
    name = model_spec.name or "model"
    training = model_spec.training
    test = model_spec.metrics.get("test", {})
    tags = ("astronomy", "astrophysics", "astrozoo", model_spec.input.kind, model_spec.task)
    front = [
        "---",
        "library_name: keras",
        f"license: {_licence_id(model_spec.license)}",
        "tags:",
        *(f"- {tag}" for tag in tags),
    ]
    if training.get("data"):
        front += ["datasets:", f"- {training['data']}"]
    scalar = {k: v for k, v in test.items() if isinstance(v, int | float) and k != "n"}
    if scalar:
        front += [
            "model-index:",
            f"- name: {name}",
            "  results:",
            "  - task:",
            f"      type: {model_spec.task}",
            "    dataset:",
            f"      name: {training.get('data', 'unknown')} (test split)",
            f"      type: {training.get('data', 'unknown')}",
            "    metrics:",
            *(f"    - type: {k}\n      value: {v}" for k, v in scalar.items()),
        ]
    front.append("---")
    outputs = ", ".join(f"`{n}`" for n in model_spec.output_names)
    lines = [
        *front,
        "",
        f"# {name}",
        "",
        model_spec.description or "An astrozoo model.",
        "",
        "## Model",
        "",
        f"- Builder: {_describe_builder(model_spec)} ({model_spec.task}; outputs {outputs})",
        f"- Input: {_describe_input(model_spec)}",
        "- Preprocessing and training-only augmentation are layers inside the model.",
        *_period_search_lines(model_spec),
        *_calibration_lines(model_spec),
        "",
        "## Data",
        "",
        f"- Dataset: {training.get('data', 'not recorded')}",
        f"- Origin: {training.get('origin', 'not recorded')}",
        f"- Licence: {model_spec.license or 'not recorded'}",
        f"- Cite: {model_spec.citation or 'not recorded'}",
    ]
    if training.get("split_sizes"):
        sizes = ", ".join(
            f"{k} {v}" + (" (trained on with train, never scored)" if k == EXTRA_TRAIN else "")
            for k, v in training["split_sizes"].items()
        )
        lines.append(
            f"- Splits (seed {training.get('split_seed')}): {sizes}; the test split was scored once."
        )
    if training.get("command"):
        lines += ["", "Reproduce:", "", "```bash", training["command"], "```"]
    for part, values in model_spec.metrics.items():
        if isinstance(values, dict) and "n" in values:  # a split: validation, test, uncertain...
            lines += ["", f"## Metrics on the {part} split", "", *_metric_lines(values)]
    for label, values in model_spec.metrics.items():
        if isinstance(values, dict) and "test" in values and "n" not in values:  # a baseline
            lines += ["", f"## Baseline: {label.replace('_', ' ')} (same architecture and split)", ""]
            lines += [
                f"- {part}: " + _scalars(values[part]) for part in ("validation", "test") if part in values
            ]
    limitations = training.get("limitations") or []
    if limitations:
        lines += ["", "## Known limitations", "", *(f"- {item}" for item in limitations)]
    lines += [
        "",
        "## Use",
        "",
        "```python",
        "import astrozoo",
        "",
        f'model = astrozoo.load("{name}")',
        'table = astrozoo.predict(model, ["input_file_or_folder"])',
        "```",
        "",
        "```bash",
        f"astrozoo predict {name} INPUT... -o predictions.csv",
        "```",
        "",
    ]
    if name.startswith("hf://"):  # a Hub repo holds Keras's own folder: plain Keras loads it too
        lines += [
            "Keras loads it too (importing astrozoo registers its layers; safe mode stays on):",
            "",
            "```python",
            "import astrozoo, keras",
            "",
            f'model = keras.saving.load_model("{name}")',
            "```",
            "",
        ]
    return "\n".join(lines)


def _describe_builder(model_spec: ModelSpec) -> str:
    if model_spec.builder == "ensemble":
        arguments = model_spec.arguments
        return (
            f"`astrozoo.builders.ensemble`: the average of {arguments['members']} "
            f"`astrozoo.builders.{arguments['member_builder']}` models trained from different random "
            "initializations"
        )
    return f"`astrozoo.builders.{model_spec.builder}`"


def _period_search_lines(model_spec: ModelSpec) -> list[str]:
    search = model_spec.input.period_search
    if not search:
        return []
    shortest, longest = search.get("min_period", PERIOD_RANGE[0]), search.get("max_period", PERIOD_RANGE[1])
    line = (
        f"- Each light curve is folded at the period that `astrozoo.io.find_period` finds "
        f"between {shortest} and {longest} days"
    )
    prior = search.get("prior")
    if not prior:
        return [line + "."]
    classes = ", ".join(c["name"] for c in prior["classes"])
    return [
        line + f", its peaks ranked with a prior on {prior['band']}-band light-curve shape against period "
        f"({classes}; weight {prior['weight']}) learnt from the training stars (`astrozoo.io.period_prior`)."
    ]


def _calibration_lines(model_spec: ModelSpec) -> list[str]:
    temperature = model_spec.arguments.get("temperature", 1.0)
    if temperature == 1.0:
        return []
    return [
        f"- Probabilities are temperature-scaled (temperature {temperature:.3f}, fitted on the validation "
        "split by minimizing its log loss): the validation calibration error is measured on the data the "
        "temperature was fitted to, the test split's is independent of it."
    ]


def _describe_input(model_spec: ModelSpec) -> str:
    spec_in = model_spec.input
    parts = [spec_in.kind]
    if spec_in.columns:
        parts.append("columns " + ", ".join(spec_in.columns))
    if spec_in.bands:
        parts.append("bands " + ", ".join(spec_in.bands))
    if spec_in.units:
        parts.append(f"units {spec_in.units}")
    if spec_in.pixel_scale_arcsec:
        parts.append(f'{spec_in.pixel_scale_arcsec}"/pixel')
    if spec_in.field_of_view_arcsec:
        fov = spec_in.field_of_view_arcsec
        parts.append(f'field of view {fov:g}" (FITS inputs with a WCS are cut to it)')
    if spec_in.missing_value is not None:
        parts.append(f"{spec_in.missing_value} = missing")
    return "; ".join(parts)


def _metric_lines(metrics: dict) -> list[str]:
    lines = ["| metric | value |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in metrics.items() if not isinstance(v, dict)]
    if "confusion_matrix" in metrics and metrics["n"]:
        lines += ["", _accuracy_sentence(metrics)]
    if "nmad_interval" in metrics:
        lines += ["", _nmad_sentence(metrics)]
    if "f1" in metrics:
        lines += ["", "Per-class F1: " + ", ".join(f"{k} {v:.3f}" for k, v in metrics["f1"].items())]
        if "confusion_matrix" in metrics and metrics["n"]:
            lines[-1] += ". " + _macro_f1_sentence(metrics)
    matrix = metrics.get("confusion_matrix")
    if matrix:
        labels = matrix["labels"]
        lines += ["", "Confusion matrix (rows: true class, columns: predicted):", ""]
        lines += ["| true \\ predicted | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
        lines += [
            f"| {label} | " + " | ".join(map(str, row)) + " |"
            for label, row in zip(labels, matrix["counts"], strict=True)
        ]
    return lines


def _accuracy_sentence(metrics: dict) -> str:
    """How precisely ``n`` examples measure the accuracy, and how far it is from guessing."""
    correct, n = statistics.correct_count(metrics)
    low, high = statistics.accuracy_interval(metrics)
    chance, probability = statistics.chance_accuracy(metrics), statistics.chance_probability(metrics)
    return (
        f"Accuracy {correct}/{n}: 95% interval {low:.3f}-{high:.3f} (Wilson). Answers that ignore the "
        f"input, with the same class frequencies, score {chance:.3f} on average and "
        f"{correct}/{n} or better with probability {_probability(probability)}."
    )


def _probability(p: float) -> str:
    """A probability to two significant digits; one too small for a float reads "below 1e-300"."""
    return f"{p:.2g}" if p > 0 else "below 1e-300"


def _macro_f1_sentence(metrics: dict) -> str:
    """How precisely the examples measure the macro-F1, which its rarest classes dominate."""
    counts = np.asarray(metrics["confusion_matrix"]["counts"])
    if np.trace(counts) == counts.sum():
        return (
            f"Macro-F1 {metrics['macro_f1']:.3f}: every example is classified correctly, so resampling them "
            "cannot show its uncertainty; the accuracy's interval above can."
        )
    low, high = statistics.macro_f1_interval(metrics)
    per_class = counts.sum(axis=1)
    rarest = int(np.argmin(per_class))
    return (
        f"Macro-F1 {metrics['macro_f1']:.3f}: 95% interval {low:.3f}-{high:.3f} (bootstrap of the "
        f"{metrics['n']} examples, {statistics.BOOTSTRAP_RESAMPLES} resamples); its rarest class, "
        f"{metrics['confusion_matrix']['labels'][rarest]}, has {int(per_class[rarest])} examples here."
    )


def _nmad_sentence(metrics: dict) -> str:
    """How precisely ``n`` objects measure the NMAD."""
    interval = metrics["nmad_interval"]
    return (
        f"NMAD {metrics['nmad']:.4f} over {metrics['n']} objects: {interval['confidence']:.0%} interval "
        f"{interval['low']:.4f}-{interval['high']:.4f} (bootstrap, {interval['resamples']} resamples)."
    )


def _scalars(metrics: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in metrics.items() if not isinstance(v, dict))


def _licence_id(text: str | None) -> str:
    known = {"mit": "mit", "gpl-3.0": "gpl-3.0", "ncsa": "ncsa", "apache-2.0": "apache-2.0"}
    lowered = (text or "").lower()
    return next((v for k, v in known.items() if k in lowered), "other")
