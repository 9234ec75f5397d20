#!/usr/bin/env python
"""Build a Pocket TTS model bundle for the browser. Run with --help for the options."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bundle.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
