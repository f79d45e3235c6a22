"""Read evaluation inputs (JSONL question sets, BEIR folders, SQuAD files) and write their corpora as files."""
from __future__ import annotations

import csv
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BenchmarkError

_UNSAFE = re.compile(r"[^\w.\-]")


@dataclass(frozen=True)
class Question:
    """One evaluation question: the documents that answer it (doc_id -> grade), none when unanswerable."""

    qid: str
    text: str
    relevant: dict[str, int]
    must: str | None = None  # a phrase the excerpt from the right document must contain
    answers: tuple[str, ...] = ()  # SQuAD gold answer texts
    answerable: bool = True
    fact: str | None = None  # the shortest verbatim span that is the asked-for fact (held-out set)
    kind: str | None = None  # what the question asks (who, byline, misspelled...) or a dialogue turn's role
    same_as: str | None = None  # a misspelled question: the same question spelled right


@dataclass(frozen=True)
class Dialogue:
    """A conversation: questions asked in turn, each with its own gold; later ones lean on earlier ones."""

    name: str
    turns: tuple[Question, ...]


@dataclass
class Benchmark:
    """Questions plus, for BEIR and SQuAD, the corpus they are asked against (doc_id -> text)."""

    name: str
    kind: str  # jsonl | beir | squad
    questions: list[Question]
    corpus: dict[str, str] | None = None
    titles: dict[str, str] = field(default_factory=dict)
    extra: list[Question] = field(default_factory=list)  # from further JSONL inputs, never subsampled
    dialogues: list[Dialogue] = field(default_factory=list)  # from JSONL inputs whose rows have `turns`


def load_benchmark(paths: list[Path], split: str = "test") -> Benchmark:
    """Recognise the input by its shape: a BEIR folder, a SQuAD .json file, or JSONL question sets."""
    paths = [Path(p) for p in paths]
    for p in paths:
        if not p.exists():
            raise BenchmarkError(f"evaluation input not found: {p}")
    first, extra = paths[0], paths[1:]
    if any(p.is_dir() or p.suffix.lower() == ".json" for p in extra):
        raise BenchmarkError("only the first input may be a BEIR folder or a SQuAD file; the rest must be JSONL")
    if first.is_dir():
        bench = load_beir(first, split)
    elif first.suffix.lower() == ".json":
        bench = load_squad(first)
    elif is_dialogue_file(first):
        bench = Benchmark(first.stem, "jsonl", [], dialogues=load_dialogues(first))
    else:
        bench = Benchmark(first.stem, "jsonl", load_jsonl(first))
    for p in extra:  # e.g. off-topic questions, or dialogues, asked of the same corpus
        if is_dialogue_file(p):
            bench.dialogues.extend(load_dialogues(p))
        else:
            bench.extra.extend(load_jsonl(p))
        bench.name += f"+{p.stem}"
    return bench


def load_jsonl(path: Path) -> list[Question]:
    """A question set: one object a line with `question`, `doc_id`, optional `must` and `answerable`."""
    questions = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            text = str(row["question"])
        except (ValueError, KeyError, TypeError):
            raise BenchmarkError(f"{path}:{number}: expected a JSON object with a 'question' field") from None
        answerable = row.get("answerable", True) is not False
        if answerable and not row.get("doc_id"):
            raise BenchmarkError(f"{path}:{number}: an answerable question needs a 'doc_id'")
        relevant = {str(row["doc_id"]): 1} if answerable else {}
        questions.append(Question(f"{Path(path).stem}:{number}", text, relevant, row.get("must"),
                                  answerable=answerable, **_optional(row)))
    return questions


def _optional(row: dict) -> dict:
    """The optional held-out fields of a JSONL row (fact, kind, same_as), as Question keywords."""
    return {key: str(row[key]) for key in ("fact", "kind", "same_as") if row.get(key) is not None}


def is_dialogue_file(path: Path) -> bool:
    """Whether a JSONL input holds dialogues (rows with `turns`) rather than single questions."""
    first = next((line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()), "")
    try:
        return isinstance(json.loads(first), dict) and "turns" in json.loads(first)
    except ValueError:
        return False


