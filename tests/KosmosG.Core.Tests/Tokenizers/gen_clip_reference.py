#!/usr/bin/env python3
"""Writes clip_reference.json: BPE tokens of ~1300 tricky strings (random mixes, then sweeps over all characters NFC or lower-casing changes) for the sd15-tiny tokenizer, computed by a
line-for-line Python transcription of transformers 4.33's slow CLIPTokenizer without ftfy (BasicTokenizer with
NFC, strip_accents=False, do_split_on_punc=False; the `regex` pattern with IGNORECASE; BPE by rank), on Python's
own unicodedata / str.lower / regex module - the behaviour the C# port must match. Run with Python 3.11
(Unicode 14.0.0, as the fixtures) from the repository root."""
import json
import random
import unicodedata

import regex as re

TOKENIZER = "tests/fixtures/sd15-tiny/pipeline/tokenizer"
SPECIAL = ["<|startoftext|>", "<|endoftext|>"]  # bos, eos, pad and unk of this tokenizer


def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def is_whitespace(ch):
    return ch in " \t\n\r" or unicodedata.category(ch) == "Zs"


def is_control(ch):
    return ch not in "\t\n\r" and unicodedata.category(ch).startswith("C")


def is_chinese(cp):
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x2A6DF or 0x2A700 <= cp <= 0x2B73F
            or 0x2B740 <= cp <= 0x2B81F or 0x2B820 <= cp <= 0x2CEAF or 0xF900 <= cp <= 0xFAFF or 0x2F800 <= cp <= 0x2FA1F)


def basic_tokenize(text):
    out = []
    for ch in text:
        cp = ord(ch)
        if cp == 0 or cp == 0xFFFD or is_control(ch):
            continue
        out.append(" " if is_whitespace(ch) else ch)
    text = "".join(f" {ch} " if is_chinese(ord(ch)) else ch for ch in "".join(out))
    tokens = [t.lower() for t in unicodedata.normalize("NFC", text).strip().split()]
    return " ".join(tokens).strip().split()


class ClipBpe:
    def __init__(self):
        with open(f"{TOKENIZER}/vocab.json", encoding="utf-8") as f:
            self.encoder = json.load(f)
        with open(f"{TOKENIZER}/merges.txt", encoding="utf-8") as f:
            merges = f.read().strip().split("\n")[1: 49152 - 256 - 2 + 1]
        self.ranks = {tuple(m.split()): i for i, m in enumerate(merges)}
        self.byte_encoder = bytes_to_unicode()
        self.cache = {s: s for s in SPECIAL}
        self.pat = re.compile(r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
                              re.IGNORECASE)

    def bpe(self, token):
        if token in self.cache:
            return self.cache[token]
        word = tuple(token[:-1]) + (token[-1] + "</w>",)
        while len(word) > 1:
            pairs = set(zip(word, word[1:]))
            bigram = min(pairs, key=lambda p: self.ranks.get(p, float("inf")))
            if bigram not in self.ranks:
                break
            first, second = bigram
            new, i = [], 0
            while i < len(word):
                if i < len(word) - 1 and word[i] == first and word[i + 1] == second:
                    new.append(first + second)
                    i += 2
                else:
                    new.append(word[i])
                    i += 1
            word = tuple(new)
        self.cache[token] = " ".join(word)
        return self.cache[token]

    def _tokenize(self, text):
        text = " ".join(basic_tokenize(text)).lower()
        out = []
        for token in re.findall(self.pat, text):
            token = "".join(self.byte_encoder[b] for b in token.encode("utf-8"))
            out.extend(self.bpe(token).split(" "))
        return out

    def tokenize(self, text):
        # PreTrainedTokenizer.tokenize: special tokens are cut out first (left-most, longest).
        pieces, start, i = [], 0, 0
        while i < len(text):
            hit = next((s for s in sorted(SPECIAL, key=len, reverse=True) if text.startswith(s, i)), None)
            if hit:
                pieces += [text[start:i], hit]
                i += len(hit)
                start = i
            else:
                i += 1
        pieces.append(text[start:])
        out = []
        for p in pieces:
            out.extend([p] if p in SPECIAL else self._tokenize(p) if p else [])
        return out


