"""Frame writers: each takes frames one at a time and keeps at most the previous one.

    writer = open_writer("out.gif", (1280, 720), durations_ms, fps=4)
    for frame in frames:
        writer.add(rgb)              # (H, W, 3) uint8; SVG writers take SVG text
    paths = writer.finish()          # or writer.abort(): nothing is left behind

GIF and APNG are written chunk by chunk here (Pillow encodes each frame's pixels; its own
multi-frame savers hold every frame until the end). WebP goes through Pillow's animation
encoder, fed from a bounded queue. MP4 (H.264) goes through PyAV, the optional extra
``rnnsim[video]``. PNG and SVG sequences are numbered files ``<stem>_0001.png`` ….
Every file is written atomically: a cancelled or failed recording leaves no partial file.
"""

from __future__ import annotations

import io
import os
import queue
import struct
import threading
import zlib
from fractions import Fraction

import numpy as np
from PIL import Image, features

from rnnsim.gui.animation.options import format_of
from rnnsim.sim import atomic

VIDEO_EXTRA = "rnnsim[video]"
TRANSPARENT = 255  # the GIF palette index of "unchanged since the last frame"


class MissingExtra(ImportError):
    """An optional library is not installed; the message is one line naming the extra."""


def open_writer(path, size, durations_ms, fps):
    """The writer for ``path``'s extension (see ``options.FORMATS``)."""
    fmt = format_of(path)
    cls = {
        ".gif": GifWriter,
        ".apng": ApngWriter,
        ".webp": WebpWriter,
        ".mp4": Mp4Writer,
        ".png": PngSequence,
        ".svg": SvgSequence,
    }[fmt]
    return cls(os.fspath(path), tuple(size), list(durations_ms), float(fps))


def png_bytes(rgb: np.ndarray) -> bytes:
    """``rgb`` as PNG bytes (no time stamp or other metadata: the same pixels, the same bytes)."""
    buffer = io.BytesIO()
    Image.fromarray(rgb, "RGB").save(buffer, "PNG", compress_level=6)
    return buffer.getvalue()


def sequence_path(path, index: int, count: int) -> str:
    """``out/frame.png`` → ``out/frame_0001.png`` (1-based, at least four digits)."""
    stem, ext = os.path.splitext(os.fspath(path))
    return f"{stem}_{index + 1:0{max(4, len(str(count)))}d}{ext}"


def changed_box(previous, current):
    """(x0, y0, x1, y1) of the pixels that differ, or None when none do."""
    return _box(None if previous is None else np.any(previous != current, axis=2), current)


class _FileWriter:
    """One output file written through a temporary file beside it."""

    kind = "raster"

    def __init__(self, path, size, durations, fps):
        self.path, self.size, self.durations, self.fps = path, size, durations, fps
        self.count = 0
        self._context = atomic.atomic_path(path)
        self.tmp = self._context.__enter__()

    def add(self, data):
        self._add(data, self.durations[self.count])
        self.count += 1

    def finish(self) -> list[str]:
        self._finish()
        self._context.__exit__(None, None, None)
        return [self.path]

    def abort(self):
        self._abort()
        try:
            raise RuntimeError("recording aborted")
        except RuntimeError as exc:
            try:
                self._context.__exit__(type(exc), exc, exc.__traceback__)
            except RuntimeError:
                pass

    def _abort(self):
        """Release what ``_add`` opened (the temporary file is removed after)."""


