"""``python -m local.stack``: what ``make run`` runs."""

import sys

from local.stack.run import main

sys.exit(main())
