"""The README stays a short product page whose links all lead somewhere."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_is_short():
    lines = README.count("\n")
    assert lines <= 200, f"README.md has {lines} lines; expected at most 200 (reference belongs in docs/)"


def test_readme_relative_links_exist():
    targets = re.findall(r"\]\((?!https?://|#)([^)\s]+)\)", README)
    assert targets, "expected the README to link to the docs and the model cards"
    missing = [t for t in targets if not (ROOT / t.split("#")[0]).exists()]
    assert not missing, f"README links to files that do not exist: {missing}"


def test_readme_links_every_zoo_card():
    cards = {p.parent.name for p in (ROOT / "astrozoo" / "weights").glob("*/README.md")}
    linked = set(re.findall(r"\(astrozoo/weights/([\w-]+)/README\.md\)", README))
    assert linked == cards, f"README links the cards of {sorted(linked)}; the zoo has {sorted(cards)}"


def test_readme_install_and_test_commands_are_the_ones_ci_runs():
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '```bash\npip install -e ".[dev]"\npytest\n```' in README
    assert 'pip install -e ".[dev]"' in ci
    assert "\npytest\n" in ci
