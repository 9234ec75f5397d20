"""`python -m py_core ...`: the command line (see py_core.cli)."""

import sys

from py_core.cli import main

sys.exit(main())
