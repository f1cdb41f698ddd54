# Regenerates TestData/: Pillow 9.4.0 (Debian python3-pil) bicubic and Lanczos resizes of random images, and a CMYK
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
    # LANCZOS: what diffusers' VaeImageProcessor resizes control images with
    im.resize((ow, oh), Image.LANCZOS).save(f"TestData/lanczos_{i}_out_{ow}x{oh}.png")

Image.new("CMYK", (16, 16), (0, 255, 255, 0)).save("TestData/cmyk_red.jpg", quality=95)

# JPEGs of every layout the service accepts, with PIL's own decode (libjpeg-turbo, as the reference pipelines read
# their inputs) as RGBA PNGs: the decoder must give these pixels exactly.
rng = random.Random(5)
w, h = 67, 45
noise = bytes(rng.randrange(256) for _ in range(w * h * 3))
smooth = bytes(v for y in range(h) for x in range(w) for v in ((x * 255) // w, (y * 255) // h, ((x + y) * 37) % 256))
jpegs = {
    "noise_420": (noise, "RGB", dict(quality=90)),
    "noise_422": (noise, "RGB", dict(quality=75, subsampling=1)),
    "smooth_444": (smooth, "RGB", dict(quality=90, subsampling=0)),
    "noise_progressive": (noise, "RGB", dict(quality=85, progressive=True)),
    "smooth_gray": (smooth, "L", dict(quality=90)),
    "noise_cmyk": (noise, "CMYK", dict(quality=90)),
}
for name, (px, mode, options) in jpegs.items():
    Image.frombytes("RGB", (w, h), px).convert(mode).save(f"TestData/jpeg_{name}.jpg", **options)
    Image.open(f"TestData/jpeg_{name}.jpg").convert("RGBA").save(f"TestData/jpeg_{name}.pil.png")
