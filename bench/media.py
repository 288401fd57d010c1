"""Media processing benchmark (issue 5): Oneway's pipeline next to the ffmpeg command line.

Input: a 60-second 720p30 answer with speech (flite) over a moving test pattern, as
(a) VP8/Opus WebM (Chrome's default recording) and (b) H.264/Opus Matroska (Chrome's
H.264 recording, the copy path); (c) is speech to text of the resulting rendition.

Each job runs in a child process, like a worker would, timed from outside; peak memory is
the child's ru_maxrss. Our time is the work inside the child (a worker process is long
lived; Python and Django start-up are reported separately). ffmpeg's is the whole command.
Runs alternate between us and ffmpeg, and ratios come from the same run, because this
machine is shared: the load average is recorded with every figure.

    .venv/bin/python bench/media.py               # (a), (b), (c), 3 rounds
    .venv/bin/python bench/media.py --rounds 5
    .venv/bin/python bench/media.py --presets     # x264 preset sweep (speed, size, PSNR)
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

SECONDS = 60
SCRIPT = (
    "Thank you for the question. In my last role I led a small team that rebuilt the "
    "billing system. We moved it to a new database, wrote tests for every change, and "
    "shipped it without any downtime. The hardest part was agreeing on priorities with "
    "the sales team, and I learned to write things down early."
)
PRESET = "veryfast"


def ensure_tools() -> None:
    """The benchmark's own set-up: Debian's ffmpeg (and flite for the speech)."""
    missing = [tool for tool in ("ffmpeg", "flite") if shutil.which(tool) is None]
    if not missing:
        return
    sudo = [] if os.geteuid() == 0 else ["sudo"]
    print(f"installing {' '.join(missing)} with apt-get ...", flush=True)
    subprocess.run([*sudo, "apt-get", "update", "-qq"], check=True)
    subprocess.run(
        [*sudo, "apt-get", "install", "-y", "-qq", *missing],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
    )


def setup_django(work: Path) -> None:
    os.environ.setdefault("ONEWAY_DATA_DIR", str(work / "data"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    import django

    django.setup()


def make_inputs(work: Path) -> dict[str, Path]:
    from media.mediagen import make_media, speech_wav

    speech = work / "speech.wav"
    if not speech.exists():
        speech_wav(speech, SCRIPT)
    inputs = {
        "vp8": (work / "answer-vp8-opus.webm", {"fmt": "webm", "vcodec": "libvpx"}),
        "h264": (work / "answer-h264-opus.mkv", {"fmt": "matroska", "vcodec": "libx264"}),
    }
    paths = {}
    for key, (path, options) in inputs.items():
        if not path.exists():
            print(f"generating {path.name} (60 s, 1280x720, 30 fps, speech) ...", flush=True)
            partial = path.with_suffix(".part" + path.suffix)
            make_media(
                partial,
                acodec="libopus",
                seconds=SECONDS,
                width=1280,
                height=720,
                fps=30,
                speech=speech,
                loop_speech=True,
                video_bitrate=2_500_000,
                **options,  # type: ignore[arg-type]
            )
            partial.rename(path)
        paths[key] = path
    return paths


def run_with_rusage(cmd: list[str], env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run a child; wall time, its own peak resident memory (ru_maxrss, read by reaping it
    with wait4) and its output."""
    load = os.getloadavg()[0]
    out_path = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-media-{os.getpid()}.out"
    err_path = out_path.with_suffix(".err")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        started = time.perf_counter()
        process = subprocess.Popen(cmd, stdout=out, stderr=err, env=env or os.environ.copy())
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
    stdout = out_path.read_text(errors="replace")
    stderr = err_path.read_text(errors="replace")
    out_path.unlink(missing_ok=True)
    err_path.unlink(missing_ok=True)
    if process.returncode != 0:
        sys.stderr.write(stderr[-3000:])
        raise SystemExit(f"command failed ({process.returncode}): {' '.join(cmd)}")
    return {
        "wall": wall,
        "maxrss_mb": usage.ru_maxrss / 1024,
        "cpu": usage.ru_utime + usage.ru_stime,
        "stdout": stdout,
        "stderr": stderr,
        "load": load,
    }


# --- the child: what a worker does ----------------------------------------------------


