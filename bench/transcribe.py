"""Speech-to-text benchmark (issue 18): Whisper base (faster-whisper, int8, one thread)
next to PocketSphinx, on the same inputs in one run.

Inputs, all made or found on this machine (Debian packages, no downloads):
- human read speech: the five LibriVox clips of Debian's ``pocketsphinx-testdata`` with
  their reference transcripts;
- flite voices (rms, slt, awb, kal) reading an interview answer;
- a sentence built from single flite words with known gaps, so each word's true start
  and end are known (word timestamp accuracy);
- German and Spanish from espeak-ng (the language path; PocketSphinx knows English only).

Each engine runs in a child process, like a worker: the model is loaded once (timed on its
own), then every input is transcribed; wall and CPU time per input, and the child's peak
memory (``ru_maxrss``), are measured inside it. The machine is shared: the load average is
printed with the figures.

    .venv/bin/python bench/transcribe.py
    .venv/bin/python bench/transcribe.py --engines whisper
"""

from __future__ import annotations

import argparse
import array
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import wave
from difflib import SequenceMatcher
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
ANSWER = (
    "In my last job I led a small team that rebuilt the billing system. We moved it to a "
    "new database and shipped it without any downtime. I learned to write things down early."
)
TIMED = "please tell us about a project you are proud of and what you learned from it"
GERMAN = (
    "Guten Tag. Ich heiße Anna und arbeite seit fünf Jahren als Ingenieurin in Berlin. "
    "Am liebsten löse ich schwierige Probleme gemeinsam mit meinem Team."
)
SPANISH = (
    "Buenos días. Me llamo Lucía y trabajo desde hace cinco años como ingeniera en Madrid. "
    "Me gusta resolver problemas difíciles junto con mi equipo."
)
GAP = 0.25  # seconds of silence between the single words of the timed sentence


def ensure_tools() -> None:
    missing = [tool for tool in ("flite", "espeak-ng") if shutil.which(tool) is None]
    if missing or not LIBRIVOX.is_dir():
        sys.exit(
            "needs flite, espeak-ng and pocketsphinx-testdata "
            "(apt-get install flite espeak-ng pocketsphinx-testdata)"
        )


def normalise(text: str) -> list[str]:
    words = re.sub(r"[^\w' ]", " ", text.lower()).split()
    return ["mister" if w == "mr" else w for w in words]


def word_error_rate(hypothesis: list[str], reference: list[str]) -> float:
    row = list(range(len(hypothesis) + 1))
    for i, ref in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, hyp in enumerate(hypothesis, 1):
            current = min(row[j] + 1, row[j - 1] + 1, previous + (hyp != ref))
            previous, row[j] = row[j], current
    return row[len(hypothesis)] / len(reference)


def read_pcm(path: Path) -> bytes:
    """16 kHz mono s16, through the same extraction the worker uses."""
    import django

    django.setup()
    from oneway.media.transcribe import extract_speech

    pcm = extract_speech(path)
    assert pcm is not None
    return pcm


def timed_sentence(folder: Path) -> tuple[Path, list[tuple[str, float, float]]]:
    """Single flite words joined with known gaps; the truth is where each word sounds."""
    samples = array.array("h")
    truth = []
    for index, word in enumerate(TIMED.split()):
        clip = folder / f"word-{index}.wav"
        subprocess.run(["flite", "-voice", "rms", "-t", word, "-o", str(clip)], check=True)
        with wave.open(str(clip)) as handle:
            rate = handle.getframerate()
            data = array.array("h", handle.readframes(handle.getnframes()))
        loud = [i for i, value in enumerate(data) if abs(value) > 300]
        data = data[loud[0] : loud[-1] + 1]
        start = len(samples) / rate
        samples.extend(data)
        truth.append((word, start, len(samples) / rate))
        samples.extend(array.array("h", bytes(int(GAP * rate) * 2)))
    path = folder / "timed.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path, truth


def make_inputs(folder: Path) -> list[dict[str, Any]]:
    inputs: list[dict[str, Any]] = []
    references = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line)
        if match:
            references[match.group(2)] = match.group(1)
    for name, text in sorted(references.items()):
        inputs.append(
            {
                "group": "human",
                "name": name[-4:],
                "path": str(LIBRIVOX / f"{name}.wav"),
                "text": text,
                "language": "en",
            }
        )
    for voice in ("rms", "slt", "awb", "kal"):
        path = folder / f"flite-{voice}.wav"
        subprocess.run(["flite", "-voice", voice, "-t", ANSWER, "-o", str(path)], check=True)
        inputs.append(
            {"group": "flite", "name": voice, "path": str(path), "text": ANSWER, "language": "en"}
        )
    path, truth = timed_sentence(folder)
    inputs.append(
        {
            "group": "timed",
            "name": "rms words",
            "path": str(path),
            "text": TIMED,
            "language": "en",
            "truth": truth,
        }
    )
    for language, text in (("de", GERMAN), ("es", SPANISH)):
        path = folder / f"espeak-{language}.wav"
        subprocess.run(
            ["espeak-ng", "-v", language, "-s", "140", "-w", str(path), text], check=True
        )
        inputs.append(
            {
                "group": language,
                "name": "espeak-ng",
                "path": str(path),
                "text": text,
                "language": language,
            }
        )
    return inputs


