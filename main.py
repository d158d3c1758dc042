"""``python main.py`` launches the rnnsim window with the default experiment."""

import sys

from rnnsim.launch import main

if __name__ == "__main__":
    sys.exit(main())
