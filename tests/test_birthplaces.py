"""nlpcourse.birthplaces: the generated corpus (seeded, held-out people known only from
pretraining, name before place, skewed birthplaces), its CS224n files written and read back,
the span-corruption dataset, and the errors for bad sizes and bad files."""

from __future__ import annotations

import random
from collections import Counter

import pytest
import torch

from nlpcourse import birthplaces, gpt
from nlpcourse.gpt import MASK_CHAR, PAD_CHAR


@pytest.fixture(scope="module")
def corpus():
    return birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=0, n_bios=4)


def test_corpus_is_deterministic_and_seeded(corpus):
    again = birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=0, n_bios=4)
    assert again.pretrain == corpus.pretrain and again.finetune == corpus.finetune
    assert again.evaluate == corpus.evaluate
    other = birthplaces.generate(n_people=300, n_finetune=200, n_places=40, seed=1)
    assert other.pretrain != corpus.pretrain


def test_held_out_people_are_only_in_pretraining(corpus):
    assert len(corpus.finetune) == 200 and len(corpus.evaluate) == 100
    names = [p.name for p in corpus.people]
    assert len(set(names)) == len(names), "names must be unique"
    finetune_names = {n for n, _ in corpus.finetune}
    assert not finetune_names & {n for n, _ in corpus.evaluate}
    assert corpus.finetune + corpus.evaluate == [(p.name, p.place) for p in corpus.people]
    bios = "\n".join(corpus.pretrain)
    for name, place in corpus.evaluate:
        mine = [b for b in corpus.pretrain if name in b]
        assert len(mine) == 4 and all(place in b for b in mine), (name, place, mine)
        assert len(set(mine)) == 4, "each biography of a person is worded differently"
    assert all(name in bios for name in finetune_names)
    assert len(corpus.pretrain) == 4 * 300
    assert sorted(corpus.pretrain) == sorted(b for p in corpus.people for b in p.bios)


def test_every_biography_names_the_person_before_the_birthplace(corpus):
    """A left-to-right model learns name -> place only from text where the name comes first;
    the birthplace is named once, the other city is another one."""
    for p in corpus.people:
        assert len(p.bios) == 4
        for bio in p.bios:
            at = bio.index(p.name)
            assert p.place not in bio[:at] and bio.count(p.place) == 1, bio
            assert f"born in {p.place}" in bio


def test_birthplaces_are_skewed_but_not_trivial(corpus):
    counts = Counter(place for _, place in corpus.finetune + corpus.evaluate)
    top = max(counts.values()) / 300
    assert 0.03 < top < 0.2, top
    assert len(counts) > 20 and set(counts) <= set(birthplaces.PLACES[:40])


def test_the_exponent_sets_the_skew():
    def top_share(exponent):
        c = birthplaces.generate(n_people=600, n_finetune=300, n_places=20, exponent=exponent)
        return max(Counter(p.place for p in c.people).values()) / 600

    assert top_share(0.0) < 0.1 < 0.3 < top_share(2.0)  # uniform: 1/20; Zipf 2: ~61%
    assert birthplaces.place_weights(4, 2.0) == pytest.approx([1, 1 / 4, 1 / 9, 1 / 16])
    assert birthplaces.place_weights(3) == pytest.approx([1, 1 / 2, 1 / 3])


def test_most_frequent_place_is_the_finetuning_pairs_mode():
    c = birthplaces.Corpus(
        people=[], pretrain=[],
        finetune=[("a", "Oslo"), ("b", "Lima"), ("c", "Lima"), ("d", "Kyiv")],
        evaluate=[("e", "Oslo"), ("f", "Oslo")],  # held-out people do not count
    )  # fmt: skip
    assert c.most_frequent_place() == "Lima"


def test_with_article():
    assert [birthplaces.with_article(w) for w in ("engineer", "poet", "astronomer")] == [
        "an engineer",
        "a poet",
        "an astronomer",
    ]


