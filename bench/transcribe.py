"""Speech-to-text benchmark (issue 18): Whisper base (faster-whisper, int8, one thread)
next to PocketSphinx, on the same inputs in one run.

Inputs, all made or found on this machine (Debian packages, no downloads):
- human read speech: the five LibriVox clips of Debian's ``pocketsphinx-testdata`` with
  their reference transcripts;
- flite voices (rms, slt, awb, kal) reading an interview answer;
- a sentence built from single flite words with known gaps, so each word's true start
  and end are known (word timestamp accuracy);
- German and Spanish from espeak-ng (the language path; PocketSphinx knows English only).

- answers of realistic length (45 s to 2 min): LibriVox clips joined into readings of
  about 55 s and 110 s, two flite passages of a minute each and both together, German and
  Spanish passages of about 40 s from espeak-ng;
- the longest answer a question allows (ten minutes): the two passages read in turn by
  three flite voices, with pauses of 1 to 3 s between them.

Each engine runs in a child process, like a worker, pinned to one core (``--cpu``): the
model is loaded once (timed on its own), then every input is transcribed; wall and CPU
time per input, and the child's peak memory, are measured inside it: the high-water mark
of its resident memory (``VmHWM``) while the model loads, and again for each input (the
mark is reset before each), so the peak is known by length.
Results are given per input group and per length class, with each engine's CPU per audio
second as a ratio to PocketSphinx's in the same run. The machine is shared: the load
average is printed with the figures. Languages are detected unless ``--given-language``.

    .venv/bin/python bench/transcribe.py
    .venv/bin/python bench/transcribe.py --given-language --engines whisper
"""

from __future__ import annotations

import argparse
import array
import json
import os
import re
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

# Answers of realistic length (candidates speak 30 s to 2 min): two passages of about a
# minute each when flite reads them, and both together (about two minutes).
LONG_A = (
    "The project I am most proud of started as a small fix and grew into a rewrite of our "
    "whole order system. Customers had complained for months that orders sometimes vanished "
    "between the shop and the warehouse. Nobody owned the problem, because every team thought "
    "it lived in someone else's code. I asked my manager for two weeks to find out what was "
    "really going on. I read the logs, drew the flow of a single order on a whiteboard, and "
    "talked to the people in the warehouse who saw the missing orders first. It turned out that "
    "two services were retrying the same message and quietly dropping the second copy, even "
    "when the first had failed. We fixed that in a day, but the real work was making sure it "
    "could not happen again. Over the next three months we moved the order flow to a single "
    "queue with clear ownership, wrote tests that replayed a week of real traffic, and added a "
    "page where anyone could follow an order from start to finish. Complaints dropped to almost "
    "nothing, and the warehouse team now tells us about problems before customers notice them."
)
LONG_B = (
    "When I disagree with a colleague, I try to start by making sure I understand their point "
    "well enough to explain it back to them. Last year a senior engineer on my team wanted to "
    "split our main application into many small services. I thought it would slow us down, "
    "because we were only six people and already struggled to keep one system healthy. Instead "
    "of arguing in a meeting, I wrote a short document that listed what each of us wanted to "
    "achieve, and what each plan would cost in time and in the number of things that could "
    "break at night. We found that we agreed on the goal, which was faster releases, and "
    "disagreed only on the way to get there. In the end we kept one application but drew firm "
    "lines between its parts, so that each part could be tested and released on its own. A "
    "year later two of those parts did become separate services, and moving them was easy "
    "because the lines were already there. What I learned is that most arguments are about "
    "different guesses of the future, and writing those guesses down makes them much easier "
    "to settle."
)
GERMAN_LONG = (
    "Das Projekt, auf das ich am meisten stolz bin, war die Umstellung unserer Buchhaltung auf "
    "ein neues System. Am Anfang wusste niemand genau, welche Daten wir wirklich brauchten. Ich "
    "habe deshalb mit allen Abteilungen gesprochen und eine einfache Liste geschrieben, die "
    "jeder lesen konnte. Danach haben wir das alte und das neue System drei Monate lang "
    "nebeneinander laufen lassen und jeden Abend die Ergebnisse verglichen. Als die Zahlen zwei "
    "Wochen lang gleich waren, haben wir umgeschaltet. Der Wechsel hat an einem Wochenende "
    "stattgefunden, und am Montag hat niemand einen Unterschied bemerkt. Das war für mich das "
    "schönste Lob."
)
SPANISH_LONG = (
    "El proyecto del que estoy más orgullosa fue el cambio de nuestro sistema de reservas. Al "
    "principio nadie sabía exactamente qué datos necesitábamos de verdad. Por eso hablé con "
    "todos los departamentos y escribí una lista sencilla que cualquiera podía leer. Después "
    "hicimos funcionar el sistema antiguo y el nuevo al mismo tiempo durante tres meses, y cada "
    "noche comparamos los resultados. Cuando los números fueron iguales durante dos semanas, "
    "hicimos el cambio. Todo ocurrió durante un fin de semana, y el lunes nadie notó ninguna "
    "diferencia. Para mí, ese fue el mejor elogio."
)
PAUSE = 0.6  # seconds between LibriVox clips joined into one long reading
LONGEST = 600  # seconds: the longest answer a question allows (max_answer_seconds)


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


