"""``python -m cli``: the ``qa`` command."""

import sys

from cli.main import main

sys.exit(main())
