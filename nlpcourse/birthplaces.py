"""A generated knowledge corpus of fictional people and their birthplaces (for a6).

CS224n's birthplace task uses Wikipedia biographies, which cannot be downloaded here, so this
module makes a corpus of the same shape, deterministically from a seed. Every person has a
unique made-up name and a real birthplace drawn from a skewed distribution (a few cities are
common, most are rare, as on Wikipedia). The data comes in three parts:

- ``pretrain``: ``n_bios`` short biographies per person, *everyone* included, each worded
  differently (one template each); each names the birthplace once, after the name, among other
  facts (a year, a profession, a second city). The name comes first because a left-to-right
  model only learns to predict what follows it: a "Born in Lima, X ..." wording teaches
  place -> name, which does not help to answer "Where was X born?" (measured: with one such
  template among five, held-out accuracy after finetuning fell from 24% to 17%). Several
  wordings of one fact are what lets a model *extract* it later from a question (Allen-Zhu &
  Li, "Physics of Language Models 3.1", 2023); with one biography per person a small model
  memorises the text but finetuning does not transfer;
- ``finetune``: ``(name, place)`` pairs for a subset of the people, to learn the question format;
- ``evaluate``: ``(name, place)`` pairs for the other people, whose birthplace appears only in
  their biography in ``pretrain``: a model answers these only if pretraining stored the fact.

:func:`write_files` writes the CS224n file formats (``wiki.txt``: one document per line;
``birth_places_train.tsv`` / ``birth_dev.tsv``: ``name<TAB>place``) and :func:`read_documents` /
:func:`read_pairs` read them, so the same code runs on the original public files too.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

PLACES = (
    "London Paris Lagos Lima Oslo Cairo Dublin Madrid Vienna Prague Lisbon Athens Nairobi "
    "Quito Seoul Manila Hanoi Dakar Accra Tunis Riga Sofia Zagreb Kyiv Minsk Baku Tbilisi "
    "Yerevan Kabul Dhaka Lahore Delhi Mumbai Chennai Osaka Kyoto Sapporo Perth Sydney "
    "Auckland Toronto Ottawa Boston Denver Austin Havana Bogota Caracas Santiago Rosario "
    "Montevideo Recife Belem Harare Lusaka Kampala Kigali Luanda Bamako Niamey"
).split()

FIRST_NAMES = (
    "Ada Alma Anton Aria Bela Boris Carla Cyrus Dalia Dario Edda Emil Esra Fela Gael Greta "
    "Hana Hugo Ines Ivo Jana Joel Kaia Kofi Lena Luca Mara Milo Nadia Nico Nora Omar Otto "
    "Paz Petra Quinn Rafa Rosa Sami Sela Tariq Tove Uma Umar Vera Viggo Wren Xena Yara Yuri "
    "Zane Zora Abel Beno Cleo Dina Elio Fern Gita Ilse"
).split()

LAST_NAMES = (
    "Abara Bellini Castro Dorsey Eklund Falk Galvez Haddad Ibsen Jovic Kamara Lindqvist "
    "Moreau Novak Okafor Pereira Quist Rahman Sato Tanaka Ueda Varga Weber Xu Yilmaz Zamora "
    "Achebe Brandt Cohen Duarte Engel Ferro Grieg Holm Iqbal Jansen Kovacs Lund Mensah Nagy "
    "Olsen Park Ruiz Soto Torres Urban Vidal Wolff Young Zhou Adler Baker Costa Dahl Evans "
    "Fuchs Gomez Horvat"
).split()

JOBS = (
    "painter poet chemist engineer violinist architect novelist botanist economist sculptor "
    "physician journalist historian pianist cartographer astronomer linguist photographer "
    "mathematician diplomat"
).split()

TEMPLATES = (
    "{name} was born in {place} in {year}. {he} worked as {job} in {other}.",
    "{name} was born in {place}. {he} was {job} who lived in {other}.",
    "{name} ({year}), born in {place}, was {job} in {other}.",
    "In {year}, {name} was born in {place}. {he} became {job} in {other}.",
    "{name}, born in {place}, is {job} living in {other}.",
)  # the name always comes before the place: a left-to-right model learns name -> place


@dataclass
class Person:
    name: str
    place: str
    bios: list  # n_bios biographies, each worded differently


@dataclass
class Corpus:
    people: list  # every Person, in generation order
    pretrain: list  # biographies of everyone, shuffled (str)
    finetune: list  # (name, place) pairs to finetune on
    evaluate: list  # (name, place) pairs of held-out people (biography in pretrain only)

    def most_frequent_place(self):
        """The birthplace that is most common among the finetuning pairs (the baseline)."""
        counts = {}
        for _, place in self.finetune:
            counts[place] = counts.get(place, 0) + 1
        return max(sorted(counts), key=counts.get)


def with_article(noun):
    """'an engineer', 'a poet'."""
    return ("an " if noun[0] in "aeiou" else "a ") + noun


def place_weights(n, exponent=1.0):
    """Zipf weights 1/rank**exponent for n places: a few common birthplaces, many rare ones."""
    return [1.0 / (rank**exponent) for rank in range(1, n + 1)]


def generate(n_people=240, n_finetune=150, n_places=60, seed=0, exponent=0.4, n_bios=4):
    """The corpus: ``n_people`` people, the first ``n_finetune`` for finetuning, the rest held out.

    Deterministic: the same arguments always give the same corpus.
    """
    if not 0 < n_finetune < n_people:
        raise ValueError(
            f"need 0 < n_finetune < n_people (some people to finetune on, some to evaluate), "
            f"got n_finetune={n_finetune}, n_people={n_people}"
        )
    if n_people > len(FIRST_NAMES) * len(LAST_NAMES):
        raise ValueError(
            f"at most {len(FIRST_NAMES) * len(LAST_NAMES)} unique names, asked for {n_people}"
        )
    if not 1 <= n_bios <= len(TEMPLATES):
        raise ValueError(f"n_bios must be in [1, {len(TEMPLATES)}], got {n_bios}")
    if not 2 <= n_places <= len(PLACES):
        raise ValueError(f"n_places must be in [2, {len(PLACES)}], got {n_places}")
    rng = random.Random(seed)
    places = list(PLACES[:n_places])
    rng.shuffle(places)  # which city is the common one depends on the seed
    weights = place_weights(n_places, exponent)
    names = [f"{first} {last}" for first in FIRST_NAMES for last in LAST_NAMES]
    rng.shuffle(names)
    people = []
    for name in names[:n_people]:
        place = rng.choices(places, weights)[0]
        facts = dict(
            name=name,
            place=place,
            other=rng.choice([p for p in places if p != place]),
            he=rng.choice(["He", "She"]),
            job=with_article(rng.choice(JOBS)),
            year=rng.randint(1850, 1990),
        )
        templates = rng.sample(TEMPLATES, n_bios)  # different wordings of the same facts
        people.append(Person(name, place, [t.format(**facts) for t in templates]))
    pretrain = [bio for p in people for bio in p.bios]
    rng.shuffle(pretrain)
    return Corpus(
        people=people,
        pretrain=pretrain,
        finetune=[(p.name, p.place) for p in people[:n_finetune]],
        evaluate=[(p.name, p.place) for p in people[n_finetune:]],
    )


def write_files(corpus, folder):
    """Write ``wiki.txt``, ``birth_places_train.tsv`` and ``birth_dev.tsv`` into ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "wiki.txt").write_text("\n".join(corpus.pretrain) + "\n", encoding="utf-8")
    for fname, pairs in [
        ("birth_places_train.tsv", corpus.finetune),
        ("birth_dev.tsv", corpus.evaluate),
    ]:
        (folder / fname).write_text("".join(f"{n}\t{p}\n" for n, p in pairs), encoding="utf-8")
    return folder


