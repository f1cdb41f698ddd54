# Regenerates TestData/: Pillow 9.4.0 (Debian python3-pil) bicubic resizes of random images, and a CMYK
# JPEG. Run: /usr/bin/python3 make_imaging_reference.py
import random
from PIL import Image

rng = random.Random(20241130)
cases = [  # (in_w, in_h, out_w, out_h, smooth)
    (61, 45, 37, 28, False), (100, 80, 28, 22, False), (13, 17, 40, 31, False),
    (200, 150, 37, 23, False), (64, 48, 64, 20, False), (50, 70, 50, 90, False), (90, 60, 45, 31, True),
]
for i, (w, h, ow, oh, smooth) in enumerate(cases):
    if smooth:
        px = bytes(v for y in range(h) for x in range(w) for v in ((x * 255) // w, (y * 255) // h, ((x + y) * 97) % 256))
    else:
        px = bytes(rng.randrange(256) for _ in range(w * h * 3))
    im = Image.frombytes("RGB", (w, h), px)
    im.save(f"TestData/resize_{i}_in.png")
    im.resize((ow, oh), Image.BICUBIC).save(f"TestData/resize_{i}_out_{ow}x{oh}.png")

Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save("TestData/cmyk_red.jpg", quality=95)