def test_files_round_trip_in_cs224n_format(corpus, tmp_path):
    folder = birthplaces.write_files(corpus, tmp_path / "new" / "data")
    assert folder == tmp_path / "new" / "data"
    assert birthplaces.read_documents(folder / "wiki.txt") == corpus.pretrain
    assert birthplaces.read_pairs(folder / "birth_places_train.tsv") == corpus.finetune
    assert birthplaces.read_pairs(folder / "birth_dev.tsv") == corpus.evaluate
    first = (folder / "birth_dev.tsv").read_text(encoding="utf-8").splitlines()[0]
    assert first == "\t".join(corpus.evaluate[0])


def test_reading_skips_blank_lines_and_names_the_bad_line(tmp_path):
    (tmp_path / "wiki.txt").write_text("First doc.\n\n  \nSecond doc.\n", encoding="utf-8")
    assert birthplaces.read_documents(tmp_path / "wiki.txt") == ["First doc.", "Second doc."]
    (tmp_path / "ok.tsv").write_text("Ada Xu\tLima \n\n Bo Li\tOslo\n", encoding="utf-8")
    assert birthplaces.read_pairs(tmp_path / "ok.tsv") == [("Ada Xu", "Lima"), ("Bo Li", "Oslo")]
    (tmp_path / "bad.tsv").write_text("Ada Xu\tLima\nno tab here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad.tsv, line 2: .*'no tab here'.*tab-separated"):
        birthplaces.read_pairs(tmp_path / "bad.tsv")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(n_people=10, n_finetune=10), "0 < n_finetune < n_people"),
        (dict(n_people=10, n_finetune=0), "0 < n_finetune < n_people"),
        (dict(n_people=10**6, n_finetune=5), "unique names"),
        (dict(n_places=1), r"n_places must be in \[2, 60\]"),
        (dict(n_places=61), r"n_places must be in \[2, 60\]"),
        (dict(n_bios=0), r"n_bios must be in \[1, 5\]"),
        (dict(n_bios=9), r"n_bios must be in \[1, 5\]"),
    ],
)
def test_generate_rejects_bad_sizes(kwargs, message):
    with pytest.raises(ValueError, match=message):
        birthplaces.generate(**kwargs)


def test_span_corruption_dataset_checks_the_length():
    vocab = gpt.CharVocab.from_texts(["abcdef"])

    def good(doc, block_size, rng):
        return (doc[:4] + MASK_CHAR + MASK_CHAR).ljust(block_size + 1, PAD_CHAR)

    ds = birthplaces.SpanCorruptionDataset(["abcdef", "fed"], vocab, 10, good)
    assert len(ds) == 2
    x, y = ds[0]
    assert x.shape == y.shape == (10,) and torch.equal(x[1:], y[:-1])
    assert vocab.decode(x) == "abcd" + MASK_CHAR * 2 + PAD_CHAR * 4
    bad = birthplaces.SpanCorruptionDataset(["abcdef"], vocab, 10, lambda d, b, r: d)
    with pytest.raises(ValueError, match=r"returned 6 characters, expected block_size \+ 1 = 11"):
        bad[0]


def test_each_read_is_a_fresh_corruption_from_the_seeded_rng():
    vocab = gpt.CharVocab.from_texts(["abcdefgh"])

    def cut(doc, block_size, rng):  # keeps a random prefix
        return doc[: rng.randint(1, len(doc))].ljust(block_size + 1, PAD_CHAR)

    def reads(seed):
        ds = birthplaces.SpanCorruptionDataset(["abcdefgh"], vocab, 12, cut, seed=seed)
        assert isinstance(ds.rng, random.Random)
        return [vocab.decode(ds[0][0]) for _ in range(8)]

    first = reads(0)
    assert len(set(first)) > 1  # not one corruption cached per document
    assert reads(0) == first and reads(1) != first
