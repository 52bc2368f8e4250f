"""Regenerate the sample media of `taskengine serve --demo` in this folder, deterministically.

Run from the repository root (needs Pillow and imageio-ffmpeg, both in the `test` extra):

    .venv/bin/python media/make_samples.py

It writes picture.jpg (640x480 drawing), sideways.jpg (the same picture turned a quarter, for ImageRotation),
cat.jpg and dog.jpg (the two options of BinaryImageChoice), tone.aac (3 s of 440 Hz, AAC) and clip.mp4
(2 s of ffmpeg's testsrc2 at 320x240, H.264, no sound). The same versions of Pillow and ffmpeg write the
same bytes; the files are committed, so the demo needs neither.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

from PIL import Image, ImageDraw

HERE = Path(__file__).resolve().parent
JPEG = {"format": "JPEG", "quality": 80, "optimize": True}


def picture() -> Image.Image:
    """A house, a tree and the sun under a graded sky."""
    image = Image.new("RGB", (640, 480))
    draw = ImageDraw.Draw(image)
    for y in range(320):  # sky, lighter towards the horizon
        draw.line([(0, y), (639, y)], fill=(90 + y // 4, 150 + y // 5, 235))
    draw.rectangle([0, 320, 639, 479], fill=(86, 160, 70))  # grass
    draw.ellipse([500, 40, 590, 130], fill=(255, 214, 60))  # sun
    draw.rectangle([150, 220, 350, 380], fill=(200, 80, 60))  # house
    draw.polygon([(130, 225), (250, 130), (370, 225)], fill=(120, 60, 50))  # roof
    draw.rectangle([230, 300, 275, 380], fill=(90, 55, 30))  # door
    draw.rectangle([170, 250, 215, 290], fill=(230, 240, 255), outline=(60, 40, 30), width=3)  # windows
    draw.rectangle([290, 250, 335, 290], fill=(230, 240, 255), outline=(60, 40, 30), width=3)
    draw.rectangle([465, 270, 490, 390], fill=(110, 70, 40))  # tree
    draw.ellipse([420, 170, 540, 300], fill=(40, 120, 50))
    return image


def cat() -> Image.Image:
    image = Image.new("RGB", (320, 240), (235, 225, 250))
    draw = ImageDraw.Draw(image)
    draw.polygon([(95, 95), (110, 30), (150, 75)], fill=(230, 140, 50))  # ears
    draw.polygon([(225, 95), (210, 30), (170, 75)], fill=(230, 140, 50))
    draw.ellipse([85, 55, 235, 205], fill=(240, 150, 60))  # head
    draw.ellipse([120, 105, 145, 135], fill=(60, 160, 80))  # eyes
    draw.ellipse([175, 105, 200, 135], fill=(60, 160, 80))
    draw.ellipse([129, 110, 136, 132], fill=(20, 20, 20))
    draw.ellipse([184, 110, 191, 132], fill=(20, 20, 20))
    draw.polygon([(150, 150), (170, 150), (160, 162)], fill=(230, 100, 130))  # nose
    for dy in (-8, 2, 12):  # whiskers
        draw.line([(100, 160 + dy), (145, 160)], fill=(60, 40, 30), width=2)
        draw.line([(220, 160 + dy), (175, 160)], fill=(60, 40, 30), width=2)
    return image


def dog() -> Image.Image:
    image = Image.new("RGB", (320, 240), (225, 245, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse([90, 45, 230, 205], fill=(170, 120, 70))  # head
    draw.ellipse([60, 55, 115, 165], fill=(110, 70, 40))  # floppy ears
    draw.ellipse([205, 55, 260, 165], fill=(110, 70, 40))
    draw.ellipse([125, 95, 145, 115], fill=(30, 25, 20))  # eyes
    draw.ellipse([175, 95, 195, 115], fill=(30, 25, 20))
    draw.ellipse([125, 135, 195, 190], fill=(225, 200, 160))  # muzzle
    draw.ellipse([148, 135, 172, 153], fill=(30, 25, 20))  # nose
    draw.ellipse([152, 168, 168, 195], fill=(230, 90, 110))  # tongue
    return image


def ffmpeg(*arguments: str) -> None:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    exact = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags", "+bitexact", "-threads", "1"]
    subprocess.run([exe, "-v", "error", "-y", *arguments[:-1], *exact, arguments[-1]], check=True)


def main() -> None:
    scene = picture()
    scene.save(HERE / "picture.jpg", **JPEG)
    scene.transpose(Image.Transpose.ROTATE_90).save(HERE / "sideways.jpg", **JPEG)
    cat().save(HERE / "cat.jpg", **JPEG)
    dog().save(HERE / "dog.jpg", **JPEG)
    ffmpeg("-f", "lavfi", "-i", "sine=frequency=440:duration=3", "-c:a", "aac", "-b:a", "48k", str(HERE / "tone.aac"))
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x240:rate=15:duration=2"),
        *("-c:v", "libx264", "-preset", "slow", "-crf", "28", "-pix_fmt", "yuv420p", "-an"),
        *("-x264-params", "threads=1", "-movflags", "+faststart"),
        str(HERE / "clip.mp4"),
    )
    for path in sorted(HERE.iterdir()):
        if path.suffix != ".py":
            print(f"{path.name:14} {path.stat().st_size:>7} bytes")


if __name__ == "__main__":
    main()