def load_dialogues(path: Path) -> list[Dialogue]:
    """Dialogues: one object a line, `{"dialogue": name, "turns": [{"question", "doc_id", "must"?}, ...]}`."""
    dialogues = []
    for number, row in enumerate(_jsonl_rows(Path(path)), start=1):
        turns = row.get("turns") if isinstance(row, dict) else None
        if not isinstance(turns, list) or not turns or not all(isinstance(t, dict) for t in turns):
            raise BenchmarkError(f"{path}:{number}: expected a JSON object with a list of 'turns'")
        name = str(row.get("dialogue") or f"{Path(path).stem}:{number}")
        questions = []
        for i, t in enumerate(turns, start=1):
            if not t.get("question") or not t.get("doc_id"):
                raise BenchmarkError(f"{path}:{number}: turn {i} needs a 'question' and a 'doc_id'")
            questions.append(Question(f"{name}:{i}", str(t["question"]), {str(t["doc_id"]): 1}, t.get("must"),
                                      **_optional(t)))
        dialogues.append(Dialogue(name, tuple(questions)))
    return dialogues


def load_beir(folder: Path, split: str) -> Benchmark:
    """corpus.jsonl (doc text = title + newline + text), queries.jsonl and qrels/SPLIT.tsv."""
    qrels_path = folder / "qrels" / f"{split}.tsv"
    for needed in (folder / "corpus.jsonl", folder / "queries.jsonl", qrels_path):
        if not needed.is_file():
            raise BenchmarkError(f"not a BEIR folder: {needed} is missing")
    corpus, titles = {}, {}
    for row in _jsonl_rows(folder / "corpus.jsonl"):
        title = (row.get("title") or "").strip()
        corpus[str(row["_id"])] = f"{title}\n{row.get('text') or ''}".strip()
        titles[str(row["_id"])] = title
    queries = {str(r["_id"]): r["text"] for r in _jsonl_rows(folder / "queries.jsonl")}
    relevant: dict[str, dict[str, int]] = {}
    with qrels_path.open(encoding="utf-8") as f:
        for row in csv.reader(f, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header line
            if int(row[2]) > 0:
                relevant.setdefault(row[0], {})[row[1]] = int(row[2])
    questions = [Question(qid, queries[qid], rel) for qid, rel in relevant.items() if qid in queries]
    return Benchmark(f"{folder.name}/{split}", "beir", questions, corpus, titles)


def load_squad(path: Path) -> Benchmark:
    """SQuAD v1.1: each paragraph is a document (id 'ARTICLE-N'); a question's gold document is its paragraph."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))["data"]
    except (ValueError, KeyError, TypeError):
        raise BenchmarkError(f"{path}: not a SQuAD JSON file") from None
    corpus, titles, questions = {}, {}, []
    for a, article in enumerate(data):
        for p, paragraph in enumerate(article["paragraphs"]):
            doc_id = f"{a:03d}-{p:03d}"
            corpus[doc_id] = paragraph["context"]
            titles[doc_id] = article.get("title", "")
            for qa in paragraph["qas"]:
                answers = tuple(dict.fromkeys(x["text"] for x in qa.get("answers", [])))
                questions.append(Question(str(qa["id"]), qa["question"], {doc_id: 1}, answers=answers))
    return Benchmark(Path(path).stem, "squad", questions, corpus, titles)


def _jsonl_rows(path: Path):
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError:
                    raise BenchmarkError(f"{path}:{number}: not JSON") from None


def file_name(doc_id: str) -> str:
    """A safe, unique file name for a corpus document id."""
    safe = _UNSAFE.sub("_", doc_id)[:100]
    if safe != doc_id:
        safe += "~" + hashlib.sha1(doc_id.encode()).hexdigest()[:8]
    return safe + ".txt"


def write_corpus(corpus: dict[str, str], folder: Path) -> dict[str, str]:
    """Mirror `corpus` as text files in `folder`, touching only changed files so the build stays incremental.

    Returns the map from the index's doc_id (the file name) to the benchmark's doc_id.
    """
    folder.mkdir(parents=True, exist_ok=True)
    names = {file_name(doc_id): doc_id for doc_id in corpus}
    for old in folder.glob("*.txt"):
        if old.name not in names:
            old.unlink()
    for name, doc_id in names.items():
        path, data = folder / name, corpus[doc_id].encode("utf-8")
        if not path.exists() or path.read_bytes() != data:
            path.write_bytes(data)
    return names
