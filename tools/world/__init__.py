"""The picture world: scenes, renderer, scene checker and conversation generator.

See tools/world/README.md and ../shared/docs/world.md.
"""

import os

# The checker's matrix products are small; multi-threaded OpenBLAS spins against other work on
# this 2-core machine and made parsing 15x slower. Effective only if numpy is not loaded yet.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
