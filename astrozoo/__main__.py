"""``python -m astrozoo`` runs the command line."""

import sys

from astrozoo.cli import main

sys.exit(main())
