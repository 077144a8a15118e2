"""nlpcourse.hub: the model resolver's rule, and the seeded offline DistilBERT it builds."""

from __future__ import annotations

import numpy as np
import pytest

from nlpcourse import hub, registry

SENTENCE = "The quick brown fox jumps over the lazy dog"
#: bert-base-uncased's ids for SENTENCE (the same on the hub model).
SENTENCE_IDS = [101, 1996, 4248, 2829, 4419, 14523, 2058, 1996, 13971, 3899, 102]


@pytest.fixture
def clean_env(monkeypatch):
    for var in (
        "NLPCOURSE_MODEL_DIR",
        "NLPCOURSE_OFFLINE",
        "HF_HUB_OFFLINE",
        "TRANSFORMERS_OFFLINE",
    ):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setattr(hub, "_in_hf_cache", lambda name: False)
    monkeypatch.setattr(hub, "seeded_checkpoint", lambda name: f"SEEDED:{name}")
    return monkeypatch


def test_vocab_is_bert_base_uncased():
    path = hub.check_vocab()
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 30522
    assert registry.sha256(path) == hub.VOCAB_SHA256
    assert lines[101] == "[CLS]" and lines[102] == "[SEP]"


def test_online_resolves_to_the_hub_id(clean_env):
    clean_env.setattr(hub, "hub_reachable", lambda timeout=3.0: True)
    assert hub.resolve("distilbert-base-uncased") == "distilbert-base-uncased"


@pytest.mark.parametrize("var", ["HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"])
def test_offline_env_resolves_to_the_seeded_checkpoint(clean_env, var):
    clean_env.setattr(hub, "hub_reachable", lambda timeout=3.0: True)
    clean_env.setenv(var, "1")
    assert hub.resolve("distilbert-base-uncased") == "SEEDED:distilbert-base-uncased"


def test_unreachable_hub_resolves_to_the_seeded_checkpoint(clean_env):
    clean_env.setattr(hub, "hub_reachable", lambda timeout=3.0: False)
    assert hub.resolve() == "SEEDED:distilbert-base-uncased"


def test_hf_cache_hit_is_used_offline(clean_env):
    clean_env.setenv("HF_HUB_OFFLINE", "1")
    clean_env.setattr(hub, "_in_hf_cache", lambda name: True)
    assert hub.resolve() == "distilbert-base-uncased"


def test_model_dir_forces_local_and_a_placed_folder_wins(clean_env, tmp_path):
    clean_env.setattr(hub, "hub_reachable", lambda timeout=3.0: True)
    clean_env.setenv("NLPCOURSE_MODEL_DIR", str(tmp_path))
    assert hub.resolve() == "SEEDED:distilbert-base-uncased"
    placed = tmp_path / "distilbert-base-uncased"
    placed.mkdir()
    (placed / "config.json").write_text("{}")
    assert hub.resolve() == str(placed)


def test_unknown_model_offline_says_how_to_provide_it(tmp_path):
    with pytest.raises(hub.ModelError, match="no local stand-in.*Put a checkpoint folder"):
        hub.build_seeded("bert-large-cased", tmp_path)


def test_seeded_values_depend_only_on_the_key():
    a = hub._seeded_tensor("transformer.layer.5.attention.q_lin.weight", (4, 3))
    b = hub._seeded_tensor("transformer.layer.5.attention.q_lin.weight", (4, 3))
    c = hub._seeded_tensor("transformer.layer.5.attention.k_lin.weight", (4, 3))
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)
    assert a.dtype == np.float32
    np.testing.assert_array_equal(hub._seeded_tensor("x.LayerNorm.weight", (3,)), np.ones(3))


@pytest.mark.slow
def test_seeded_distilbert_tokenizes_truly_and_returns_attentions(monkeypatch, capsys):
    """The real loading path on the cached seeded checkpoint (built on first use)."""
    import torch

    monkeypatch.delenv("NLPCOURSE_MODEL_DIR", raising=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(hub, "_announced", set())
    tok = hub.load_tokenizer()
    model = hub.load_model()
    assert "offline" in capsys.readouterr().out
    batch = tok(SENTENCE, return_tensors="pt")
    assert batch["input_ids"][0].tolist() == SENTENCE_IDS
    assert len(tok) == 30522
    with torch.no_grad():
        out = model(**batch, output_hidden_states=True, output_attentions=True)
    assert type(model).__name__ == "DistilBertModel"
    assert len(out.hidden_states) == 7 and len(out.attentions) == 6
    A = out.attentions[5][0]  # (12, T, T)
    assert A.shape == (12, 11, 11)
    torch.testing.assert_close(A.sum(-1), torch.ones(12, 11))
    # seeded weights are peaked, not uniform (the heatmap shows structure)
    assert A.max() > 0.5