POOLS = [
    "abcdefghijklmnopqrstuvwxyz", "ABCDEFGHIJKLMNOPQRSTUVWXYZ", "0123456789", " ,.!?;:'\"-()[]{}<>|/\\@#$%^&*_+=~`",
    " \t\n\r\u00a0\u2003\u3000\u2028\u2029\x0b\x0c\x1c\x85",
    "\x00\x01\x07\x1b\x7f\u200b\u200c\u200d\u2060\ufeff\u00ad\ue000\U000f0000\ufffd",
    "àáâäæçèéêëìíîïñòóôöøùúûüýÿßœ", "ÀÁÂÄÆÇÈÉÊËÌÍÎÏÑÒÓÔÖØÙÚÛÜÝŸŒ", "\u0300\u0301\u0302\u0308\u0327\u0323\u031b\u0345\u0306",
    "ΑΒΓΔΕΘΛΣΠΦΩαβγδεσςωάέήίΆΈ", "İıſKÅ", "东京大阪中国語漢字你好世界\u3400\U00020000\uf900\U0002f800", "タワーあいうアイウ",
    "가나다한국어\u1100\u1161\u11a8\u1112\u1173", "😀🚀👍🏽❤️👨‍👩‍👧\U0001fae8", "𝐀𝐁𝐚𝟏𝟐𝔸", "²³⁴½¼ⅠⅡⅢ①", "ＡＢＣａｂｃ１２３！",
    "ﬁﬂ“”‘’—–…•€£¥©®™°", "ि\u094dक्षअआ\u093c", "שָׁלוֹם\u05b0\u05b4\u05c1", "ệễặỗ",
]
WORDS = ["a photo of", "it's", "we'll", "they'd've", "'S", "'ſ", "<|startoftext|>", "<|endoftext|>", "<|ENDOFTEXT|>",
         "<|ſtartoftext|>", "!<|endoftext|>", "ΟΔΟΣ", "ΟΔΟΣ.", "ΑΣ'Σ", "Σ", "aΣb", "İstanbul", "cafe\u0301", "e\u0301\u0323",
         "e\u0323\u0301", "a\u0345", "\u1fb3\u0345", "x\u0345y", "🏳️‍🌈", "𝐀𝐛𝐜123", "over-the-top!!!", "  ", "\u212b", "\u2126"]


def sample(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        if rng.random() < 0.25:
            parts.append(rng.choice(WORDS))
        else:
            pool = rng.choice(POOLS)
            parts.append("".join(rng.choice(pool) for _ in range(rng.randint(1, 6))))
        parts.append(rng.choice(["", " ", " ", "\t"]))
    return "".join(parts)


def sweeps():
    """Every character that NFC or str.lower() changes, and the canonical decomposition (marks in reverse order) of
    every composable character, 12 to a string."""
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    changed = [c for c in chars if unicodedata.normalize("NFC", c) != c or c.lower() != c]
    decomposed = [(lambda d: d[0] + d[:0:-1])(unicodedata.normalize("NFD", c)) for c in chars
                  if unicodedata.decomposition(c) and not unicodedata.decomposition(c).startswith("<")]
    items = changed + decomposed
    return [" ".join(items[i:i + 12]) for i in range(0, len(items), 12)]


def main():
    rng = random.Random(20261129)
    bpe = ClipBpe()
    texts = WORDS + [sample(rng) for _ in range(600)] + sweeps()
    cases = [{"text": t, "tokens": bpe.tokenize(t)} for t in texts]
    header = {"unicode_version": unicodedata.unidata_version, "regex_version": re.__version__}
    with open("tests/KosmosG.Core.Tests/Tokenizers/clip_reference.json", "w", encoding="utf-8", newline="\n") as f:
        f.write(json.dumps(header)[:-1] + ', "cases": [\n')
        f.write(",\n".join(json.dumps(c, ensure_ascii=True, separators=(",", ":")) for c in cases))
        f.write("\n]}\n")


if __name__ == "__main__":
    main()
