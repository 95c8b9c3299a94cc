import sys

from competition.cli import main

sys.exit(main())
