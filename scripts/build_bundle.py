#!/usr/bin/env python
"""Build a Pocket TTS model bundle for the browser. Run with --help for the options."""

import sys

from bundle.build import main  # the repository's `pip install -e .` makes bundle/ importable

if __name__ == "__main__":
    sys.exit(main())