class GifWriter(_FileWriter):
    """Animated GIF, looping: each frame is the rectangle that changed, unchanged pixels
    transparent, in 255 colours.

    The palette comes from the first frame (which holds every colour scale in its legend, by
    median cut) and each colour of later frames is mapped exactly to its nearest palette
    colour (a lookup table over the 2^24 colours, filled as colours appear). A frame with
    more than ``MAX_FAR`` of its pixels farther than ``MAX_DISTANCE`` from every palette
    colour (a new picture, not just the blended edges of shapes) gets a palette of its own.
    """

    MAX_DISTANCE = 24.0  # Euclidean, in 0..255 RGB
    MAX_FAR = 0.002  # share of a frame's changed pixels

    def __init__(self, *args):
        super().__init__(*args)
        self._colours = None  # (255, 3) int palette in use
        self._lut = np.zeros(1 << 24, np.uint8)  # colour key → palette index …
        self._known = np.zeros(1 << 24, bool)  # … where known
        self._file = open(self.tmp, "wb")  # closed in finish/abort
        w, h = self.size
        self._file.write(b"GIF89a" + struct.pack("<HHBBB", w, h, 0x70, 0, 0))
        self._file.write(b"!\xff\x0bNETSCAPE2.0\x03\x01\x00\x00\x00")  # loop forever
        self._previous = None

    def _add(self, rgb, duration):
        keys = colour_keys(rgb)
        previous, self._previous = self._previous, keys
        changed = None if previous is None else previous != keys
        x0, y0, x1, y1 = _box(changed, rgb) or (0, 0, 1, 1)
        pixels = self._indices(np.ascontiguousarray(rgb[y0:y1, x0:x1]), keys[y0:y1, x0:x1])
        flags = 0x04  # disposal 1: the next frame is drawn over this one
        if changed is not None:  # unchanged pixels become transparent: long runs for LZW
            pixels[~changed[y0:y1, x0:x1]] = TRANSPARENT
            flags |= 0x01
        indexed = Image.fromarray(pixels, "P")
        indexed.putpalette([*self._colours.astype(np.uint8).ravel().tolist(), 0, 0, 0])
        table, data = _gif_parts(indexed)
        bits = max(1, (len(table) // 3 - 1).bit_length()) - 1
        self._file.write(
            b"!\xf9\x04" + struct.pack("<BHBB", flags, round(duration / 10), TRANSPARENT, 0)
        )
        self._file.write(b"," + struct.pack("<HHHHB", x0, y0, x1 - x0, y1 - y0, 0x80 | bits))
        self._file.write(table + data)

    def _indices(self, crop, keys) -> np.ndarray:
        """Palette indices (0..254) of ``crop``'s pixels (``keys``: their colour keys); a new
        palette when the frame needs one."""
        if self._colours is not None:
            new, counts = np.unique(keys[~self._known[keys]], return_counts=True)
            if len(new):
                rgb = np.stack([new >> 16, (new >> 8) & 255, new & 255], axis=1).astype(int)
                distance = ((rgb[:, None, :] - self._colours[None]) ** 2).sum(axis=2)
                far = distance.min(axis=1) > self.MAX_DISTANCE**2
                if counts[far].sum() <= self.MAX_FAR * keys.size:
                    self._lut[new] = distance.argmin(axis=1)
                    self._known[new] = True
                    new = ()
            if not len(new):
                return self._lut[keys]

        indexed = Image.fromarray(crop, "RGB").quantize(
            TRANSPARENT, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE
        )
        colours = np.asarray(indexed.getpalette()[: 3 * TRANSPARENT], int).reshape(-1, 3)
        self._colours = np.vstack(
            [colours, np.repeat(colours[:1], TRANSPARENT - len(colours), axis=0)]
        )
        pixels = np.asarray(indexed).copy()
        self._known[:] = False
        self._lut[keys] = pixels
        self._known[keys] = True
        return pixels

    def _finish(self):
        self._file.write(b";")
        self._file.close()

    def _abort(self):
        self._file.close()


def colour_keys(rgb) -> np.ndarray:
    """(H, W) uint32 0xRRGGBB of an (H, W, 3) uint8 image."""
    keys = rgb[..., 0].astype(np.uint32) << 16
    keys |= rgb[..., 1].astype(np.uint32) << 8
    keys |= rgb[..., 2]
    return keys


def _box(changed, rgb):
    """(x0, y0, x1, y1) of the True pixels of ``changed`` (the whole frame when None)."""
    if changed is None:
        return 0, 0, rgb.shape[1], rgb.shape[0]
    rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
    if not len(rows):
        return None
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def _gif_parts(indexed) -> tuple[bytes, bytes]:
    """(colour table, LZW image data through its terminator) of a one-frame GIF by Pillow."""
    buffer = io.BytesIO()
    indexed.save(buffer, "GIF", interlace=False, optimize=False)  # keep every index
    gif = buffer.getvalue()
    packed = gif[10]
    pos, table = 13, b""
    if packed & 0x80:
        size = 3 * 2 ** ((packed & 7) + 1)
        table, pos = gif[13 : 13 + size], 13 + size
    while gif[pos] == 0x21:  # extensions: skip their sub-blocks
        pos += 2
        while gif[pos]:
            pos += gif[pos] + 1
        pos += 1
    if gif[pos] != 0x2C:
        raise ValueError("Pillow wrote a GIF without an image")
    local = gif[pos + 9]
    pos += 10
    if local & 0x80:
        size = 3 * 2 ** ((local & 7) + 1)
        table, pos = gif[pos : pos + size], pos + size
    start = pos
    pos += 1  # LZW minimum code size
    while gif[pos]:
        pos += gif[pos] + 1
    return table, gif[start : pos + 1]


class ApngWriter(_FileWriter):
    """Animated PNG (lossless), looping: the changed rectangle of each frame."""

    def __init__(self, *args):
        super().__init__(*args)
        self._file = open(self.tmp, "wb")  # closed in finish/abort
        self._previous = None
        self._sequence = 0

    def _chunk(self, kind: bytes, data: bytes):
        self._file.write(
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    def _add(self, rgb, duration):
        box = (0, 0, *self.size) if self.count == 0 else changed_box(self._previous, rgb)
        x0, y0, x1, y1 = box or (0, 0, 1, 1)
        self._previous = rgb
        chunks = _png_chunks(png_bytes(np.ascontiguousarray(rgb[y0:y1, x0:x1])))
        if self.count == 0:
            self._file.write(b"\x89PNG\r\n\x1a\n")
            self._chunk(b"IHDR", chunks[0][1])
            self._chunk(b"acTL", struct.pack(">II", len(self.durations), 0))
        self._chunk(
            b"fcTL",
            struct.pack(
                ">IIIIIHHBB", self._sequence, x1 - x0, y1 - y0, x0, y0, round(duration), 1000, 0, 0
            ),
        )
        self._sequence += 1
        for kind, data in chunks:
            if kind != b"IDAT":
                continue
            if self.count == 0:
                self._chunk(b"IDAT", data)
            else:
                self._chunk(b"fdAT", struct.pack(">I", self._sequence) + data)
                self._sequence += 1

    def _finish(self):
        self._chunk(b"IEND", b"")
        self._file.close()

    def _abort(self):
        self._file.close()


def _png_chunks(png: bytes) -> list[tuple[bytes, bytes]]:
    out, pos = [], 8
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        out.append((png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]))
        pos += 12 + length
    return out


class WebpWriter(_FileWriter):
    """Animated WebP (lossless) through Pillow's animation encoder, which pulls frames one at
    a time from a queue of at most two (Pillow runs in a helper thread)."""

    def __init__(self, *args):
        if not features.check("webp"):
            raise MissingExtra("WebP needs Pillow built with libwebp (pip install -U pillow)")
        super().__init__(*args)
        self._queue = queue.Queue(maxsize=2)
        self._error = None
        self._thread = threading.Thread(target=self._encode, name="rnnsim-webp", daemon=True)
        self._thread.start()

    def _encode(self):
        try:
            frames = _pulled_frames(self._queue, self.size, len(self.durations))
            frames.save(
                self.tmp,
                "WEBP",
                save_all=True,
                duration=self.durations,
                loop=0,
                lossless=True,
                method=0,
            )
        except _Aborted:
            pass
        except Exception as exc:  # reported by add/finish in the recording's thread
            self._error = exc

    def _put(self, item):
        while self._thread.is_alive():
            try:
                self._queue.put(item, timeout=0.1)
                return
            except queue.Full:
                continue
        self._raise()

    def _raise(self):
        if self._error is not None:
            raise OSError(f"cannot write {self.path}: {self._error}") from self._error

    def _add(self, rgb, duration):
        self._put(rgb)

    def _finish(self):
        self._thread.join()
        self._raise()

    def _abort(self):
        if self._thread.is_alive():
            self._put(None)
        self._thread.join()


class _Aborted(Exception):
    pass


def _pulled_frames_class():
    class PulledFrames(Image.Image):
        """A multi-frame image whose frames arrive through a queue as the encoder seeks."""

        def __init__(self, frames, size, n):
            super().__init__()
            self._frames, self._n, self._at = frames, n, -1
            self._mode, self._size = "RGB", size
            self.info = {}
            self.seek(0)

        @property
        def n_frames(self):
            return self._n

        def tell(self):
            return max(self._at, 0)

        def seek(self, index):
            if index <= self._at:
                return  # the encoder seeks back to the start when done
            rgb = self._frames.get()
            if rgb is None:
                raise _Aborted
            self.im = Image.fromarray(rgb, "RGB").im
            self._at = index

    return PulledFrames


def _pulled_frames(frames, size, n):
    """A PulledFrames image (the class is built on first use, when Pillow is imported)."""
    return _pulled_frames_class()(frames, size, n)


class Mp4Writer(_FileWriter):
    """MP4 with H.264 (yuv420p, plays everywhere) through PyAV; a held frame is repeated."""

    def __init__(self, *args):
        try:
            import av  # the optional 'video' extra: only MP4 needs it
        except ImportError:
            raise MissingExtra(f"MP4 export needs PyAV: pip install '{VIDEO_EXTRA}'") from None
        super().__init__(*args)
        self._av = av
        self._container = av.open(self.tmp, mode="w", format="mp4")
        rate = Fraction(self.fps).limit_denominator(1000)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.size
        stream.pix_fmt = "yuv420p"
        stream.options = {
            "crf": "18",
            "preset": "medium",
            "tune": "animation",
            "rc-lookahead": "8",
        }  # x264 holds this many frames (default 40)
        stream.codec_context.thread_count = 2
        self._stream, self._pts = stream, 0

    def repeats(self, duration) -> int:
        """Video frames that show a frame for ``duration`` milliseconds."""
        return max(1, round(duration * self.fps / 1000))

    def _add(self, rgb, duration):
        frame = self._av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
        for _ in range(self.repeats(duration)):
            frame.pts = self._pts
            self._pts += 1
            for packet in self._stream.encode(frame):
                self._container.mux(packet)

    def _finish(self):
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def _abort(self):
        self._container.close()


class PngSequence:
    """Numbered PNG files, one per frame (no holds: one file per step)."""

    kind = "raster"
    encode = staticmethod(png_bytes)
    ext = ".png"

    def __init__(self, path, size, durations, fps):
        self.path, self.n, self.count, self.written = path, len(durations), 0, []
        folder = os.path.dirname(os.path.abspath(path))
        os.makedirs(folder, exist_ok=True)

    def add(self, data):
        target = sequence_path(self.path, self.count, self.n)
        atomic.write_bytes(target, self.encode(data))
        self.written.append(target)
        self.count += 1

    def finish(self) -> list[str]:
        return list(self.written)

    def abort(self):
        for path in self.written:
            if os.path.exists(path):
                os.remove(path)
        self.written = []


class SvgSequence(PngSequence):
    """Numbered SVG files, one per frame (vector: for people who edit their own slides)."""

    kind = "svg"
    ext = ".svg"

    @staticmethod
    def encode(svg):
        return svg.encode("utf-8")
