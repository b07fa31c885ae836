"""Process-wide settings that must be in place before Prefect or torch are imported."""

from __future__ import annotations

import logging
import os
from pathlib import Path

#: Defaults for a server-less run here (see ../shared/STACK_NOTES.md): a cold temporary Prefect
#: server needs ~20 s to start, which is Prefect's own start-up timeout; its telemetry cannot
#: reach the network; models load from installed packages only.
RUNTIME_DEFAULTS = {
    "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "180",
    "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
    "PREFECT_UI_ENABLED": "false",
    "DO_NOT_TRACK": "1",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TOKENIZERS_PARALLELISM": "false",
}


def configure_runtime(prefect_home: Path | None = None) -> None:
    """Set offline/start-up defaults and a project-local PREFECT_HOME, unless already set."""
    for key, value in RUNTIME_DEFAULTS.items():
        os.environ.setdefault(key, value)
    home = prefect_home or Path.cwd() / ".prefect"
    os.environ.setdefault("PREFECT_HOME", str(home))
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for noisy in ("httpx", "httpcore", "sentence_transformers", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
