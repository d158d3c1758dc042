import sys

from rnnsim.cli import main

sys.exit(main())
