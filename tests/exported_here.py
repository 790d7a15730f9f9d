"""Exported scripts run in this interpreter (PyTorch is already imported here; a fresh one pays
seconds of CPU to import it again), each as __main__ in a fresh namespace, importing only the
standard library, NumPy and PyTorch: an import of anything else from a script (the project's
`app`, `tests`, `bench`, or any other package) fails as it would where only NumPy and PyTorch
are installed. That each kind of script also runs as `python script.py` in a clean interpreter
is tests/engine/test_export.py's (run_alone, run_all)."""

from __future__ import annotations

import builtins
import contextlib
import io
import runpy
import sys
import warnings

from app.engine.export import parse_output

ALLOWED = {"numpy", "torch", *sys.stdlib_module_names}


def run_here(scripts: list[str], tmp_path) -> list[dict]:
    """Each script written to a file and run as __main__; what each printed, parsed."""
    outs = []
    for k, text in enumerate(scripts):
        path = tmp_path / f"exported_{k}.py"
        path.write_text(text)
        outs.append(parse_output(_run(str(path))))
    return outs


def _run(path: str) -> str:
    real_import = builtins.__import__

    def guarded(name, globals=None, locals=None, fromlist=(), level=0):
        # only the script's own imports: NumPy's and PyTorch's inside them are theirs
        if globals is not None and globals.get("__file__") == path:
            top = name.partition(".")[0]
            if level or top not in ALLOWED:
                raise ImportError(f"an exported script imports {name!r}: not NumPy or PyTorch")
        return real_import(name, globals, locals, fromlist, level)

    torch = sys.modules.get("torch")
    dtype = torch.get_default_dtype() if torch else None  # float32 where torch isn't loaded yet
    buf = io.StringIO()
    builtins.__import__ = guarded
    try:
        # as in a fresh interpreter run with PYTHONWARNINGS=ignore (run_all's)
        with warnings.catch_warnings(), contextlib.redirect_stdout(buf):
            warnings.simplefilter("ignore")
            runpy.run_path(path, run_name="__main__")
    finally:
        builtins.__import__ = real_import
        torch = sys.modules.get("torch")
        if torch is not None:  # the torch scripts set float64 as the default: not for us
            torch.set_default_dtype(dtype or torch.float32)
    return buf.getvalue()
