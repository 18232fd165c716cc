"""``python -m wiringup.report.scorecard``: the scorecard's command line (:mod:`wiringup.report.scorecard.cli`)."""
import sys

from wiringup.report.scorecard.cli import main

sys.exit(main())
