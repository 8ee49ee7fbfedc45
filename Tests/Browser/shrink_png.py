"""shrink_png.py SOURCE.png DEST.png: a screenshot for docs/, in 64 colours without dithering (the
pages are text on flat colours: it reads the same at a quarter of the size)."""
import sys

from PIL import Image

source, dest = sys.argv[1], sys.argv[2]
image = Image.open(source).convert("RGB")
image.quantize(colors=64, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(dest, optimize=True)
