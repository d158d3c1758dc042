import sys

from rnnsim.launch import main

sys.exit(main())
