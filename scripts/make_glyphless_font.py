"""Writes src/tianping/privacy/fonts/glyphless.ttf, the font of the invisible text layer
that PDF de-identification puts on redrawn pages (`tianping/privacy/_pdf_layer.py`).

Two empty glyphs, each half an em wide; the PDF maps every character code to the second
one, so one tiny font serves every script. Run with fontTools installed:
`python scripts/make_glyphless_font.py`.
"""

from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

OUT = Path(__file__).resolve().parents[1] / "src/tianping/privacy/fonts/glyphless.ttf"


def main() -> None:
    fb = FontBuilder(1000, isTTF=True)
    fb.setupGlyphOrder([".notdef", "space"])
    fb.setupCharacterMap({0x20: "space"})
    fb.setupGlyf({name: TTGlyphPen(None).glyph() for name in (".notdef", "space")})
    fb.setupHorizontalMetrics({".notdef": (500, 0), "space": (500, 0)})
    fb.setupHorizontalHeader(ascent=1000, descent=0)
    fb.setupNameTable({"familyName": "TianpingGlyphless", "styleName": "Regular"})
    fb.setupOS2(sTypoAscender=1000, sTypoDescender=0, usWinAscent=1000, usWinDescent=0)
    fb.setupPost()
    fb.font["head"].created = fb.font["head"].modified = 0  # the same bytes each run
    fb.font.recalcTimestamp = False
    fb.save(str(OUT))


if __name__ == "__main__":
    main()
