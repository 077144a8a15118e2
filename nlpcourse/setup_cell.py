"""The shared setup cell: what every notebook's first code cell calls.

``setup_notebook`` reports the runtime, checks for a GPU with advice that fits the runtime
(Colab's "Runtime > Change runtime type"), seeds every random generator, sets plot defaults,
fetches the assignment's fixture files where they are missing (Colab), and returns the device.
Under nbgrader (``NBGRADER_EXECUTION`` set) it prints nothing and does only the cheap parts.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import platform
import random
import sys

import numpy as np

from nlpcourse import config, settings

GPU_LEVELS = ("optional", "recommended", "required")


def on_colab() -> bool:
    """True inside a Google Colab runtime (its ``google.colab`` package is importable)."""
    if "google.colab" in sys.modules:
        return True
    try:
        return importlib.util.find_spec("google.colab") is not None
    except (ImportError, ValueError):
        return False


def grading() -> bool:
    """True while nbgrader executes the notebook (autograde, validate)."""
    return settings.grading()


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    try:
        import torch
    except ImportError:
        return
    torch.manual_seed(seed)


def pick_device():
    """cuda if a GPU is visible, then Apple's mps, else cpu ("cpu" as a str without torch)."""
    try:
        import torch
    except ImportError:
        return "cpu"
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def gpu_advice(level: str, colab: bool) -> str:
    """What a student on a CPU runtime should know, for a notebook's GPU level."""
    if level == "optional":
        return "No GPU: fine, everything in this notebook runs on a CPU."
    what = (
        "Training cells run scaled down on a CPU (the next line says what is smaller) and "
        "take longer."
        if level == "recommended"
        else "This notebook needs a GPU for its training cells; on a CPU they run a tiny "
        "version that shows the code works but not the results."
    )
    how = (
        "On Colab: Runtime > Change runtime type, pick a GPU (e.g. T4 GPU) as the hardware "
        "accelerator and save, then run this cell again."
        if colab
        else "Run it where a GPU is visible to PyTorch (e.g. Colab: open the notebook from the "
        "badge at the top, then Runtime > Change runtime type > GPU)."
    )
    return f"No GPU found. {what} {how}"


def _plot_defaults() -> None:
    try:
        import matplotlib
    except ImportError:
        return
    matplotlib.rcParams.update(
        {"figure.figsize": (6.4, 4.0), "figure.dpi": 100, "axes.grid": False}
    )


def setup_notebook(
    assignment: str,
    gpu: str = "optional",
    seed: int = 0,
    fetch: bool = True,
    cpu_note: str | None = None,
):
    """Prepare the runtime for ``assignment`` and return the torch device to use.

    gpu: "optional" (CPU is fine), "recommended" (CPU runs scaled down) or "required".
    cpu_note: what this notebook scales down without a GPU, printed on a CPU runtime.
    Never raises because there is no GPU.
    """
    if gpu not in GPU_LEVELS:
        raise ValueError(f"gpu must be one of {GPU_LEVELS}, got {gpu!r}")
    seed_everything(seed)
    _plot_defaults()
    device = pick_device()
    if grading():
        return device

    from nlpcourse import registry

    colab = on_colab()
    if fetch and colab:
        fetched = registry.fetch_fixtures(assignment, ".")
        if fetched:
            print(f"Fetched {len(fetched)} file(s) for {assignment}: {', '.join(fetched)}")
    missing = registry.missing_fixtures(assignment, ".")
    where = "Colab" if colab else platform.system()
    print(
        f"nlpcourse {_version('nlpcourse')} ({config.RELEASE_TAG}) · {assignment} "
        f"· Python {platform.python_version()} "
        f"· torch {_version('torch')} · transformers {_version('transformers')} "
        f"· numpy {np.__version__} · {where}"
    )
    dev_type = getattr(device, "type", str(device))
    if dev_type == "cuda":
        import torch

        print(f"Device: cuda ({torch.cuda.get_device_name(0)})")
    else:
        print(f"Device: {dev_type}. {gpu_advice(gpu, colab) if dev_type == 'cpu' else ''}".rstrip())
        if cpu_note and gpu != "optional":
            print(f"Without a GPU: {cpu_note}")
    print(f"Seeds set to {seed} (python, numpy, torch).")
    if missing:
        print(
            f"Missing next to this notebook: {', '.join(missing)}. Download the whole "
            f"release/{assignment}/ folder, or open the notebook on Colab, where this cell "
            "fetches them."
        )
    return device
