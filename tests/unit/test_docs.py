"""The README is a guide a newcomer can read, and every relative link in it and in docs/ leads
somewhere: a file that exists and, where the link names one, a heading in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
GUIDES = sorted([REPO / "README.md", *(REPO / "docs").rglob("*.md")])


def _anchor(heading: str) -> str:
    """GitHub's id for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def _anchors(path: Path) -> set[str]:
    out, fenced = set(), False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and (m := re.match(r"^#{1,6} (.+)$", line)):
            out.add(_anchor(m.group(1)))
    return out


def _links(path: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", path.read_text(encoding="utf-8"), flags=re.S)
    return [t for t in LINK.findall(text) if not re.match(r"^[a-z]+:", t)]


@pytest.mark.parametrize("guide", GUIDES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_relative_link_leads_somewhere(guide: Path) -> None:
    broken = []
    for target in _links(guide):
        file, _, anchor = target.partition("#")
        dest = (guide.parent / file).resolve() if file else guide
        if not dest.exists():
            broken.append(f"{target}: no such file")
        elif anchor and dest.suffix == ".md" and anchor not in _anchors(dest):
            broken.append(f"{target}: no heading #{anchor} in {dest.name}")
    assert not broken, f"{guide.relative_to(REPO)}: " + "; ".join(broken)


def test_the_readme_is_a_guide_that_links_every_service_guide() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(readme.splitlines()) <= 300, "the README is a guide: details go into docs/"
    for command in ("make dev", "make test"):
        assert command in readme
    linked = {Path(t.partition("#")[0]).name for t in _links(REPO / "README.md")}
    for guide in ("messaging.md", "approvals.md", "scheduling.md", "deploy.md", "quality-gates.md"):
        assert guide in linked, f"the README does not link docs/{guide}"


def test_a_broken_link_is_caught(tmp_path: Path) -> None:
    """The check itself: a link to a missing file or heading is reported."""
    (tmp_path / "a.md").write_text("# Title\n\n[ok](#title) [gone](b.md) [no](#nowhere)\n")
    links = _links(tmp_path / "a.md")
    assert links == ["#title", "b.md", "#nowhere"]
    assert "title" in _anchors(tmp_path / "a.md") and "nowhere" not in _anchors(tmp_path / "a.md")


def test_the_partner_guide_lists_every_scope_a_hospital_can_consent_to() -> None:
    """A hospital admin and a partner read what each scope opens in the guide: a scope added to the
    catalogue (shared/scopes.py) without its row there fails here."""
    from shared.scopes import SCOPES

    guide = (REPO / "docs" / "marketplace.md").read_text(encoding="utf-8")
    missing = [name for name, scope in SCOPES.items() if f"`{name}`" not in guide or scope.label not in guide]
    assert not missing, f"add these scopes (name and label) to docs/marketplace.md: {missing}"
