"""The rooms keep their dependency direction (DESIGN.md): checked by import-linter's contracts in pyproject."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold() -> None:
    lint = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert lint, "import-linter is part of the test dependencies"
    result = subprocess.run([lint, str(ROOT / "pyproject.toml")], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" not in result.stdout.lower().replace("0 broken", "")


def test_every_room_states_its_contract() -> None:
    rooms = ["core", "store", "identity", "network", "arm", "vault", "dns", "edge", "diagnose", "portal", "cli", "runtime"]
    for room in rooms:
        init = ROOT / "src" / "vaultlink" / room / "__init__.py"
        assert init.exists(), f"{room} has no package"
        text = init.read_text()
        assert text.lstrip().startswith('"""') and "May import" in text, f"{room}/__init__.py must state its contract"