def child(task: str, source: Path, outdir: Path) -> None:
    started = time.perf_counter()
    setup_django(outdir)
    ready = time.perf_counter()
    if task == "render":
        from oneway.media.pipeline import render_file

        outcome = render_file(source, outdir, kind="video")
        result: dict[str, Any] = {
            "plan": outcome.plan.summary(),
            "timings": outcome.timings,
            "duration": outcome.rendition_probe.duration,
            "size": outcome.rendition_probe.size,
        }
    elif task == "transcribe":
        from oneway.media.pipeline import transcribe_rendition
        from oneway.media.transcribe import get_transcriber

        transcriber = get_transcriber("pocketsphinx")
        # Load the model before the clock starts, as a running worker has it loaded.
        transcriber.transcribe(bytes(3200))
        ready = time.perf_counter()
        transcript = transcribe_rendition(source, transcriber)
        assert transcript is not None
        result = {"text": transcript.transcript.text, "audio_seconds": transcript.audio_seconds}
    else:
        raise SystemExit(f"unknown task {task}")
    result["startup"] = ready - started
    result["seconds"] = time.perf_counter() - ready
    print(json.dumps(result))


def ours(
    task: str, source: Path, outdir: Path, env: dict[str, str] | None = None
) -> dict[str, Any]:
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    run = run_with_rusage(
        [sys.executable, __file__, "--child", task, str(source), str(outdir)], env=env
    )
    run.update(json.loads(run["stdout"].strip().splitlines()[-1]))
    return run


# --- ffmpeg doing the same work ---------------------------------------------------------


def ffmpeg_transcode(source: Path, outdir: Path, preset: str = PRESET) -> list[str]:
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0",
        "-c:v", "libx264", "-preset", preset, "-crf", "23", "-maxrate", "2500k",
        "-bufsize", "5000k", "-profile:v", "high", "-g", "60", "-keyint_min", "30",
        "-pix_fmt", "yuv420p", "-fps_mode", "cfr", "-r", "30",
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k", "-ar", "48000",
        "-movflags", "+faststart", str(outdir / "ffmpeg.mp4"),
    ]  # fmt: skip


def ffmpeg_poster(source: Path, outdir: Path) -> list[str]:
    """The poster: seek on the input to 1 s, one frame as JPEG."""
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-ss", "1",
        "-i", str(source), "-frames:v", "1", "-q:v", "3", str(outdir / "ffmpeg.jpg"),
    ]  # fmt: skip


def ffmpeg_copy(source: Path, outdir: Path) -> list[str]:
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
        "-map", "0:v:0", "-map", "0:a:0", "-c:v", "copy",
        "-c:a", "aac", "-aac_coder", "fast", "-b:a", "96k", "-ar", "48000",
        "-movflags", "+faststart", str(outdir / "ffmpeg.mp4"),
    ]  # fmt: skip


def ffmpeg_asr(source: Path, outdir: Path) -> list[str]:
    """ffmpeg's asr filter: pocketsphinx (Debian's build and model) on 16 kHz mono."""
    return [
        "ffmpeg", "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-i", str(source),
        "-vn", "-af",
        "apad=pad_dur=1,aresample=16000,aformat=sample_fmts=s16:channel_layouts=mono,asr,"
        f"ametadata=mode=print:key=lavfi.asr.text:file={outdir / 'asr.txt'}",
        "-f", "null", "-",
    ]  # fmt: skip


def ffmpeg(commands: list[list[str]], outdir: Path) -> dict[str, Any]:
    """Run the commands one after the other: summed time, highest peak memory."""
    if outdir.exists():
        shutil.rmtree(outdir)
    outdir.mkdir(parents=True)
    runs = [run_with_rusage(cmd) for cmd in commands]
    return {
        "wall": sum(r["wall"] for r in runs),
        "cpu": sum(r["cpu"] for r in runs),
        "maxrss_mb": max(r["maxrss_mb"] for r in runs),
        "load": runs[0]["load"],
    }


# --- figures -------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def word_error_rate(hypothesis: list[str], reference: list[str]) -> float:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            current = min(row[j] + 1, row[j - 1] + 1, previous + (hyp != ref))
            previous, row[j] = row[j], current
    return row[len(hypothesis)] / len(reference)


def script_wer(text: str) -> float:
    """WER against the script repeated as often as it was spoken in 60 s."""
    reference = words(SCRIPT)
    hypothesis = words(text)
    repeats = max(1, round(len(hypothesis) / len(reference)))
    return word_error_rate(hypothesis, reference * repeats)


