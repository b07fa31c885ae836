"""Diarised transcripts that name speakers, not roles, mapped to the input contract's call.

Transcription services separate who spoke (`spk_0`, `A`, speaker `2`, channel `ch_1`, a
Teams display name) but not who is the agent. These formats are read into turns labelled by
speaker (`../shared/data/vendor_formats`, PROVENANCE.txt of each):

- **Deepgram** pre-recorded responses: `results.utterances[]` (`speaker` or `channel`), else
  the words of `results.channels[]` grouped by speaker; the call id is `metadata.request_id`.
- **AssemblyAI** transcripts: `utterances[]` (`speaker` "A", times in ms), else `words[]`
  grouped by speaker; the call id is `id`.
- **Amazon Transcribe** (plain) jobs: `results.audio_segments[]` where the job wrote them,
  else the words of `results.items` joined to `speaker_labels` by start time, or the words
  of each of `channel_labels.channels[]` merged by time; the call id is `jobName`.
- **Amazon Bedrock Data Automation** audio output: `audio_segments[]` (`speaker` or
  `channel` label, times in ms; by channel where `CALLINSIGHT_SPEAKER_ROLES` names the
  channels, not the speakers); the call id is the file name.
- **WebVTT** with voice tags (`<v Name>`, Microsoft Teams / Graph), Teams' JSON cue bodies
  (`speakerName`, `spokenText`) or `Name: text` cues (`.vtt`), and **SubRip** subtitles with
  `Name: text` cues (`.srt`, as WhisperX writes `[SPEAKER_00]: ...`; `flows.readers`).
- Plain-text transcripts (CONTRACT §1) whose every speaker has a diarisation tool's
  anonymous label (`SPEAKER_00`, `Speaker 1`, `spk_0`: `ANONYMOUS_SPEAKER`); a text file
  with a name or a role among its speakers is read as the contract says.

`with_inferred_roles` then tells agent from customer by what each speaker says
(`nlp.speaker_roles`, models/speaker-roles). Where the text cannot tell them apart (the
speakers' margin below `TIE_MARGIN`) the first to speak is the agent, who answers a call. The
call's `metadata` records the mapping: `speaker_labels` (label -> role), `speaker_roles`
("inferred from the text" or "first speaker is the agent") and `speaker_roles_margin`. A
deployment that knows its labels' roles (the agent's channel of stereo recordings) names
them in `CALLINSIGHT_SPEAKER_ROLES`; a call whose labels are all named takes them
(`speaker_roles` = "configured"). A transcript whose labels already are roles (`Agent`,
`Customer`, CONTRACT §1) keeps them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from flows.artefacts import load_speaker_roles
from flows.settings import Settings
from flows.validation import InvalidRecord, Reason
from nlp.schema import OTHER, normalise_speaker
from nlp.speaker_roles import infer_roles

#: Below this margin (agent log-odds) the text is a coin toss: on the held-out IBM
#: conversations 6 of the 11 below it came out right, against 98.3% overall
#: (`callinsight eval --suite roles`; models/speaker-roles/MODEL_CARD.md).
TIE_MARGIN = 0.5
#: Labels that diarisation tools give the speakers they cannot name: `SPEAKER_00` (pyannote,
#: WhisperX, also `[SPEAKER_00]`), `Speaker 1` (Otter, Rev, Descript), `spk_0` (Amazon).
ANONYMOUS_SPEAKER = re.compile(
    r"\[?(?:speaker|spk|spkr|participant|person|voice)[ _-]?\d{1,3}\]?", re.IGNORECASE)
#: (speaker label, start s, end s, text) of one word or one segment.
Piece = tuple[str, Any, Any, str]


def diarised_call(obj: dict[str, Any], stem: str,
                  configured: Mapping[str, str] | None = None) -> dict[str, Any] | None:
    """The call (speaker labels, not yet roles) of a diarised transcript, or None when `obj`
    has none of the structures above. `configured`: the roles the deployment knows (None:
    `Settings().speaker_roles`), which decide whether audio segments that carry both a
    speaker and a channel label are read by channel (`_segments`).

    Raises:
        InvalidRecord: If `obj` has one of them but not the fields its turns need.
    """
    configured = Settings().speaker_roles if configured is None else configured
    results = obj.get("results")
    if isinstance(results, dict) and isinstance(obj.get("metadata"), dict) and \
            isinstance(results.get("channels") or results.get("utterances"), list):
        name, read = "Deepgram", lambda: _call(obj["metadata"].get("request_id") or stem,
                                               _deepgram(results))
    elif isinstance(results, dict) and isinstance(results.get("items"), list):
        name, read = "Amazon Transcribe", lambda: _call(obj.get("jobName") or stem,
                                                        _transcribe(results, configured))
    elif isinstance(obj.get("audio_segments"), list):
        name, read = "Bedrock Data Automation", lambda: _call(
            stem, _segments(obj["audio_segments"], "text", 1000, configured))
    elif isinstance(obj.get("utterances"), list) or \
            (isinstance(obj.get("words"), list) and "audio_url" in obj):
        name, read = "AssemblyAI", lambda: _call(obj.get("id") or stem, _assemblyai(obj))
    else:
        return None
    try:
        return read()
    except (AttributeError, TypeError, KeyError, IndexError) as e:
        raise InvalidRecord(Reason.BAD_TURN, f"malformed {name} transcript ({e!r:.80})") from e


def with_inferred_roles(call: dict[str, Any],
                        configured: Mapping[str, str] | None = None) -> dict[str, Any]:
    """`call` with each speaker label replaced by its role (see the module doc).

    Args:
        call: A call whose turns' `speaker` is a label (`spk_0`, a name).
        configured: label -> role that the deployment knows (None: `Settings().speaker_roles`);
            used when it names every label of the call.
    """
    turns = call.get("turns") or []
    labels = [str(turn["speaker"]) for turn in turns]
    if not turns or all(normalise_speaker(label) != OTHER for label in labels):
        return call
    configured = Settings().speaker_roles if configured is None else configured
    if all(label in configured for label in labels):
        roles = {label: configured[label] for label in dict.fromkeys(labels)}
        how: dict[str, Any] = {"speaker_roles": "configured"}
    else:
        inferred = infer_roles(labels, [turn["text"] for turn in turns], load_speaker_roles(),
                               TIE_MARGIN)
        roles = inferred.roles
        how = {"speaker_roles": "first speaker is the agent" if inferred.by_first_speaker
               else "inferred from the text", "speaker_roles_margin": round(inferred.margin, 3)}
    metadata = call.get("metadata") if isinstance(call.get("metadata"), dict) else {}
    return {**call,
            "turns": [{**turn, "speaker": roles[label]}
                      for turn, label in zip(turns, labels, strict=True)],
            "metadata": {**metadata, "speaker_labels": roles, **how}}


def _call(call_id: Any, pieces: list[Piece]) -> dict[str, Any]:
    """A call without turns is quarantined as such by `flows.validation.parse_call`."""
    return {"call_id": call_id, "channel": "voice", "turns": _group(pieces)}


def _group(pieces: Iterable[Piece]) -> list[dict[str, Any]]:
    """Consecutive pieces of one speaker become one turn; punctuation (no start time)
    joins the word before it."""
    turns: list[dict[str, Any]] = []
    for label, start, end, text in pieces:
        text = text.strip() if isinstance(text, str) else ""
        if not text:
            continue
        if turns and turns[-1]["speaker"] == label:
            glue = "" if start is None and not text[0].isalnum() else " "
            turns[-1]["text"] += glue + text
            turns[-1]["end_s"] = end if end is not None else turns[-1]["end_s"]
        else:
            turns.append({"speaker": label, "text": text, "start_s": start, "end_s": end})
    return turns


def _seconds(value: Any, per_second: int = 1) -> float | None:
    try:
        return float(value) / per_second
    except (TypeError, ValueError):
        return None


def _segments(segments: list[Any], text_key: str, per_second: int,
              configured: Mapping[str, str]) -> list[Piece]:
    """Bedrock's and Transcribe's audio segments, each by its speaker label, or by its channel
    label where `configured` (the deployment's known roles) names every channel label of the
    file but not every speaker label: stereo recordings, the agent on one channel, in files
    that carry both labels (Bedrock's do)."""
    rows = [segment for segment in segments if isinstance(segment, dict)]
    speakers = [_segment_label(segment, "speaker") for segment in rows]
    channels = [_segment_label(segment, "channel") for segment in rows]
    by_channel = bool(rows) and all(c is not None and c in configured for c in channels) and \
        not all(label in configured for label in speakers)
    pieces = []
    for segment, speaker, channel in zip(rows, speakers, channels, strict=True):
        label = (channel if by_channel else speaker or channel) or "speaker"
        start = segment.get("start_timestamp_millis", segment.get("start_time"))
        end = segment.get("end_timestamp_millis", segment.get("end_time"))
        pieces.append((label, _seconds(start, per_second), _seconds(end, per_second),
                       segment.get(text_key) or ""))
    return pieces


def _segment_label(segment: dict[str, Any], kind: str) -> str | None:
    """A segment's `kind` ("speaker" or "channel") label: `{kind: {kind_label: ...}}`,
    `{kind: ...}` or `{kind_label: ...}`; None when it has none."""
    value = segment.get(kind)
    label = (value.get(f"{kind}_label") if isinstance(value, dict) else value) or \
        segment.get(f"{kind}_label")
    return None if label in (None, "") else str(label)


def _deepgram(results: dict[str, Any]) -> list[Piece]:
    if isinstance(results.get("utterances"), list):
        return [(_speaker_label(u), _seconds(u.get("start")), _seconds(u.get("end")),
                 u.get("transcript") or "") for u in results["utterances"] if isinstance(u, dict)]
    words = []
    for index, channel in enumerate(results.get("channels") or []):
        alternatives = channel.get("alternatives") if isinstance(channel, dict) else None
        for word in (alternatives[0].get("words") or []) if alternatives else []:
            if isinstance(word, dict):
                words.append((_speaker_label({"channel": index, **word}),
                              _seconds(word.get("start")), _seconds(word.get("end")),
                              word.get("punctuated_word") or word.get("word") or ""))
    return sorted(words, key=lambda piece: piece[1] or 0.0)


def _speaker_label(item: dict[str, Any]) -> str:
    speaker = item.get("speaker")
    return f"speaker {speaker}" if speaker is not None else f"channel {item.get('channel', 0)}"


def _assemblyai(obj: dict[str, Any]) -> list[Piece]:
    items = obj.get("utterances") if isinstance(obj.get("utterances"), list) else obj["words"]
    return [(f"speaker {item.get('speaker')}", _seconds(item.get("start"), 1000),
             _seconds(item.get("end"), 1000), item.get("text") or "")
            for item in items if isinstance(item, dict)]


def _transcribe(results: dict[str, Any], configured: Mapping[str, str]) -> list[Piece]:
    if isinstance(results.get("audio_segments"), list) and results["audio_segments"]:
        return _segments(results["audio_segments"], "transcript", 1, configured)
    channels = (results.get("channel_labels") or {}).get("channels")
    if isinstance(channels, list):
        words = [word for channel in channels if isinstance(channel, dict)
                 for word in _transcribe_words(channel.get("items") or [],
                                               lambda _, c=channel: c.get("channel_label"))]
        return sorted(words, key=lambda piece: piece[1] or 0.0)
    speakers = {item.get("start_time"): item.get("speaker_label")
                for segment in (results.get("speaker_labels") or {}).get("segments") or []
                for item in segment.get("items") or [] if isinstance(item, dict)}
    return _transcribe_words(results["items"], lambda item: speakers.get(item.get("start_time")))


def _transcribe_words(items: list[Any], label_of) -> list[Piece]:
    """Transcribe's word items; a punctuation item (no times) takes the word before it."""
    pieces: list[Piece] = []
    for item in items:
        if not isinstance(item, dict) or not item.get("alternatives"):
            continue
        content = item["alternatives"][0].get("content") or ""
        if item.get("type") == "punctuation" and pieces:
            label, start, _, text = pieces[-1]
            pieces[-1] = (label, start, pieces[-1][2], text + content)
            continue
        label = label_of(item) or (pieces[-1][0] if pieces else "spk_0")
        pieces.append((str(label), _seconds(item.get("start_time")),
                       _seconds(item.get("end_time")), content))
    return pieces


# --------------------------------------------------------------------------- WebVTT

_CUE_TIME = re.compile(r"^\s*(\S+)\s+-->\s+(\S+)")
_VOICE = re.compile(r"<v(?:\.[\w.-]+)?\s+([^>]+)>(.*?)(?:</v>|$)", re.S)
_NAME_PREFIX = re.compile(r"^([^:<>\n]{1,40}):\s+(.+)$", re.S)
_TAG = re.compile(r"<[^>]+>")


def anonymous_speakers(turns: list[dict[str, Any]]) -> bool:
    """Whether every turn's speaker is an anonymous diarisation label (`ANONYMOUS_SPEAKER`)."""
    return bool(turns) and all(ANONYMOUS_SPEAKER.fullmatch(str(t["speaker"])) for t in turns)


def vtt_call(text: str, call_id: str) -> dict[str, Any]:
    """The call of a WebVTT or SubRip transcript (one per file), speakers by name; a cue
    without one continues the turn before it. A file without cues gives a call without
    turns.

    Raises:
        InvalidRecord: If the first cue names no speaker.
    """
    pieces: list[Piece] = []
    for block in re.split(r"\n\s*\n", text.replace("\r\n", "\n").lstrip("\ufeff")):
        lines = block.strip().split("\n")
        timing = next((i for i, line in enumerate(lines) if _CUE_TIME.match(line)), None)
        if timing is None:
            continue  # the header, a NOTE, STYLE or REGION block
        start, end = _CUE_TIME.match(lines[timing]).groups()
        speaker, said = _cue_speaker("\n".join(lines[timing + 1:]).strip())
        if speaker is None and not pieces:
            raise InvalidRecord(Reason.BAD_TURN, "the first cue names no speaker")
        # a cue without a name goes on with the speaker before it
        pieces.append((speaker or pieces[-1][0], clock_seconds(start), clock_seconds(end),
                       said))
    return _call(call_id, pieces)


def _cue_speaker(body: str) -> tuple[str | None, str]:
    voice = _VOICE.search(body)
    if voice and voice[1].strip():
        return voice[1].strip(), _TAG.sub("", voice[2]).strip()
    if body.startswith("{"):
        try:
            cue = json.loads(body)
        except ValueError:
            cue = None
        if isinstance(cue, dict) and cue.get("speakerName"):
            return str(cue["speakerName"]), str(cue.get("spokenText") or "")
    prefix = _NAME_PREFIX.match(_TAG.sub("", body))
    if prefix and prefix[1].strip():
        return prefix[1].strip(), prefix[2].strip()
    return None, body


def clock_seconds(stamp: str) -> float | None:
    """Seconds of a `[hh:]mm:ss[.fff]` time (`00:01:05,120`, Graph's `0:0:5.320`), or None."""
    try:
        seconds = 0.0
        for part in stamp.replace(",", ".").split(":"):
            seconds = seconds * 60 + float(part)
    except ValueError:
        return None
    return seconds
