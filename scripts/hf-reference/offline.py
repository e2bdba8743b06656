"""Imported before transformers by the scripts here: local folders only, and quiet.

Without HF_HUB_OFFLINE, transformers asks the Hub about each local folder and waits out the network timeouts.
"""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