def child(engine: str, manifest: Path) -> None:
    """Runs in the child process: load once, transcribe every input, print JSON."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    import django

    django.setup()
    from oneway.media.transcribe import TranscriptUnavailable, get_transcriber

    inputs = json.loads(manifest.read_text())
    pcms = [read_pcm(Path(item["path"])) for item in inputs]
    transcriber = get_transcriber(engine)
    started, cpu = time.monotonic(), time.process_time()
    if engine == "whisper":
        from oneway.media import whisper

        whisper.load_model(transcriber.source)  # type: ignore[attr-defined]
    else:
        transcriber.transcribe(bytes(3200))
    load = {"wall": time.monotonic() - started, "cpu": time.process_time() - cpu}
    results = []
    for pcm in pcms:
        started, cpu = time.monotonic(), time.process_time()
        try:
            transcript = transcriber.transcribe(pcm)  # language detected, as by default
            words = [(w.w, w.start, w.end) for w in transcript.words]
            language = transcript.language
        except TranscriptUnavailable:
            words, language = [], ""
        results.append(
            {
                "wall": time.monotonic() - started,
                "cpu": time.process_time() - cpu,
                "audio": len(pcm) / 2 / 16000,
                "words": words,
                "language": language,
            }
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"load": load, "results": results, "peak_mb": peak}))


def timestamp_errors(words: list[list[Any]], truth: list[list[Any]]) -> list[float]:
    """|start - true start| and |end - true end| of the words both sides agree on."""
    hyp = normalise(" ".join(w[0] for w in words))
    ref = [t[0] for t in truth]
    errors = []
    if len(hyp) != len(words):
        return errors
    for block in SequenceMatcher(a=hyp, b=ref, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            word, true = words[block.a + k], truth[block.b + k]
            errors += [abs(word[1] - true[1]), abs(word[2] - true[2])]
    return errors


def run_engine(engine: str, manifest: Path) -> dict[str, Any]:
    before = os.getloadavg()[0]
    output = subprocess.run(
        [sys.executable, __file__, "--child", engine, "--manifest", str(manifest)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["loadavg"] = (before, os.getloadavg()[0])
    return result


def report(inputs: list[dict[str, Any]], runs: dict[str, dict[str, Any]]) -> None:
    groups = ["human", "flite", "timed", "de", "es"]
    print("\n| engine | input | WER | detected language | x real time | CPU s per audio s |")
    print("|---|---|---|---|---|---|")
    for engine, run in runs.items():
        for group in groups:
            rows = [
                (i, r) for i, r in zip(inputs, run["results"], strict=True) if i["group"] == group
            ]
            errors = sum(
                word_error_rate(normalise(" ".join(w[0] for w in r["words"])), normalise(i["text"]))
                * len(normalise(i["text"]))
                for i, r in rows
            )
            reference_words = sum(len(normalise(i["text"])) for i, _ in rows)
            audio = sum(r["audio"] for _, r in rows)
            wall = sum(r["wall"] for _, r in rows)
            cpu = sum(r["cpu"] for _, r in rows)
            languages = sorted({r["language"] or "-" for _, r in rows})
            print(
                f"| {engine} | {group} ({len(rows)}, {audio:.1f} s) | "
                f"{errors / reference_words:.3f} | {', '.join(languages)} | "
                f"{audio / wall:.1f}x | {cpu / audio:.3f} |"
            )
    print(
        "\n| engine | model load (wall / CPU) | peak memory | word timing error (median, max) | load average (before, after) |"
    )
    print("|---|---|---|---|---|")
    for engine, run in runs.items():
        timed = [
            (i, r) for i, r in zip(inputs, run["results"], strict=True) if i["group"] == "timed"
        ]
        errors = timestamp_errors(timed[0][1]["words"], timed[0][0]["truth"]) if timed else []
        timing = f"{statistics.median(errors):.2f} s, {max(errors):.2f} s" if errors else "-"
        print(
            f"| {engine} | {run['load']['wall']:.2f} s / {run['load']['cpu']:.2f} s | "
            f"{run['peak_mb']:.0f} MB | {timing} | "
            f"{run['loadavg'][0]:.1f}, {run['loadavg'][1]:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="whisper,pocketsphinx")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.manifest)
        return
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
        folder = Path(tmp)
        inputs = make_inputs(folder)
        manifest = folder / "inputs.json"
        manifest.write_text(json.dumps(inputs))
        print(f"load average at start: {os.getloadavg()}")
        runs = {}
        for engine in args.engines.split(","):
            runs[engine] = run_engine(engine, manifest)
            print(f"{engine}: done, load average {os.getloadavg()}", flush=True)
        report(inputs, runs)


if __name__ == "__main__":
    main()
