"""`make models`: rebuild every trained artefact under models/ from ../shared/data.

The static embedders (models/static-minilm, models/static-minilm-tokenlearn) are not rebuilt
here: distilling them needs `model2vec[distill]` in a separate environment (see
flows/training/distill_static.py).

Run: .venv/bin/python -m flows.training.all
"""

from __future__ import annotations

import logging
import time

from flows.runtime import configure_runtime
from flows.training import (
    empathy,
    empathy_minilm,
    german,
    pain,
    pain_student,
    pain_teacher,
    sentiment,
    speaker_roles,
)

log = logging.getLogger(__name__)


def main() -> None:
    """Train sentiment, pain detector + categoriser, the pain teacher (~20 min on 2 cores) and
    its student (~10 min), empathy, the opt-in empathy reader (~3 min), the German models and
    the speaker roles."""
    configure_runtime()
    # The recorded feature/C choices are refit; each trainer's own flag reruns its selection.
    steps = (("sentiment", lambda: sentiment.main(["--no-select"])),
             ("pain", lambda: pain.main([])), ("pain teacher", lambda: pain_teacher.main([])),
             # after the teacher, whose P(pain) it learns
             ("pain student", lambda: pain_student.main([])),
             ("empathy", empathy.main),
             # after the linear empathy model, which its blend map reads
             ("empathy reader", lambda: empathy_minilm.main([])),
             ("german", german.main), ("speaker roles", speaker_roles.main))
    for name, rebuild in steps:
        started = time.perf_counter()
        rebuild()
        log.info("%s rebuilt in %.0f s", name, time.perf_counter() - started)


if __name__ == "__main__":
    main()
