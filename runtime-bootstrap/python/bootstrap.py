"""emu's Python runtime, started as `python3.X -u bootstrap.py`. The runtime itself is the module
emu_runtime: a script's bytecode is never cached, an imported module's is (PYTHONPYCACHEPREFIX)."""

import emu_runtime

emu_runtime.main()
