"""Transcripts as contact-centre platforms write them, mapped to the input contract's call.

A `.json` file whose object is no call of CONTRACT §1 (it has no `turns`) is read as one of
these when it has their structure (`../shared/data/vendor_formats`, PROVENANCE.txt of each):

- **Amazon Transcribe Call Analytics** (post-call output): `Transcript[]` turns with
  `ParticipantRole` (AGENT / CUSTOMER), `Content`, `Begin/EndOffsetMillis`; the call id is
  the `JobName`.
- **Amazon Connect Contact Lens** (post-contact analysis): `Transcript[]` turns with a
  `ParticipantId` that `Participants[]` maps to its `ParticipantRole`; the call id is
  `CustomerMetadata.ContactId`.
- **AWS Post-Call Analytics** (the solution's parsed output): `SpeechSegments[]` with a
  `SegmentSpeaker` (`spk_0`) that `ConversationAnalytics.SpeakerLabels` names ("Agent"),
  `OriginalText`, `SegmentStart/EndTime`; the call id is `ConversationAnalytics.GUID`.

Turns keep the file's order and texts (with the platform's own `[PII]` redaction); the
speaker is the role as written (`AGENT`, "Customer": the contract reads any case), else the
participant or speaker id (kept, not analysed); a call id the file does not give is the
file name without `.json`. The platform's own sentiment,
issues and categories are not read: the pipeline scores every call the same way. Diarised
transcripts without roles (Deepgram, AssemblyAI, plain Amazon Transcribe, Bedrock Data
Automation) are read by `flows.diarised`, which infers who is the agent.
"""

from __future__ import annotations

from typing import Any

from flows.diarised import diarised_call, with_inferred_roles
from flows.settings import Settings


def vendor_call(obj: Any, stem: str) -> dict[str, Any] | None:
    """The call object (CONTRACT §1) of a platform's transcript file, or None when `obj`
    has none of the structures above. `stem`: the file name without `.json`."""
    if not isinstance(obj, dict) or "turns" in obj:
        return None
    if isinstance(obj.get("Transcript"), list):
        return _transcribe_or_contact_lens(obj, stem)
    if isinstance(obj.get("SpeechSegments"), list):
        return _post_call_analytics(obj, stem)
    configured = Settings().speaker_roles  # read once: the reading and the roles need it
    call = diarised_call(obj, stem, configured)
    return None if call is None else with_inferred_roles(call, configured)


def _transcribe_or_contact_lens(obj: dict[str, Any], stem: str) -> dict[str, Any] | None:
    roles = {p.get("ParticipantId"): p.get("ParticipantRole")
             for p in obj.get("Participants") or [] if isinstance(p, dict)}
    turns = []
    for item in obj["Transcript"]:
        if not isinstance(item, dict) or "Content" not in item:
            return None
        participant = item.get("ParticipantId")
        role = item.get("ParticipantRole") or roles.get(participant) or participant
        turns.append({"speaker": role, "text": item["Content"],
                      "start_s": _millis(item.get("BeginOffsetMillis")),
                      "end_s": _millis(item.get("EndOffsetMillis"))})
    metadata = obj.get("CustomerMetadata") if isinstance(obj.get("CustomerMetadata"), dict) else {}
    call_id = metadata.get("ContactId") or obj.get("JobName") or stem
    return {"call_id": call_id, "language": obj.get("LanguageCode"),
            "channel": _channel(obj.get("Channel")), "turns": turns}


def _post_call_analytics(obj: dict[str, Any], stem: str) -> dict[str, Any] | None:
    analytics = obj.get("ConversationAnalytics")
    analytics = analytics if isinstance(analytics, dict) else {}
    names = {label.get("Speaker"): label.get("DisplayText")
             for label in analytics.get("SpeakerLabels") or [] if isinstance(label, dict)}
    turns = []
    for segment in obj["SpeechSegments"]:
        if not isinstance(segment, dict) or "OriginalText" not in segment:
            return None
        speaker = segment.get("SegmentSpeaker")
        turns.append({"speaker": names.get(speaker) or speaker,
                      "text": segment["OriginalText"],
                      "start_s": segment.get("SegmentStartTime"),
                      "end_s": segment.get("SegmentEndTime")})
    guid = analytics.get("GUID")
    call_id = guid if isinstance(guid, str) and guid.strip() not in ("", "None") else stem
    return {"call_id": call_id, "language": analytics.get("LanguageCode"), "channel": "voice",
            "turns": turns}


def _millis(value: Any) -> Any:
    return value / 1000 if isinstance(value, int | float) and not isinstance(value, bool) else value


def _channel(value: Any) -> str | None:
    return value.lower() if isinstance(value, str) and value.strip() else None