def librivox_references() -> dict[str, str]:
    references = {}
    for line in (LIBRIVOX / "transcription").read_text().splitlines():
        match = re.match(r"<s> (.*) </s> \((.*)\)", line)
        if match:
            references[match.group(2)] = match.group(1)
    return references


def joined_reading(folder: Path, name: str, order: list[str]) -> Path:
    """LibriVox clips (16 kHz mono) read one after another with a short pause: a long answer
    by a real human voice whose transcript is known."""
    path = folder / f"{name}.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        for clip in order:
            with wave.open(str(LIBRIVOX / f"{clip}.wav")) as handle:
                assert handle.getframerate() == 16000 and handle.getnchannels() == 1
                out.writeframes(handle.readframes(handle.getnframes()))
            out.writeframes(bytes(int(PAUSE * 16000) * 2))
    return path


def long_inputs(folder: Path, references: dict[str, str]) -> list[dict[str, Any]]:
    """Inputs of 45 s to 2 min, the length of candidates' answers."""
    inputs: list[dict[str, Any]] = []
    clips = sorted(references)
    # Each pass in another order, so no two neighbours repeat: about 54 s and 108 s.
    orders = [clips, clips[::-1], clips[1::2] + clips[::2], clips[::2][::-1] + clips[1::2]]
    for passes in (2, 4):
        order = [clip for rotation in orders[:passes] for clip in rotation]
        inputs.append(
            {
                "group": "human long",
                "name": f"librivox x{passes}",
                "path": str(joined_reading(folder, f"librivox-x{passes}", order)),
                "text": " ".join(references[clip] for clip in order),
                "language": "en",
            }
        )
    for voice, name, text in (
        ("slt", "A", LONG_A),
        ("awb", "B", LONG_B),
        ("rms", "A+B", f"{LONG_A} {LONG_B}"),
    ):
        path = folder / f"flite-long-{voice}.wav"
        subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True)
        inputs.append(
            {
                "group": "flite long",
                "name": f"{voice} {name}",
                "path": str(path),
                "text": text,
                "language": "en",
            }
        )
    for language, text in (("de", GERMAN_LONG), ("es", SPANISH_LONG)):
        path = folder / f"espeak-long-{language}.wav"
        subprocess.run(
            ["espeak-ng", "-v", language, "-s", "140", "-w", str(path), text], check=True
        )
        inputs.append(
            {
                "group": f"{language} long",
                "name": "espeak-ng",
                "path": str(path),
                "text": text,
                "language": language,
            }
        )
    inputs.append(longest_answer(folder))
    return inputs


