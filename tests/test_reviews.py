"""nlpcourse.reviews: a4's data. The offline set (seeded, labelled, the rates its docstring
states, polarity as one direction of the vectors), the online path on small stand-ins of nltk
and gensim that the test writes, the choice between them (offline switches, grading, a failed
download), the vectors table, and the tensors (padded ids, averages, embeddings) against plain
loops; with the errors for bad input."""

from __future__ import annotations

import io
import types
import warnings

import numpy as np
import pytest
import torch

from nlpcourse import reviews


@pytest.fixture(scope="module")
def offline():
    return reviews.generate_offline(seed=0)


def _units(tokens):
    """A review read back as (is sentiment, negated, expressed polarity) per drawn unit."""
    pos, out, i = set(reviews.POSITIVE), [], 0
    while i < len(tokens):
        negated = tokens[i] == reviews.NEGATION
        word = tokens[i + negated]
        lexical = 1 if word in pos else 0 if word in reviews.NEGATIVE else None
        if lexical is None:
            out.append((False, False, None))
        else:
            out.append((True, negated, 1 - lexical if negated else lexical))
        i += 1 + negated
    return out


def test_offline_set_is_deterministic_labelled_and_balanced(offline):
    again = reviews.generate_offline(seed=0)
    assert again.train.tokens == offline.train.tokens
    assert np.array_equal(again.dev.labels, offline.dev.labels)
    assert np.array_equal(again.embeddings.vectors, offline.embeddings.vectors)
    other = reviews.generate_offline(seed=1)
    assert other.train.tokens != offline.train.tokens
    assert offline.offline and reviews.OFFLINE_BANNER in offline.name and "seed 0" in offline.name
    assert "OFFLINE SET" in offline.describe().splitlines()[0]
    assert (len(offline.train), len(offline.dev)) == (3000, 1000)
    for split in (offline.train, offline.dev):
        assert split.labels.dtype == np.int64 and set(np.unique(split.labels)) == {0, 1}
        assert 0.4 < split.labels.mean() < 0.6
        assert all(6 <= len(s) <= 40 for s in split.tokens)
        assert all(s[-1] != reviews.NEGATION for s in split.tokens)
    emb = offline.embeddings
    assert emb.words[0] == reviews.PAD and not emb.vectors[0].any()
    assert emb.vectors.shape == (len(emb.words), reviews.DIM) and emb.vectors.dtype == np.float32
    assert all(w in emb.stoi for s in offline.train.tokens for w in s)
    sizes = reviews.generate_offline(seed=2, n_train=30, n_dev=10, n_neutral=50)
    assert (len(sizes.train), len(sizes.dev), len(sizes.embeddings)) == (30, 10, 2 + 50 + 50)


def test_offline_set_draws_at_the_rates_its_docstring_states(offline):
    """Sentiment words 30% of the draws, 80% of them expressing the review's label, 15% of
    them negated (a little less: a negation needs room for two tokens)."""
    units = [
        (u, y)
        for split in (offline.train, offline.dev)
        for s, y in zip(split.tokens, split.labels, strict=True)
        for u in _units(s)
    ]
    sentiment = [(u, y) for u, y in units if u[0]]
    assert len(sentiment) / len(units) == pytest.approx(0.3, abs=0.01)
    assert np.mean([u[2] == y for u, y in sentiment]) == pytest.approx(0.8, abs=0.01)
    assert 0.13 < np.mean([u[1] for u, _ in sentiment]) <= 0.155


def test_offline_vectors_carry_polarity_along_one_direction(offline):
    emb = offline.embeddings
    P = emb.vectors[[emb.stoi[w] for w in reviews.POSITIVE]]
    N = emb.vectors[[emb.stoi[w] for w in reviews.NEGATIVE]]
    neutral = emb.vectors[2 + len(P) + len(N) :]
    u = P.mean(0) - N.mean(0)
    u /= np.linalg.norm(u)
    agree = np.concatenate([P @ u > 0, N @ u < 0])
    assert agree.mean() > 0.9, agree.mean()  # the lexicon splits along u
    assert abs((neutral @ u).mean()) < 0.05  # neutral words do not lean either way
    assert (P @ u).mean() - (N @ u).mean() > 4 * neutral.std()