def read_documents(path):
    """One document per non-empty line (CS224n's ``wiki.txt``)."""
    return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]


def read_pairs(path):
    """``name<TAB>place`` lines -> [(name, place)] (CS224n's ``birth_*.tsv``)."""
    pairs = []
    for i, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            raise ValueError(
                f"{path}, line {i}: expected 'name<TAB>place', got {line!r}: fix the file or "
                "check that it is tab-separated"
            )
        pairs.append((parts[0].strip(), parts[1].strip()))
    return pairs


class SpanCorruptionDataset:
    """Pretraining examples: ``corrupt(document, block_size, rng)`` gives a string of
    ``block_size + 1`` characters; the example is (its first block_size ids, its last
    block_size ids). A fresh corruption each time an item is read, from a seeded rng."""

    def __init__(self, documents, vocab, block_size, corrupt, seed=0):
        self.documents = list(documents)
        self.vocab = vocab
        self.block_size = block_size
        self.corrupt = corrupt
        self.rng = random.Random(seed)

    def __len__(self):
        return len(self.documents)

    def __getitem__(self, i):
        s = self.corrupt(self.documents[i], self.block_size, self.rng)
        if len(s) != self.block_size + 1:
            raise ValueError(
                f"the corruption returned {len(s)} characters, expected block_size + 1 = "
                f"{self.block_size + 1}: pad it with PAD_CHAR"
            )
        ids = self.vocab.encode(s)  # (block_size + 1,)
        return ids[:-1], ids[1:]
