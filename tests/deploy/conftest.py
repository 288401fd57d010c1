import sys
from pathlib import Path

# tus_server (granian in a subprocess) lives with the upload tests.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "uploads"))
