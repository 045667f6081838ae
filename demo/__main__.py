"""`python -m demo`: seed the demo firm (see demo.firm.main)."""

import sys

from demo.firm import main

sys.exit(main())
