"""``python -m wiringup.tables.authors``: the importer's command line (:mod:`wiringup.tables.authors.cli`)."""
import sys

from wiringup.tables.authors.cli import main

sys.exit(main())