def test_offline_set_is_learnable_but_not_trivial(offline):
    """The summed polarity of the lexicon words predicts the label well, not perfectly."""
    pos, neg = set(reviews.POSITIVE), set(reviews.NEGATIVE)
    score = np.array([sum((w in pos) - (w in neg) for w in s) for s in offline.dev.tokens])
    acc = np.mean((score > 0) == (offline.dev.labels == 1))
    assert 0.7 < acc < 0.95, acc


def test_encode_matches_a_plain_loop_and_never_warns(offline):
    emb = offline.embeddings
    split = reviews.Split(
        [["good", "zzz-unknown", "the"], ["qqq"], ["bad"] * 70, ["not", "dull"]],
        np.array([1, 0, 0, 1]),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. "Creating a tensor from a list of numpy.ndarrays"
        enc = reviews.encode(split, emb, max_len=50)
    assert enc.dropped == 1  # "qqq" has no vector
    assert enc.ids.shape == (3, 50) and enc.ids.dtype == torch.int64
    assert enc.labels.tolist() == [1, 0, 1]
    rows = [["good", "the"], ["bad"] * 50, ["not", "dull"]]
    for i, words in enumerate(rows):
        n = len(words)
        assert enc.ids[i, :n].tolist() == [emb.stoi[w] for w in words]
        assert not enc.ids[i, n:].any()
        assert enc.mask[i].tolist() == [True] * n + [False] * (50 - n)
    short = reviews.encode(split, emb, max_len=3)  # T is the longest kept review
    assert short.ids.shape == (3, 3) and short.mask.sum(1).tolist() == [2, 3, 2]
    with pytest.raises(ValueError, match="max_len must be >= 1, got 0"):
        reviews.encode(split, emb, max_len=0)


def test_average_and_embed_ignore_padding(offline):
    emb = offline.embeddings
    enc = reviews.encode(offline.dev, emb, max_len=50)
    X = reviews.average(enc, emb)
    E = reviews.embed(enc, emb)
    assert X.shape == (len(offline.dev), reviews.DIM)
    assert E.shape == (*enc.ids.shape, reviews.DIM)
    assert not E[~enc.mask].any()
    for i in [0, 7, 123]:
        n = int(enc.mask[i].sum())
        want = emb.vectors[enc.ids[i, :n].numpy()].mean(0)
        assert np.allclose(X[i].numpy(), want, atol=1e-6)
        assert torch.allclose(E[i].sum(0) / n, X[i], atol=1e-5)


def test_average_by_hand():
    emb = reviews.Embeddings(
        [reviews.PAD, "a", "b"], np.array([[0, 0], [1, 2], [3, 6]], np.float32), "hand"
    )
    enc = reviews.encode(reviews.Split([["a", "b", "b"], ["b", "zz"]], np.array([0, 1])), emb)
    assert enc.ids.tolist() == [[1, 2, 2], [2, 0, 0]]
    want = torch.tensor([[7 / 3, 14 / 3], [3, 6]], dtype=torch.float32)
    torch.testing.assert_close(reviews.average(enc, emb), want)
    assert reviews.embed(enc, emb)[1].tolist() == [[3, 6], [0, 0], [0, 0]]


def test_embeddings_need_a_zero_pad_row():
    vec = np.zeros((2, 3), np.float32)
    assert reviews.Embeddings([reviews.PAD, "x"], vec, "ok").dim == 3
    with pytest.raises(ValueError, match="row 0 must be the <pad> token with a zero vector"):
        reviews.Embeddings(["x", reviews.PAD], vec, "swapped")
    vec[0, 1] = 0.5
    with pytest.raises(ValueError, match="row 0 must be the <pad> token with a zero vector"):
        reviews.Embeddings([reviews.PAD, "x"], vec, "nonzero")


def test_embeddings_for_keeps_the_known_words_of_the_data():
    kv = types.SimpleNamespace(
        key_to_index={"the": 0, "film": 1, "dull": 2, "fun": 3},
        vectors=np.arange(12, dtype=np.float64).reshape(4, 3),
    )
    emb = reviews.embeddings_for({"fun", "film", "xyzzy"}, kv, "toy")
    assert emb.words == [reviews.PAD, "film", "fun"] and emb.name == "toy"
    assert emb.vectors.dtype == np.float32
    assert emb.vectors.tolist() == [[0, 0, 0], [3, 4, 5], [9, 10, 11]]


def test_describe_counts_and_flags_the_offline_set():
    split = lambda labels: reviews.Split([["w"]] * len(labels), np.array(labels))  # noqa: E731
    emb = reviews.Embeddings([reviews.PAD, "w"], np.zeros((2, 4), np.float32), "toy vectors")
    data = reviews.ReviewData("toy", False, split([1, 0, 1]), split([0, 0]), emb)
    assert data.describe().splitlines() == [
        "Data: toy",
        "  train 3 reviews (2/3 positive), dev 2 reviews (0/2 positive)",
        "  vectors: toy vectors, 1 words x 4 dimensions",
    ]
    data.offline = True
    assert data.describe().startswith(f"*** {reviews.OFFLINE_BANNER}")


def test_split_is_seeded_and_disjoint():
    tokens = [[str(i)] for i in range(100)]
    labels = np.arange(100) % 2
    tr, dv = reviews.split_train_dev(tokens, labels, 0.2, seed=3)
    tr2, _ = reviews.split_train_dev(tokens, labels, 0.2, seed=3)
    tr3, _ = reviews.split_train_dev(tokens, labels, 0.2, seed=4)
    assert (len(tr), len(dv)) == (80, 20) and tr.tokens == tr2.tokens != tr3.tokens
    assert not {t[0] for t in tr.tokens} & {t[0] for t in dv.tokens}
    assert all(int(t[0]) % 2 == y for t, y in zip(dv.tokens, dv.labels, strict=True))
    for bad in (0.0, 1.0, 1.5):
        with pytest.raises(ValueError, match=f"dev_fraction must be in \\(0, 1\\), got {bad}"):
            reviews.split_train_dev(tokens, labels, bad, seed=0)


def _fake_online(monkeypatch):
    """nltk's sentence_polarity and gensim's downloader replaced by small in-memory stand-ins."""
    import gensim.downloader
    import nltk
    import nltk.corpus

    files = {  # one snippet per line, tokens separated by spaces, not all of it valid UTF-8
        "rt-polarity.neg": b"A Dull film .\nBoring !\n\nxyzzy caf\xe9\n",
        "rt-polarity.pos": b"A great film .\nGreat fun .\n",
    }
    pointer = lambda name: types.SimpleNamespace(open=lambda: io.BytesIO(files[name]))  # noqa: E731
    corpus = types.SimpleNamespace(abspath=pointer)
    monkeypatch.setattr(nltk.data, "find", lambda name: name)
    monkeypatch.setattr(nltk.corpus, "sentence_polarity", corpus, raising=False)
    words = ["the", "a", "film", ".", "dull", "boring", "!", "great", "fun"]
    kv = types.SimpleNamespace(
        key_to_index={w: i for i, w in enumerate(words)},
        vectors=np.arange(len(words) * 50, dtype=np.float64).reshape(len(words), 50),
    )
    calls = []
    monkeypatch.setattr(gensim.downloader, "load", lambda name: calls.append(name) or kv)
    return kv, calls


def test_online_path_with_stand_ins(monkeypatch):
    kv, calls = _fake_online(monkeypatch)
    data = reviews.load_online(seed=0, dev_fraction=0.4)
    assert calls == [reviews.GLOVE_NAME] and not data.offline
    assert "sentence polarity" in data.name and "OFFLINE" not in data.describe()
    assert len(data.train) + len(data.dev) == 5 and len(data.dev) == 2
    snippets = sorted(
        (" ".join(s), int(y))
        for split in (data.train, data.dev)
        for s, y in zip(split.tokens, split.labels, strict=True)
    )
    assert snippets == [
        ("a dull film .", 0), ("a great film .", 1), ("boring !", 0), ("great fun .", 1),
        ("xyzzy caf\ufffd", 0),  # the byte that is not UTF-8 is replaced, the line kept
    ]  # fmt: skip
    emb = data.embeddings
    assert emb.words[0] == reviews.PAD and "xyzzy" not in emb.stoi
    assert all(w == w.lower() for w in emb.words)  # tokens are lower-cased
    assert np.array_equal(emb.vectors[emb.stoi["great"]], kv.vectors[7].astype(np.float32))
    enc = reviews.encode(data.train, emb)
    assert enc.dropped + len(enc.labels) == len(data.train)


def test_online_path_downloads_the_polarity_data_once_and_says_when_it_fails(monkeypatch):
    import nltk

    _fake_online(monkeypatch)

    def missing(name):
        raise LookupError(name)

    asked = []
    monkeypatch.setattr(nltk.data, "find", missing)
    monkeypatch.setattr(nltk, "download", lambda *a, **k: asked.append((a, k)) or False)
    with pytest.raises(RuntimeError, match=r"nltk.download\('sentence_polarity'\) failed"):
        reviews.load_online()
    assert asked == [(("sentence_polarity",), dict(quiet=True, raise_on_error=True))]
    monkeypatch.setattr(nltk, "download", lambda *a, **k: True)
    assert len(reviews.load_online().train) == 4


@pytest.mark.parametrize(
    "var, value",
    [("NLPCOURSE_OFFLINE", "1"), ("HF_HUB_OFFLINE", "1"), ("TRANSFORMERS_OFFLINE", "yes"),
     ("NBGRADER_EXECUTION", "autograde")],
)  # fmt: skip
def test_auto_stays_offline_under_any_switch_and_under_grading(monkeypatch, var, value):
    for v in ("NLPCOURSE_OFFLINE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "NBGRADER_EXECUTION"):
        monkeypatch.delenv(v, raising=False)
    assert not reviews.offline_wanted()
    monkeypatch.setenv(var, value)
    assert reviews.offline_wanted()

    def no_download(seed=0):
        raise AssertionError("load() went online although offline is wanted")

    monkeypatch.setattr(reviews, "load_online", no_download)
    data = reviews.load(seed=3)
    assert data.offline and data.name.endswith("seed 3")


def test_load_chooses_offline_when_asked_or_when_the_download_fails(monkeypatch, capsys):
    monkeypatch.setenv("NLPCOURSE_OFFLINE", "1")
    assert reviews.load().offline
    sentinel = object()
    monkeypatch.setattr(reviews, "load_online", lambda seed=0: sentinel)
    assert reviews.load("online") is sentinel  # asked by name, online it is
    monkeypatch.delenv("NLPCOURSE_OFFLINE")
    for switch in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"):  # any one means offline
        monkeypatch.delenv(switch, raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    assert reviews.load("auto") is sentinel

    def fail(seed=0):
        raise OSError("no route to host")

    monkeypatch.setattr(reviews, "load_online", fail)
    assert reviews.load("auto").offline
    assert "(OSError: no route to host); using the offline set" in capsys.readouterr().out
    with pytest.raises(OSError):
        reviews.load("online")
    with pytest.raises(
        ValueError, match='source must be "auto", "online" or "offline", got \'web\''
    ):
        reviews.load("web")