def summary(name: str, runs: list[dict[str, Any]], key: str) -> dict[str, Any]:
    seconds = [r[key] for r in runs]
    median = statistics.median(seconds)
    return {
        "name": name,
        "median_s": round(median, 2),
        "best_s": round(min(seconds), 2),
        "s_per_min": round(median * 60 / SECONDS, 2),
        "x_realtime": round(SECONDS / median, 1),
        "peak_mb": round(max(r["maxrss_mb"] for r in runs), 1),
        # CPU seconds of the whole child (ours: with Python/Django start-up): less
        # sensitive to other load on the machine than wall time.
        "cpu_s": round(statistics.median(r["cpu"] for r in runs), 2),
        "load": [round(r["load"], 2) for r in runs],
    }


def benchmark(work: Path, rounds: int) -> dict[str, Any]:
    inputs = make_inputs(work)
    out = work / "out"
    results: dict[str, Any] = {"uptime_before": _uptime(), "rounds": rounds}
    a_ours, a_ff, b_ours, b_ff, c_ours, c_ff = [], [], [], [], [], []
    kept = out / "c-input.mp4"  # (c) transcribes the rendition made by (b)
    ff_a = [
        ffmpeg_transcode(inputs["vp8"], out / "a-ff"),
        ffmpeg_poster(inputs["vp8"], out / "a-ff"),
    ]
    ff_b = [ffmpeg_copy(inputs["h264"], out / "b-ff"), ffmpeg_poster(inputs["h264"], out / "b-ff")]
    for round_ in range(rounds):
        print(f"round {round_ + 1}/{rounds} (load {os.getloadavg()[0]:.2f})", flush=True)
        pairs = [
            (a_ours, lambda: ours("render", inputs["vp8"], out / "a")),
            (a_ff, lambda: ffmpeg(ff_a, out / "a-ff")),
            (b_ours, lambda: ours("render", inputs["h264"], out / "b")),
            (b_ff, lambda: ffmpeg(ff_b, out / "b-ff")),
        ]
        if round_ % 2:  # alternate who goes first
            pairs = [pairs[1], pairs[0], pairs[3], pairs[2]]
        for bucket, job in pairs:
            bucket.append(job())
        shutil.copy(out / "b" / "rendition.mp4", kept)
        jobs = [
            (c_ours, lambda: ours("transcribe", kept, out / "c")),
            (c_ff, lambda: ffmpeg([ffmpeg_asr(kept, out / "c-ff")], out / "c-ff")),
        ]
        if round_ % 2:
            jobs.reverse()
        for bucket, job in jobs:
            bucket.append(job())
    for run in c_ff:
        run["seconds"] = run["wall"]
    for run in a_ff + b_ff:
        run["seconds"] = run["wall"]
    asr_text = (out / "c-ff" / "asr.txt").read_text() if (out / "c-ff" / "asr.txt").exists() else ""
    ff_text = " ".join(re.findall(r"lavfi\.asr\.text=(.*?)(?=frame:\d|$)", asr_text, re.S))
    results.update(
        {
            "a_vp8_ours": summary("(a) VP8/Opus WebM -> MP4, Oneway", a_ours, "seconds"),
            "a_vp8_ffmpeg": summary("(a) same work, ffmpeg CLI", a_ff, "seconds"),
            "b_h264_ours": summary("(b) H.264 copy + AAC, Oneway", b_ours, "seconds"),
            "b_h264_ffmpeg": summary("(b) same work, ffmpeg CLI", b_ff, "seconds"),
            "c_asr_ours": summary("(c) transcription, Oneway", c_ours, "seconds"),
            "c_asr_ffmpeg": summary("(c) ffmpeg asr filter (pocketsphinx)", c_ff, "seconds"),
            "a_ratio": round(
                statistics.median(r["seconds"] for r in a_ff)
                / statistics.median(r["seconds"] for r in a_ours),
                2,
            ),
            "plans": {"a": a_ours[-1]["plan"]["reasons"], "b": b_ours[-1]["plan"]["reasons"]},
            "startup_s": round(statistics.median(r["startup"] for r in a_ours + b_ours), 2),
            "wall_with_startup_a_s": round(statistics.median(r["wall"] for r in a_ours), 2),
            "wall_with_startup_b_s": round(statistics.median(r["wall"] for r in b_ours), 2),
            "wer_ours": round(script_wer(c_ours[-1]["text"]), 3),
            "wer_ffmpeg": round(script_wer(ff_text), 3) if ff_text else None,
            "peak_worker_mb": round(max(r["maxrss_mb"] for r in a_ours + b_ours + c_ours), 1),
            "uptime_after": _uptime(),
        }
    )
    return results


