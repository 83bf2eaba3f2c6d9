"""Build a tiny, offline Argos Translate package for tests (a few seconds, no download).

The package has everything a real ``.argosmodel`` has, built from scratch:

- ``sentencepiece.model``: a SentencePiece model trained on a few hundred generated lines;
- ``model/``: a CTranslate2 Transformer (1 layer, d_model 16) written with ctranslate2's
  spec API, random weights from a fixed seed (its output is deterministic garbage);
- ``minisbd/<lang>.onnx``: a MiniSBD sentence splitter (an ONNX lookup table that ends a
  sentence at ``.``, ``!``, ``?`` and ``;``) so argostranslate never downloads one;
- ``metadata.json``, zipped as ``<name>.argosmodel`` with fixed timestamps (same bytes each build).

>>> import tempfile
>>> path = build_tiny_package(tempfile.mkdtemp())  # doctest: +SKIP
"""

from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

# Generated training text: Greek and English words, so the shared SentencePiece
# vocabulary covers both sides of the tiny el->en "translation".
GREEK_WORDS = (
    "παγωμένα ρωσικά κεφάλαια η κυβέρνηση είπε ότι οι σύμμαχοι θα στηρίξουν την Ουκρανία "
    "μετά τη συνάντηση στο Παρίσι ο πρόεδρος και ο υπουργός των εξωτερικών συμφώνησαν για "
    "νέα μέτρα κυρώσεις ενέργεια ειρήνη ασφάλεια στρατός συνασπισμός πρόθυμων χωρών"
).split()
ENGLISH_WORDS = (
    "frozen russian assets the government said that the allies will support ukraine after "
    "the meeting in paris president and foreign minister agreed on new measures sanctions "
    "energy peace security army coalition of the willing countries"
).split()

MINISBD_LABELS = 5  # 0 inside a token, 1 end of token, 2 end of sentence, 3/4 multi-word token variants
SENTENCE_END = ".!?;;"


def training_lines(n: int = 300, *, seed: int = 0) -> list[str]:
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        words = GREEK_WORDS if i % 2 == 0 else ENGLISH_WORDS
        sentence = " ".join(rng.choice(words) for _ in range(rng.randint(4, 12)))
        lines.append(sentence[0].upper() + sentence[1:] + rng.choice(".!?"))
    return lines


def train_sentencepiece(lines: list[str], model_path: Path, *, vocab_size: int = 160) -> list[str]:
    """Train the SentencePiece model; return its pieces (the CTranslate2 vocabulary)."""
    import sentencepiece as spm

    buf = io.BytesIO()
    spm.SentencePieceTrainer.train(
        sentence_iterator=iter(lines),
        model_writer=buf,
        vocab_size=vocab_size,
        model_type="unigram",
        character_coverage=1.0,
        num_threads=1,
        minloglevel=2,
        hard_vocab_limit=False,
    )
    model_path.write_bytes(buf.getvalue())
    sp = spm.SentencePieceProcessor(model_proto=buf.getvalue())
    return [sp.id_to_piece(i) for i in range(sp.get_piece_size())]


def write_ctranslate2_model(out_dir: Path, vocabulary: list[str], *, d_model: int = 16, ffn: int = 32,
                            heads: int = 2, seed: int = 0) -> None:
    """A random-weight 1-layer Transformer in the CTranslate2 format."""
    import numpy as np
    from ctranslate2.specs import transformer_spec

    rng = np.random.default_rng(seed)

    def w(*shape: int) -> "np.ndarray":
        return (rng.standard_normal(shape) * 0.5).astype(np.float32)

    def norm(spec) -> None:
        spec.gamma = np.ones(d_model, dtype=np.float32)
        spec.beta = np.zeros(d_model, dtype=np.float32)

    def ffn_layer(spec) -> None:
        norm(spec.layer_norm)
        spec.linear_0.weight, spec.linear_0.bias = w(ffn, d_model), w(ffn)
        spec.linear_1.weight, spec.linear_1.bias = w(d_model, ffn), w(d_model)

    def self_attention(spec) -> None:
        norm(spec.layer_norm)
        spec.linear[0].weight, spec.linear[0].bias = w(3 * d_model, d_model), w(3 * d_model)  # fused q, k, v
        spec.linear[1].weight, spec.linear[1].bias = w(d_model, d_model), w(d_model)

    def cross_attention(spec) -> None:
        norm(spec.layer_norm)
        spec.linear[0].weight, spec.linear[0].bias = w(d_model, d_model), w(d_model)  # q
        spec.linear[1].weight, spec.linear[1].bias = w(2 * d_model, d_model), w(2 * d_model)  # fused k, v
        spec.linear[2].weight, spec.linear[2].bias = w(d_model, d_model), w(d_model)

    vocab_size = len(vocabulary)
    spec = transformer_spec.TransformerSpec.from_config(1, heads)
    spec.encoder.embeddings[0].weight = w(vocab_size, d_model)
    norm(spec.encoder.layer_norm)
    for layer in spec.encoder.layer:
        self_attention(layer.self_attention)
        ffn_layer(layer.ffn)
    spec.decoder.embeddings.weight = w(vocab_size, d_model)
    norm(spec.decoder.layer_norm)
    spec.decoder.projection.weight, spec.decoder.projection.bias = w(vocab_size, d_model), w(vocab_size)
    for layer in spec.decoder.layer:
        self_attention(layer.self_attention)
        cross_attention(layer.attention)
        ffn_layer(layer.ffn)
    spec.register_source_vocabulary(vocabulary)
    spec.register_target_vocabulary(vocabulary)
    spec.validate()
    spec.optimize(quantization=None)
    out_dir.mkdir(parents=True)
    spec.save(str(out_dir))


