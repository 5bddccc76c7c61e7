import sys

from qobserve.cli import main

sys.exit(main())
