# Regenerates spm_reference.json: SentencePiece 0.1.97 (Debian python3-sentencepiece) pieces for
# random strings on the kosmosg-tiny model. Run: /usr/bin/python3 make_spm_reference.py
import json, random, sentencepiece as spm

sp = spm.SentencePieceProcessor(model_file="../../fixtures/kosmosg-tiny/sentencepiece.bpe.model")
rng = random.Random(20241130)
vocab_chars = sorted({c for i in range(sp.get_piece_size()) for c in sp.id_to_piece(i).replace("\u2581", " ")
                      if not sp.is_control(i) and not sp.is_unknown(i)})
words = [sp.id_to_piece(i).replace("\u2581", "") for i in range(3, sp.get_piece_size())]
exotic = list("\t\n\r\u00a0\u3000\u2002\u200b\ufb01\ufb02\uff21\uff41\uff10\u2460\u00bd\u2122\u00e9\u00ef\u2014\u2019\u201c"
              "\u00c5\u0301\u0065\u00df\u0130\u03a3\u4e2d\u6587\u3042\u30ab\uac00\U0001F600\U0001D400\u00ad\u2028\x00\x07\ufeff")
exotic += ["e\u0301", "\u1100\u1161", "\ufe64", "\u2474", "\u33a1", "\u00b2", "\u2075"]

def rand_string():
    kind = rng.random()
    n = rng.randint(0, 24)
    if kind < 0.35:   # ASCII words and punctuation
        return " ".join(rng.choice(words) + rng.choice(["", "", ",", ".", "!", " ", "  "]) for _ in range(n))
    if kind < 0.6:    # characters of the vocabulary and spaces
        return "".join(rng.choice(vocab_chars + [" ", " ", "  "]) for _ in range(n))
    if kind < 0.85:   # unicode-heavy
        return "".join(rng.choice(exotic + vocab_chars + [" "]) for _ in range(n))
    return "".join(chr(rng.randint(0x20, 0x2FFF)) for _ in range(n))  # random BMP text

fixed = ["", " ", "a", "  hello   world ", "\ufb01 caf\u00e9", "\tx\ny", "\uff41\uff42\uff43", "\u00e9\u00e9\u00e9 a \u00ef\u2014x",
         "<image>", "</image>", "<s> </s> <pad> <unk>", "<i>", "a\u00a0b", "\u3000lead", "trail\u3000", "x\u200by",
         "blurry, low quality", "a red fox sitting in the snow, digital art"]
texts = fixed + [rand_string() for _ in range(3000)]
cases = [{"text": t, "pieces": sp.encode(t, out_type=str)} for t in texts]
with open("spm_reference.json", "w", encoding="utf-8") as f:
    json.dump({"sentencepiece": spm.__version__, "model": "kosmosg-tiny/sentencepiece.bpe.model", "cases": cases},
              f, ensure_ascii=True, indent=0)
