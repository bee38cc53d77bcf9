"""Make `import scheduler` work before the package is installed (harmless once it is)."""

import sys
from pathlib import Path

try:
    import scheduler  # noqa: F401
except ImportError:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
