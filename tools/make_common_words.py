"""Regenerate ``common_words_<lang>.json`` from wordfreq (a development tool, not shipped).

The fragments stage's cheap check needs to know, for a word of the document's
language, whether it is common there and whether it is *more* common in another
Latin-script language (``de``, ``la``, ``die``, ``per``: words an English list
contains but that are better evidence of French, German or Italian text).

    pip install wordfreq
    python tools/make_common_words.py en --min-zipf 3.0 > pipeline/data/common_words_en.json

wordfreq's data is CC BY-SA 4.0 (Robyn Speer and contributors); the generated
file says so in its header.
"""

from __future__ import annotations

import argparse
import json
import sys

# Latin-script languages wordfreq covers; a word at least MARGIN Zipf units more
# frequent in one of these than in the target language is recorded as shared.
# (Languages whose web text is full of English, such as nb, fil, id, ms, are left out:
# they would make half the English list look foreign.)
LATIN_LANGS = ("ca", "cs", "de", "en", "es", "fi", "fr", "hu", "it", "nl", "pl", "pt", "ro", "sh", "sk", "sl",
               "sv", "tr")
MARGIN = 1.0


def build(lang: str, min_zipf: float) -> dict:
    import wordfreq

    freqs = wordfreq.get_frequency_dict(lang, wordlist="large")
    threshold = 10 ** (min_zipf - 9)
    words = sorted(w for w, f in freqs.items() if f >= threshold and w.replace("'", "").isalpha())
    others = [wordfreq.get_frequency_dict(o, wordlist="best") for o in LATIN_LANGS if o != lang]
    factor = 10**MARGIN
    shared = [w for w in words if max(d.get(w, 0.0) for d in others) >= freqs[w] * factor]
    return {
        "lang": lang,
        "source": f"wordfreq {getattr(wordfreq, '__version__', '3.x')} 'large' list, words with Zipf frequency >= {min_zipf}",
        "license": "CC BY-SA 4.0 (wordfreq data, Robyn Speer and contributors)",
        "shared_rule": f"'shared' lists words at least {MARGIN} Zipf more frequent in one of {', '.join(LATIN_LANGS)}",
        "words": words,
        "shared": shared,
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("lang")
    ap.add_argument("--min-zipf", type=float, default=3.0)
    args = ap.parse_args(argv)
    json.dump(build(args.lang, args.min_zipf), sys.stdout, ensure_ascii=False, indent=0)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
