"""``python -m flowsim.cli``: the same as the ``flowsim`` command."""

import sys

from flowsim.cli import main

sys.exit(main())