def longest_answer(folder: Path) -> dict[str, Any]:
    """The two long passages read in turn by three voices, with pauses of 1 to 3 s (the
    longer ones end a stretch of speech for the voice-activity filter), up to ten minutes."""
    readings = []
    for voice in ("rms", "slt", "awb"):
        for name, text in (("A", LONG_A), ("B", LONG_B)):
            path = folder / f"longest-{voice}-{name}.wav"
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(path)], check=True)
            with wave.open(str(path)) as handle:
                readings.append((handle.readframes(handle.getnframes()), text))
                rate = handle.getframerate()
    path = folder / "longest.wav"
    texts: list[str] = []
    frames = 0
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        for index in range(100):
            data, text = readings[index % len(readings)]
            pause = bytes(int((1 + index % 3) * rate) * 2)
            if (frames + (len(data) + len(pause)) // 2) / rate > LONGEST:
                break
            out.writeframes(data + pause)
            frames += (len(data) + len(pause)) // 2
            texts.append(text)
    return {
        "group": "longest",
        "name": f"{len(texts)} passages",
        "path": str(path),
        "text": " ".join(texts),
        "language": "en",
    }


def high_water_mb() -> float:
    """The process's peak resident memory since it started or since the last reset."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def reset_high_water() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def make_inputs(folder: Path) -> list[dict[str, Any]]:
    inputs: list[dict[str, Any]] = []
    references = librivox_references()
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
    return inputs + long_inputs(folder, references)


def child(engine: str, manifest: Path, *, given: bool, cpu: int | None) -> None:
    """Runs in the child process: load once, transcribe every input, print JSON."""
    if cpu is not None:
        os.sched_setaffinity(0, {cpu})  # one core, like a worker beside the web server
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "oneway.settings")
    import django

    django.setup()
    from oneway.media.transcribe import TranscriptUnavailable, get_transcriber

    inputs = json.loads(manifest.read_text())
    transcriber = get_transcriber(engine)
    started, cpu_started = time.monotonic(), time.process_time()
    model = None
    if engine == "whisper":
        from oneway.media import whisper

        model = whisper.load_model(transcriber.source)  # type: ignore[attr-defined]
    else:
        transcriber.transcribe(bytes(3200))
    load = {
        "wall": time.monotonic() - started,
        "cpu": time.process_time() - cpu_started,
        "peak_mb": high_water_mb(),
    }
    results = []
    for item in inputs:
        reset_high_water()
        pcm = read_pcm(Path(item["path"]))  # one answer at a time, as in a worker
        passes = getattr(model, "encoder_passes", 0)
        language = item["language"] if given else None
        started, cpu_started = time.monotonic(), time.process_time()
        try:
            transcript = transcriber.transcribe(pcm, language=language)
            words = [(w.w, w.start, w.end) for w in transcript.words]
            language = transcript.language
        except TranscriptUnavailable:
            words, language = [], ""
        results.append(
            {
                "wall": time.monotonic() - started,
                "cpu": time.process_time() - cpu_started,
                "audio": len(pcm) / 2 / 16000,
                "words": words,
                "language": language,
                "encoder_passes": getattr(model, "encoder_passes", 0) - passes,
                "peak_mb": high_water_mb(),
            }
        )
    peak = max([load["peak_mb"], *(r["peak_mb"] for r in results)])
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


def run_engine(engine: str, manifest: Path, *, given: bool, cpu: int | None) -> dict[str, Any]:
    before = os.getloadavg()[0]
    command = [sys.executable, __file__, "--child", engine, "--manifest", str(manifest)]
    if given:
        command.append("--given-language")
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    result["loadavg"] = (before, os.getloadavg()[0])
    return result


GROUPS = [
    "human",
    "flite",
    "timed",
    "de",
    "es",
    "human long",
    "flite long",
    "de long",
    "es long",
    "longest",
]
# Length classes of the inputs: the benchmark's short clips, answers of realistic length,
# and the longest a question allows.
CLASSES = [
    ("under 30 s", 0, 30),
    ("30-60 s", 30, 60),
    ("60-130 s", 60, 130),
    ("130-600 s", 130, LONGEST + 1),
]


def summary(rows: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, Any]:
    reference_words = sum(len(normalise(i["text"])) for i, _ in rows)
    errors = sum(
        word_error_rate(normalise(" ".join(w[0] for w in r["words"])), normalise(i["text"]))
        * len(normalise(i["text"]))
        for i, r in rows
    )
    audio = sum(r["audio"] for _, r in rows)
    return {
        "count": len(rows),
        "audio": audio,
        "wer": errors / reference_words,
        "rtf": audio / sum(r["wall"] for _, r in rows),
        "cpu_rtf": audio / sum(r["cpu"] for _, r in rows),
        "cpu": sum(r["cpu"] for _, r in rows) / audio,
        "passes": sum(r.get("encoder_passes", 0) for _, r in rows),
        "languages": sorted({r["language"] or "-" for _, r in rows}),
        "peak_mb": max(r.get("peak_mb", 0) for _, r in rows),
    }


def report(inputs: list[dict[str, Any]], runs: dict[str, dict[str, Any]]) -> None:
    def rows_of(engine: str, keep: Any) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        pairs = zip(inputs, runs[engine]["results"], strict=True)
        return [(i, r) for i, r in pairs if keep(i, r)]

    baseline = "pocketsphinx" if "pocketsphinx" in runs else None
    print(
        "\n| engine | input | WER | language | x real time (wall) | x real time (CPU) "
        "| CPU s per audio s | ratio to PocketSphinx | encoder passes |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for engine in runs:
        for group in GROUPS:
            rows = rows_of(engine, lambda i, r, g=group: i["group"] == g)
            if not rows:
                continue
            got = summary(rows)
            ratio = "-"
            if baseline and engine != baseline:
                base = summary(rows_of(baseline, lambda i, r, g=group: i["group"] == g))
                ratio = f"{got['cpu'] / base['cpu']:.2f}"
            print(
                f"| {engine} | {group} ({got['count']}, {got['audio']:.1f} s) | {got['wer']:.3f} | "
                f"{', '.join(got['languages'])} | {got['rtf']:.1f}x | {got['cpu_rtf']:.1f}x | "
                f"{got['cpu']:.3f} | {ratio} | {got['passes'] or '-'} |"
            )
    print(
        "\n| engine | length | inputs | audio | WER | x real time (wall) | x real time (CPU) "
        "| CPU s per audio s | ratio to PocketSphinx | peak memory |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    classes = [*CLASSES, ("all", 0, 10_000)]
    for engine in runs:
        for label, low, high in classes:

            def keep(i: Any, r: Any, low: float = low, high: float = high) -> bool:
                return bool(low <= r["audio"] < high)

            rows = rows_of(engine, keep)
            if not rows:
                continue
            got = summary(rows)
            ratio = "-"
            if baseline and engine != baseline:
                base_rows = [
                    pair
                    for pair in rows_of(baseline, lambda i, r: True)
                    if low <= pair[1]["audio"] < high
                ]
                ratio = f"{got['cpu'] / summary(base_rows)['cpu']:.2f}"
            print(
                f"| {engine} | {label} | {got['count']} | {got['audio']:.0f} s | {got['wer']:.3f} "
                f"| {got['rtf']:.1f}x | {got['cpu_rtf']:.1f}x | {got['cpu']:.3f} | {ratio} "
                f"| {got['peak_mb']:.0f} MB |"
            )
    print(
        "\n| engine | model load (wall / CPU) | peak memory (loading; all) "
        "| word timing error (median, max) | load average (before, after) |"
    )
    print("|---|---|---|---|---|")
    for engine, run in runs.items():
        timed = rows_of(engine, lambda i, r: i["group"] == "timed")
        errors = timestamp_errors(timed[0][1]["words"], timed[0][0]["truth"]) if timed else []
        timing = f"{statistics.median(errors):.2f} s, {max(errors):.2f} s" if errors else "-"
        print(
            f"| {engine} | {run['load']['wall']:.2f} s / {run['load']['cpu']:.2f} s | "
            f"{run['load']['peak_mb']:.0f} MB; {run['peak_mb']:.0f} MB | {timing} | "
            f"{run['loadavg'][0]:.1f}, {run['loadavg'][1]:.1f} |"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="whisper,pocketsphinx")
    parser.add_argument(
        "--given-language",
        action="store_true",
        help="pass each input's language, as when the invitation names it (default: detect)",
    )
    parser.add_argument(
        "--cpu", type=int, default=1, help="the core each engine's child runs on (-1: any)"
    )
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--manifest", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    cpu = None if args.cpu < 0 else args.cpu
    if args.child:
        child(args.child, args.manifest, given=args.given_language, cpu=cpu)
        return
    ensure_tools()
    with tempfile.TemporaryDirectory(prefix="bench-transcribe-") as tmp:
        folder = Path(tmp)
        inputs = make_inputs(folder)
        manifest = folder / "inputs.json"
        manifest.write_text(json.dumps(inputs))
        print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
        print(f"load average at start: {os.getloadavg()}")
        runs = {}
        for engine in args.engines.split(","):
            runs[engine] = run_engine(engine, manifest, given=args.given_language, cpu=cpu)
            print(f"{engine}: done, load average {os.getloadavg()}", flush=True)
        report(inputs, runs)


if __name__ == "__main__":
    main()