def write_minisbd_model(path: Path, lang: str, lines: list[str]) -> None:
    """A MiniSBD-compatible ONNX model: per-character logits from a lookup table.

    MiniSBD feeds character ids (``units``) and features; the graph gathers one row of
    label logits per character. Sentence-final punctuation gets label 2 (end of
    sentence), spaces label 1 (end of token), everything else label 0.
    """
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    chars = sorted({c for line in lines for c in line} | set(SENTENCE_END) | {" "})
    id2unit = ["<PAD>", "<UNK>", *chars]
    table = np.zeros((len(id2unit), MINISBD_LABELS), dtype=np.float32)
    for i, unit in enumerate(id2unit):
        label = 2 if unit in SENTENCE_END else 1 if unit == " " else 0
        table[i, label] = 1.0
    graph = helper.make_graph(
        [
            helper.make_node("Gather", ["table", "units"], ["gathered"], axis=0),
            # features take part (times zero) so the graph uses every input MiniSBD feeds.
            helper.make_node("ReduceSum", ["features"], ["feature_sum"], keepdims=1),
            helper.make_node("Mul", ["feature_sum", "zero"], ["no_feature"]),
            helper.make_node("Add", ["gathered", "no_feature"], ["logits"]),
        ],
        "tiny_minisbd",
        [
            helper.make_tensor_value_info("units", TensorProto.INT64, ["batch", "chars"]),
            helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch", "chars", "feats"]),
        ],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", "chars", MINISBD_LABELS])],
        initializer=[numpy_helper.from_array(table, "table"), numpy_helper.from_array(np.float32(0.0), "zero")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)], producer_name="mtclean-tests")
    model.ir_version = 8  # readable by every onnxruntime MiniSBD supports
    vocab = {"lang": lang, "idx": 0, "cutoff": 0, "lower": False,
             "_id2unit": id2unit, "_unit2id": {u: i for i, u in enumerate(id2unit)}}
    config = {"feat_funcs": [], "max_seqlen": 1000, "batch_size": 16, "skip_newline": False,
              "no_ssplit": False, "use_dictionary": False, "num_dict_feat": 0}
    helper.set_model_props(model, {"lang_code": lang, "config": json.dumps(config),
                                   "vocab": json.dumps(vocab, ensure_ascii=False), "lexicon": "null"})
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))


def build_tiny_package(
    dest: str | Path,
    *,
    from_code: str = "el",
    to_code: str = "en",
    name: str | None = None,
    version: str = "0.0.1",
    seed: int = 0,
    sentence_splitter: bool = True,
) -> Path:
    """Build ``<dest>/<name>.argosmodel`` and return its path.

    ``sentence_splitter=False`` leaves out the MiniSBD model, like packages that rely
    on a downloaded splitter (mtclean must then not download one).
    """
    dest = Path(dest)
    name = name or f"tiny_{from_code}_{to_code}"
    root = dest / f"{name}.build" / name
    root.mkdir(parents=True)
    lines = training_lines(seed=seed)
    vocabulary = train_sentencepiece(lines, root / "sentencepiece.model")
    write_ctranslate2_model(root / "model", vocabulary, seed=seed)
    if sentence_splitter:
        write_minisbd_model(root / "minisbd" / f"{from_code}.onnx", from_code, lines)
    metadata = {
        "package_version": version,
        "argos_version": "1.9.0",
        "from_code": from_code,
        "from_name": from_code,
        "to_code": to_code,
        "to_name": to_code,
        "type": "translate",
        "links": [],
    }
    (root / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    (root / "README.md").write_text("Tiny random-weight test package built by mtclean's test suite.\n")
    out = dest / f"{name}.argosmodel"
    write_zip(out, {f"{name}/{p.relative_to(root).as_posix()}": p.read_bytes()
                    for p in sorted(root.rglob("*")) if p.is_file()})
    return out


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    """Zip *members* (archive name -> bytes) with fixed timestamps, so builds are byte-identical."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for arcname, data in members.items():
            info = zipfile.ZipInfo(arcname, date_time=(2024, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path


if __name__ == "__main__":  # build one by hand: python tests/argos_tiny.py OUTDIR
    import sys

    print(build_tiny_package(sys.argv[1] if len(sys.argv) > 1 else "."))
