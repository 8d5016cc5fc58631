"""One function per user-facing operation, shared by the CLI and the GUI (which runs them as jobs).

Why a layer of its own: the GUI's "Evaluate" button and ``tinyml-studio evaluate`` must give the same number, so
both call the same function here; the functions take plain, picklable arguments (model specs, not live objects)
so a subprocess or a cluster worker can run them too.
"""
