"""Recording cost: seconds per frame and peak memory of ``rnnsim animate``.

    .venv/bin/python benchmarks/bench_animate.py            # ~3 min on 2 cores
    .venv/bin/python benchmarks/bench_animate.py --quick    # 1280 only, GIF only

The vanishing preset (T = 32: 1 + 32 + 33 + 1 = 67 frames: the forward pass, the backward
sweep, the update) is recorded at 1280 and 1920 wide into GIF, MP4 (when PyAV is installed)
and PNG frames. Each recording runs in a fresh process, which draws and writes one frame first
(fonts, Qt, the encoder loaded) and then reports: seconds per frame split into drawing (the
scenes painted into an image) and writing (quantising and encoding), and its peak resident
memory (ru_maxrss) before and after the recording. The same is then done with gap 98
(T = 100: 203 frames) at 1920: memory that does not grow with three times the frames is memory
that does not hold them (one 1920 × 1080 frame is 6.2 MB; 203 held frames would be 1.3 GB).
It measures and prints; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def child(width: int, gap: int, ext: str, content: str) -> dict:
    """Record in this process; return the figures."""
    from PySide6.QtWidgets import QApplication

    from rnnsim import catalog
    from rnnsim.gui.animation import AnimationOptions
    from rnnsim.gui.animation.compose import FrameRenderer
    from rnnsim.gui.animation.encoders import open_writer
    from rnnsim.sim.recording import RecordingPlan, simulation_for_recording

    app = QApplication.instance() or QApplication(["bench"])
    experiment = catalog.preset_experiment("vanishing").with_values({"task.gap": str(gap)})
    options = AnimationOptions(width=width, content=content)
    with tempfile.TemporaryDirectory() as folder:
        warm = simulation_for_recording(experiment)
        plan = RecordingPlan.of(warm, options.parts)
        renderer = FrameRenderer(options)
        frame = next(plan.frames(warm))
        writer = open_writer(os.path.join(folder, f"warm{ext}"), options.size, [100], 4.0)
        writer.add(renderer.image(frame, 1))
        writer.finish()
        renderer.close()
        app.processEvents()
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

        sim = simulation_for_recording(experiment)
        plan = RecordingPlan.of(sim, options.parts)
        renderer = FrameRenderer(options)
        writer = open_writer(
            os.path.join(folder, f"out{ext}"),
            options.size,
            options.durations_ms(plan.n_frames),
            options.fps,
        )
        draw = write = 0.0
        start = time.perf_counter()
        for frame in plan.frames(sim):
            t0 = time.perf_counter()
            image = renderer.image(frame, plan.n_frames)
            t1 = time.perf_counter()
            writer.add(image)
            write += time.perf_counter() - t1
            draw += t1 - t0
        writer.finish()
        total = time.perf_counter() - start
        renderer.close()
        size = sum(
            os.path.getsize(os.path.join(folder, f))
            for f in os.listdir(folder)
            if f.startswith("out")
        )
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    n = plan.n_frames
    return {
        "frames": n,
        "s_per_frame": total / n,
        "draw": draw / n,
        "write": write / n,
        "rss_before_mb": before,
        "rss_peak_mb": after,
        "bytes": size,
    }


def run_child(width, gap, ext, content="canvas"):
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(width), str(gap), ext, content],
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode:
        raise RuntimeError(out.stderr.strip().splitlines()[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--child", nargs=4, metavar=("WIDTH", "GAP", "EXT", "CONTENT"))
    args = parser.parse_args()
    if args.child:
        width, gap, ext, content = args.child
        print(json.dumps(child(int(width), int(gap), ext, content)))
        return
    try:
        import av  # noqa: F401

        video = [".mp4"]
    except ImportError:
        video = []
    widths = (1280,) if args.quick else (1280, 1920)
    formats = [".gif"] if args.quick else [".gif", *video, ".png"]
    load = os.getloadavg()
    print(
        f"bench_animate: vanishing preset, {os.cpu_count()} cores, load "
        f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1 / 5 / 15 min)"
    )
    print(
        f"{'recording':<34} {'frames':>6} {'s/frame':>8} {'draw':>7} {'write':>7} "
        f"{'RSS before':>10} {'peak':>8} {'file':>9}"
    )
    cases = [(w, 30, ext, "canvas") for w in widths for ext in formats]
    if not args.quick:
        cases += [(1280, 30, ".gif", "canvas+plots"), (1920, 98, ".gif", "canvas")]
        cases += [(1920, 98, ext, "canvas") for ext in video]
    for width, gap, ext, content in cases:
        r = run_child(width, gap, ext, content)
        name = f"{width} wide, gap {gap}, {content}, {ext}"
        print(
            f"{name:<34} {r['frames']:>6} {r['s_per_frame']:>8.3f} {r['draw']:>7.3f} "
            f"{r['write']:>7.3f} {r['rss_before_mb']:>8.0f} MB {r['rss_peak_mb']:>5.0f} MB "
            f"{r['bytes'] / 1e6:>6.2f} MB",
            flush=True,
        )


if __name__ == "__main__":
    main()
