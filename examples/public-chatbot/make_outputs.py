"""Make the chatbot example's sample outputs and label them as the service would.

The example has no running model, so the "generated" outputs are made here: an image drawn
procedurally (a stand-in for the text-to-image model's output) saved as PNG and JPEG, and a
Markdown chat answer. Each gets the explicit label (image overlay / text notice) and the
implicit GB 45438 Appendix E record, sealed with a throw-away Ed25519 key (no private key is
kept in the repository; `tianping labels verify` checks the seal against the key in the file).

    .venv/bin/python examples/public-chatbot/make_outputs.py
"""

from __future__ import annotations

import math
from pathlib import Path

from PIL import Image

from tianping.labels import embed, generate_key, provider_code_from_uscc, verify
from tianping.systems import load_profile

HERE = Path(__file__).resolve().parent
OUT = HERE / "outputs"

ANSWER = """\
# 如何给家里的绿萝浇水 / Watering a pothos

绿萝喜湿润但怕积水：盆土表面 2-3 厘米干了再浇透，冬季减少浇水次数，叶片发黄多半是浇水过多。

Pothos likes moist soil but not standing water: water thoroughly when the top 2-3 cm of soil
is dry, water less in winter, and yellow leaves usually mean too much water.
"""


def _picture(size: tuple[int, int]) -> Image.Image:
    """A smooth procedural landscape: sky gradient, sun, rolling hills."""
    w, h = size
    img = Image.new("RGB", size)
    px = img.load()
    assert px is not None
    for y in range(h):
        for x in range(w):
            hill = h * (0.62 + 0.08 * math.sin(x / w * 2 * math.pi * 1.5))
            sun = math.hypot(x - 0.72 * w, y - 0.3 * h) < 0.09 * min(w, h)
            if y > hill:
                px[x, y] = (40, 110 + int(60 * (y - hill) / h), 50)
            elif sun:
                px[x, y] = (250, 210, 90)
            else:
                t = y / h
                px[x, y] = (int(90 + 120 * t), int(150 + 80 * t), 235)
    return img


def main() -> None:
    profile = load_profile(HERE / "tianping.yaml")
    assert profile.provider.uscc and profile.labels and profile.labels.provider_code
    code = provider_code_from_uscc(profile.provider.uscc, "1", "0001")
    assert code == profile.labels.provider_code, "profile provider_code must follow the USCC"
    OUT.mkdir(exist_ok=True)
    _picture((256, 256)).save(OUT / "text-to-image.png", optimize=True)
    _picture((320, 240)).save(OUT / "text-to-image.jpg", quality=85)
    (OUT / "chat-answer.md").write_text(ANSWER, encoding="utf-8")
    files = [OUT / "text-to-image.png", OUT / "text-to-image.jpg", OUT / "chat-answer.md"]
    key = generate_key("ed25519")
    for r in embed(files, code, key=key, explicit=True):
        print(r.status, r.path)
    bad = [r for r in verify(files, provider_code=code, require_explicit=True) if not r.ok]
    assert not bad, [(r.path, r.message.en) for r in bad]
    total = sum(f.stat().st_size for f in files)
    print(f"{len(files)} files, {total} bytes")


if __name__ == "__main__":
    main()