def presets(work: Path, names: list[str]) -> list[dict[str, Any]]:
    """Speed, size and quality (PSNR against the source) of x264 presets on input (a)."""
    inputs = make_inputs(work)
    rows = []
    for preset in names:
        env = {**os.environ, "ONEWAY_MEDIA_X264_PRESET": preset}
        run = ours("render", inputs["vp8"], work / "out" / f"preset-{preset}", env=env)
        rendition = work / "out" / f"preset-{preset}" / "rendition.mp4"
        psnr = subprocess.run(
            ["ffmpeg", "-hide_banner", "-nostdin", "-i", str(rendition), "-i", str(inputs["vp8"]),
             # Pair frames by number: the two files use different time bases.
             "-lavfi", "[0:v]settb=1/30,setpts=N[a];[1:v]settb=1/30,setpts=N[b];[a][b]psnr",
             "-f", "null", "-"],
            capture_output=True, text=True, check=True,
        ).stderr  # fmt: skip
        average = re.search(r"average:([\d.]+|inf)", psnr)
        rows.append(
            {
                "preset": preset,
                "seconds": round(run["seconds"], 2),
                "x_realtime": round(SECONDS / run["seconds"], 2),
                # CPU seconds barely depend on what else runs on the machine.
                "cpu_s": round(run["cpu"], 2),
                "size_mb": round(rendition.stat().st_size / 1e6, 2),
                "psnr_db": float(average.group(1)) if average else None,
                "peak_mb": round(run["maxrss_mb"], 1),
                "load": round(run["load"], 2),
            }
        )
        print(json.dumps(rows[-1]), flush=True)
    return rows


def _uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def print_report(results: dict[str, Any]) -> None:
    print()
    print(f"uptime before: {results['uptime_before']}")
    print(f"{'':44} {'median s':>9} {'s/min':>7} {'x real':>7} {'cpu s':>7} {'peak MB':>8}  load")
    for key in (
        "a_vp8_ours",
        "a_vp8_ffmpeg",
        "b_h264_ours",
        "b_h264_ffmpeg",
        "c_asr_ours",
        "c_asr_ffmpeg",
    ):
        row = results[key]
        print(
            f"{row['name']:44} {row['median_s']:9.2f} {row['s_per_min']:7.2f} "
            f"{row['x_realtime']:7.1f} {row['cpu_s']:7.2f} {row['peak_mb']:8.1f}  {row['load']}"
        )
    print(f"(a) ffmpeg time / Oneway time: {results['a_ratio']} (target >= 1)")
    print("(b) target >= 50x real time; (c) target >= 3x real time")
    print(f"peak worker memory: {results['peak_worker_mb']} MB (target < 400)")
    print(
        f"word error rate on the script: Oneway {results['wer_ours']}, ffmpeg asr {results['wer_ffmpeg']}"
    )
    print(f"worker start-up (not counted): {results['startup_s']} s; plans: {results['plans']}")
    print(f"uptime after: {results['uptime_after']}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--child", nargs=3, metavar=("TASK", "INPUT", "OUTDIR"), help=argparse.SUPPRESS
    )
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--presets", action="store_true", help="x264 preset sweep instead")
    parser.add_argument(
        "--work",
        type=Path,
        default=Path(os.environ.get("ONEWAY_BENCH_DIR", "/tmp/oneway-bench-media")),
    )
    args = parser.parse_args()
    if args.child:
        task, source, outdir = args.child
        child(task, Path(source), Path(outdir))
        return
    ensure_tools()
    args.work.mkdir(parents=True, exist_ok=True)
    setup_django(args.work)
    if args.presets:
        rows = presets(args.work, ["ultrafast", "superfast", "veryfast", "faster", "fast"])
        (args.work / "presets.json").write_text(json.dumps(rows, indent=2))
        return
    results = benchmark(args.work, args.rounds)
    (args.work / "results.json").write_text(json.dumps(results, indent=2))
    print_report(results)


if __name__ == "__main__":
    main()
