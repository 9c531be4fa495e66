"""The README's walkthrough, run as written and in order, as a newcomer runs it.

The test stands in for `make run` (a fresh vaultlink on free ports, its data directory handed to the commands as
VAULTLINK_DATA_DIR, which every `vaultlink` command reads like --data-dir) and then plays the second shell: one
bash process at the top of the checkout, with a PATH on which neither vaultlink nor az is found until the
README's own activation line, a HOME of its own (so a step that wrote to ~/.azure would show), and `set -eu`,
so a failing command fails the test with the block it came from. There is no `pipefail`, as in an interactive
shell: a pipeline succeeds when its last command does (`az ... 2>&1 | grep REFUSAL` shows a refusal).

What runs, from README.md and every Markdown page it links with a relative link:
- each ```sh block, as it is;
- each ```python block, as `python -` in the same shell (as if saved and run with the shell's python);
- blocks in other languages are not run.
A block is left out by an HTML comment on the line just before its opening fence, invisible on the rendered page:
- `<!-- readme-test: skip (REASON) -->`: not run (e.g. `make run`, which stays in the foreground);
- `<!-- readme-test: file PATH -->`: not run, but it must be exactly the file PATH (the plugin's example test,
  which the suite runs itself).
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.vaultlink_process import start

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```(\w*)\s*$")
MARKER = re.compile(r"^<!--\s*readme-test:\s*(skip|file)\b\s*(.*?)\s*-->\s*$")
LINK = re.compile(r"\]\((?!https?:|#|mailto:)([^)#\s]+\.md)(?:#[^)]*)?\)")
RUN_TIMEOUT = 600


@dataclass(frozen=True)
class Block:
    page: Path
    line: int
    language: str
    text: str
    marker: tuple[str, str] | None

    @property
    def where(self) -> str:
        return f"{self.page.relative_to(ROOT)} line {self.line}"


def blocks(page: Path) -> list[Block]:
    found: list[Block] = []
    lines = page.read_text().splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        marked = MARKER.match(lines[i - 1]) if i else None
        end = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("```"))
        found.append(Block(page, i + 1, opened.group(1), "\n".join(lines[i + 1:end]) + "\n",
                           (marked.group(1), marked.group(2)) if marked else None))
        i = end + 1
    return found


def pages(start_page: Path) -> list[Path]:
    """The page and the Markdown pages it links (relative links), each once, in the order they are linked."""
    order, queue = [], [start_page]
    while queue:
        page = queue.pop(0).resolve()
        if page in order or not page.exists():
            continue
        order.append(page)
        queue += [page.parent / link for link in LINK.findall(page.read_text())]
    return order


def script(all_blocks: list[Block]) -> str:
    parts = ["set -eu"]
    for n, block in enumerate(all_blocks):
        if block.marker is not None or block.language not in ("sh", "bash", "python"):
            continue
        parts.append(f"echo '### readme block {n}: {block.where}'")
        if block.language == "python":
            parts.append(f"python - <<'README_PYTHON'\n{block.text}README_PYTHON")
        else:
            parts.append(block.text)
    return "\n".join(parts) + "\n"


README_BLOCKS = [b for page in pages(ROOT / "README.md") for b in blocks(page)]


def test_the_quick_start_is_exactly_make_run_and_make_test() -> None:
    text = (ROOT / "README.md").read_text()
    quick = text[text.index("## Quick start"):]
    first = next(b for b in README_BLOCKS if b.page.name == "README.md" and b.line > text[:text.index(quick)].count("\n"))
    commands = [line.split("#")[0].strip() for line in first.text.splitlines() if line.split("#")[0].strip()]
    assert commands == ["make run", "make test"]


def test_marked_file_blocks_are_those_files() -> None:
    marked = [b for b in README_BLOCKS if b.marker and b.marker[0] == "file"]
    assert marked, "the README shows the plugin's example test file"
    for block in marked:
        assert block.text == (ROOT / block.marker[1]).read_text(), f"{block.where} differs from {block.marker[1]}"
    for block in README_BLOCKS:
        if block.marker and block.marker[0] == "skip":
            assert block.marker[1], f"{block.where}: a skipped block says why"


def test_every_block_runs_in_order_against_a_fresh_vaultlink(tmp_path: Path) -> None:
    if not (ROOT / ".venv" / "bin" / "activate").exists() or not (ROOT / ".venv" / "bin" / "az").exists():
        pytest.fail("the README's activation line needs .venv with az reachable in it: `make test` (or `make run`) "
                    "makes both")
    server = start(tmp_path / "data")
    home = tmp_path / "home"
    home.mkdir()
    system_path = os.pathsep.join(d for d in ("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin",
                                              "/bin") if Path(d).is_dir())
    env = {"PATH": system_path, "HOME": str(home), "LANG": "C.UTF-8", "VAULTLINK_DATA_DIR": str(server.data_dir),
           "TERM": "dumb"}
    # after the README, the shell says where its commands come from: the activation line's .venv
    where = "echo '### where'; command -v vaultlink az python\n"
    try:
        out = subprocess.run(["bash", "-c", script(README_BLOCKS) + where], cwd=ROOT, env=env, capture_output=True,
                             text=True, timeout=RUN_TIMEOUT, check=False)
    finally:
        server.stop()
    ran = re.findall(r"^### readme block \d+: (.*)$", out.stdout, re.MULTILINE)
    assert out.returncode == 0, (f"the README failed at {ran[-1] if ran else 'its first block'} (exit "
                                 f"{out.returncode}):\n--- stdout\n{out.stdout[-6000:]}\n--- stderr\n{out.stderr[-6000:]}")
    runnable = [b for b in README_BLOCKS if b.marker is None and b.language in ("sh", "bash", "python")]
    assert len(ran) == len(runnable)
    assert out.stdout.split("### where\n")[1].split() == [str(ROOT / ".venv" / "bin" / c) for c in ("vaultlink", "az", "python")]
    assert not (home / ".azure").exists()  # az ran in the data directory's profile only
    assert "read back: s3cret" in out.stdout
    assert "Address: 10.1.0.4" in out.stdout  # inside the network: the private endpoint
    assert "Public network access is disabled" in out.stdout  # outside: refused
    assert "refused (ForbiddenByConnection)" in out.stdout  # and vaultlink why says why
