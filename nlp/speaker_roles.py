"""Which speaker of a diarised transcript is the agent and which the customer.

Transcription platforms label speakers by who spoke (`spk_0`, `A`, `2`, a display name), not
by role. A linear model (`models/speaker-roles`) scores each turn's text as an agent's
("let me check that for you", "thank you for calling") or a customer's ("my card fell into
the water"); a speaker's score is the mean of its turns' log-odds. The speaker who reads
most like a customer is the customer and the one who reads most like an agent is the agent;
any third speaker (a transfer, a supervisor) goes by the sign of its own score, and so does a
lone speaker. When the two ends are too close to tell (`tie_margin`), the caller may say who
spoke first: in a phone call the agent usually answers. What the model reads and how well:
`models/speaker-roles/MODEL_CARD.md`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nlp.schema import AGENT, CUSTOMER
from nlp.textmodel import LinearTextModel

# Social-media artefacts that name the side rather than say anything: `@brand` / `@12345`
# handles, `^JD` agent signatures, links. They are absent from calls, so the model must
# not learn from them.
_HANDLES = re.compile(r"(?:^|(?<=\s))[@^]\w+|https?://\S+")


def role_text(text: str) -> str:
    """The text the role model reads: `text` without handles, signatures and links."""
    return _HANDLES.sub(" ", text).strip()


@dataclass(frozen=True, slots=True)
class SpeakerRoles:
    """The role of each speaker label and how clearly the text told them apart.

    `margin` is the gap between the most agent-like and the most customer-like speaker's
    mean log-odds (0.0 with a single speaker): near 0 the text cannot tell them apart.
    `by_first_speaker` says the roles came from the tie-break, not the text.
    """

    roles: dict[str, str]
    scores: dict[str, float]
    margin: float
    by_first_speaker: bool = False


def assign_roles(turn_scores: Sequence[tuple[str, float]], tie_margin: float = 0.0
                 ) -> SpeakerRoles:
    """Roles from each turn's (speaker label, agent log-odds), in spoken order.

    Args:
        turn_scores: (speaker label, agent log-odds) per turn.
        tie_margin: when the speakers' margin is below it, the first speaker is the agent
            and the most customer-like other speaker the customer (0: never).

    Raises:
        ValueError: If there are no turns.
    """
    if not turn_scores:
        raise ValueError("no turns to assign roles from")
    by_speaker: dict[str, list[float]] = {}
    for label, score in turn_scores:
        by_speaker.setdefault(label, []).append(score)
    scores = {label: float(np.mean(values)) for label, values in by_speaker.items()}
    roles = {label: AGENT if score > 0 else CUSTOMER for label, score in scores.items()}
    if len(scores) == 1:
        return SpeakerRoles(roles, scores, 0.0)
    # Stable order: ties go to the first speaker to talk.
    ranked = sorted(scores, key=lambda label: scores[label])
    margin = scores[ranked[-1]] - scores[ranked[0]]
    if margin >= tie_margin:
        roles[ranked[0]], roles[ranked[-1]] = CUSTOMER, AGENT
        return SpeakerRoles(roles, scores, margin)
    first = turn_scores[0][0]
    roles[first] = AGENT
    roles[next(label for label in ranked if label != first)] = CUSTOMER
    return SpeakerRoles(roles, scores, margin, by_first_speaker=True)


def infer_roles(labels: Sequence[str], texts: Sequence[str], model: LinearTextModel,
                tie_margin: float = 0.0) -> SpeakerRoles:
    """The roles of the speakers of one transcript: `labels[i]` said `texts[i]`
    (`tie_margin`: see `assign_roles`)."""
    if len(labels) != len(texts):
        raise ValueError("one speaker label per text")
    scores = model.decision([role_text(t) for t in texts], None)[:, 0] if texts else []
    return assign_roles(list(zip(labels, (float(s) for s in scores), strict=True)),
                        tie_margin)
