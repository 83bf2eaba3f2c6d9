from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

try:
    from hypothesis import HealthCheck, settings
except ImportError:  # the base-install run of tests/test_cli_errors.py: no test extras there
    settings = None

# Models and caches go to a throwaway home, never the user's.
os.environ.setdefault("MTCLEAN_HOME", tempfile.mkdtemp(prefix="mtclean-test-home-"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("MTCLEAN_SHARED_DATA", ROOT.parent / "shared" / "data"))
SEED = ROOT / "seeds" / "coalition-of-the-willing-el-en.txt"

# Derandomized so CI is reproducible; a failing example is still shrunk and printed.
if settings is not None:
    settings.register_profile("ci", derandomize=True, deadline=None, max_examples=200,
                              suppress_health_check=[HealthCheck.too_slow])
    settings.register_profile("dev", deadline=None, max_examples=100)
    settings.load_profile("ci" if os.environ.get("CI") else "dev")


def shared_data(*parts: str) -> Path:
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared data not available: {'/'.join(parts)}")
    return path


@pytest.fixture
def seed_text() -> str:
    return SEED.read_text(encoding="utf-8")
