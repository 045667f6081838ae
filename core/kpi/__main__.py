"""`python -m core.kpi`: the KPI engine on CSV files (see core.kpi.engine.main)."""

import sys

from core.kpi.engine import main

sys.exit(main())
