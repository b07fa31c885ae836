"""Diarised transcripts (speakers, not roles): readers and the agent / customer inference."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from flows.artefacts import load_speaker_roles
from flows.diarised import clock_seconds, diarised_call, vtt_call, with_inferred_roles
from flows.settings import Settings
from flows.sources import FileSource
from flows.validation import InvalidRecord
from nlp.schema import AGENT, CUSTOMER
from nlp.speaker_roles import assign_roles, infer_roles, role_text

DIARISED = Path(__file__).parent / "data" / "diarised"


def read_all(folder: Path):
    batches = list(FileSource(folder).iter_batches(100))
    return ([t for b in batches for t in b.transcripts],
            [q for b in batches for q in b.quarantined])


def load(name: str) -> dict:
    return json.loads((DIARISED / name).read_text("utf-8"))


# --------------------------------------------------------------------------- nlp.speaker_roles


def test_speaker_roles_two_speakers_by_rank() -> None:
    roles = assign_roles([("A", -0.2), ("B", -3.0), ("A", -0.4)])
    # Both read as customers, but A much less so: A is the agent.
    assert roles.roles == {"A": AGENT, "B": CUSTOMER}
    assert roles.margin == pytest.approx(2.7)
    assert not roles.by_first_speaker


def test_speaker_roles_lone_and_third_speakers_by_sign() -> None:
    assert assign_roles([("A", -1.0)]).roles == {"A": CUSTOMER}
    assert assign_roles([("A", 2.0)]).roles == {"A": AGENT}
    roles = assign_roles([("A", 3.0), ("B", -2.0), ("C", 1.0), ("D", -0.5)])
    assert roles.roles == {"A": AGENT, "B": CUSTOMER, "C": AGENT, "D": CUSTOMER}


def test_speaker_roles_tie_goes_to_the_first_speaker() -> None:
    turns = [("B", -1.0), ("A", -0.9), ("B", -1.1)]
    assert assign_roles(turns).roles == {"A": AGENT, "B": CUSTOMER}
    tied = assign_roles(turns, tie_margin=0.5)
    assert tied.roles == {"B": AGENT, "A": CUSTOMER} and tied.by_first_speaker
    # a clear margin is not overruled
    assert assign_roles([("B", -3.0), ("A", 2.0)], tie_margin=0.5).roles == {
        "A": AGENT, "B": CUSTOMER}


def test_speaker_roles_no_turns_raise() -> None:
    with pytest.raises(ValueError):
        assign_roles([])


def test_speaker_roles_text_drops_handles_and_links() -> None:
    assert role_text("@AmazonHelp my order is late https://t.co/x ^JD") == "my order is late"
    assert role_text("email me at a@b.com") == "email me at a@b.com"


def test_speaker_roles_model_reads_service_language() -> None:
    model = load_speaker_roles()
    labels = ["spk_0", "spk_1", "spk_0", "spk_1"]
    texts = ["Thank you for calling, how can I help you today?",
             "Hi, I was charged twice for my order and nobody called me back.",
             "I'm sorry about that. Let me look into your account and fix it.",
             "Okay, thanks. It's the card ending in 4411."]
    roles = infer_roles(labels, texts, model)
    assert roles.roles == {"spk_0": AGENT, "spk_1": CUSTOMER}
    assert roles.margin > 2.0
    # the same turns with the labels swapped swap the roles: the text decides
    swapped = infer_roles(["spk_1", "spk_0", "spk_1", "spk_0"], texts, model)
    assert swapped.roles == {"spk_0": CUSTOMER, "spk_1": AGENT}


# --------------------------------------------------------------------------- platform files


def test_diarised_bedrock_call_roles_inferred() -> None:
    call = with_inferred_roles(diarised_call(load("bda-standard.json"), "bda-standard"))
    assert (call["call_id"], call["channel"], len(call["turns"])) == ("bda-standard", "voice", 32)
    first = call["turns"][0]
    assert (first["speaker"], first["start_s"], first["end_s"]) == (AGENT, 1.62, 5.84)
    assert first["text"].startswith("Hello. Sleepaway Camp Hotel.")
    # spk_1 answers as the hotel (PROVENANCE.txt)
    assert call["metadata"]["speaker_labels"] == {"spk_1": AGENT, "spk_0": CUSTOMER}
    assert call["metadata"]["speaker_roles"] == "inferred from the text"
    assert call["metadata"]["speaker_roles_margin"] > 2.0


def test_diarised_deepgram_assemblyai_transcribe_turns() -> None:
    deepgram = diarised_call(load("dg_speakers.json"), "dg")
    assert deepgram["call_id"] == "e4ac910d-2bd6-4e54-b656-4cb971284bad"
    # 22 utterances, consecutive ones of one speaker joined: 8 turns
    assert [t["speaker"] for t in deepgram["turns"]][:3] == ["speaker 0", "speaker 1", "speaker 0"]
    assert len(deepgram["turns"]) == 8
    assembly = diarised_call(load("assemblyai_utterances.json"), "aai")
    assert [(t["speaker"], t["start_s"]) for t in assembly["turns"]] == [("speaker A", 0.17)]
    transcribe = diarised_call(load("03-speaker-identification.json"), "job")
    assert transcribe["call_id"] == "03-speaker-identification"
    assert [t["speaker"] for t in transcribe["turns"]] == [
        "spk_0", "spk_1", "spk_0", "spk_2", "spk_0", "spk_1", "spk_0"]  # its segments' runs
    # punctuation joins its word; words join with one space
    assert transcribe["turns"][0]["text"].startswith(
        "She was gone out into the village on some errand when, as she")
    assert (transcribe["turns"][0]["start_s"], transcribe["turns"][0]["end_s"]) == (0.49, 13.75)


def test_diarised_transcribe_channels_merge_by_time() -> None:
    def word(start: float, content: str) -> dict:
        return {"start_time": str(start), "end_time": str(start + 0.3), "type": "pronunciation",
                "alternatives": [{"content": content}]}

    stop = {"type": "punctuation", "alternatives": [{"content": "?"}]}
    job = {"jobName": "stereo", "results": {"items": [], "channel_labels": {"channels": [
        {"channel_label": "ch_0", "items": [word(0.0, "how"), word(0.4, "can"), word(0.8, "I"),
                                            word(1.2, "help"), stop, word(5.0, "sure")]},
        {"channel_label": "ch_1", "items": [word(2.0, "my"), word(2.4, "bill")]}]}}}
    call = diarised_call(job, "stem")
    assert [(t["speaker"], t["text"], t["start_s"]) for t in call["turns"]] == [
        ("ch_0", "how can I help?", 0.0), ("ch_1", "my bill", 2.0), ("ch_0", "sure", 5.0)]


def test_diarised_other_json_is_not_a_transcript() -> None:
    assert diarised_call({"results": {"foo": 1}}, "x") is None
    assert diarised_call({"audio_segments": []}, "x")["turns"] == []  # quarantined: no turns
    assert diarised_call({"hello": "world"}, "x") is None


def test_diarised_roles_named_already_are_kept() -> None:
    call = {"call_id": "c", "turns": [{"speaker": "Agent", "text": "hi"},
                                      {"speaker": "caller", "text": "my bill"}]}
    assert with_inferred_roles(call) is call


def test_diarised_files_read_as_calls_by_the_source() -> None:
    transcripts, quarantined = read_all(DIARISED)
    assert [Path(q.source).name for q in quarantined] == ["LICENSE.md"]
    by_id = {t.call_id: t for t in transcripts}
    hotel = by_id["bda-standard"]
    assert [t.speaker for t in hotel.turns[:3]] == [AGENT, CUSTOMER, AGENT]
    assert json.loads(hotel.metadata_json)["speaker_roles"] == "inferred from the text"
    assert len(transcripts) == 4


# --------------------------------------------------------------------------- WebVTT

TEAMS = """WEBVTT

0:0:0.0 --> 0:0:5.320
<v Dana Reyes>Thank you for calling, this is Dana, how can I help you today?</v>

0:0:5.5 --> 0:0:9.0
<v Sam Patel>Hi, my internet has been down since Monday and nobody called me back.</v>

00:00:09.100 --> 00:00:12.000
<v Dana Reyes>I'm so sorry about that.</v>

00:00:12.100 --> 00:00:15.000
<v Dana Reyes>Let me check your account and book a technician.</v>
"""


def test_vtt_voice_tags_become_turns_with_roles(tmp_path: Path) -> None:
    (tmp_path / "call-17.vtt").write_text(TEAMS, "utf-8")
    (transcript,), quarantined = read_all(tmp_path)
    assert quarantined == []
    assert transcript.call_id == "call-17"
    assert [(t.speaker, t.start_s) for t in transcript.turns] == [
        (AGENT, 0.0), (CUSTOMER, 5.5), (AGENT, 9.1)]
    assert transcript.turns[2].text == (
        "I'm so sorry about that. Let me check your account and book a technician.")
    assert json.loads(transcript.metadata_json)["speaker_labels"] == {
        "Dana Reyes": AGENT, "Sam Patel": CUSTOMER}


def test_vtt_json_cues_and_name_prefixes(tmp_path: Path) -> None:
    cue = {"speakerName": "Alex", "spokenText": "My parcel never arrived.", "spokenLanguage": "en"}
    call = vtt_call(f"WEBVTT\n\n00:00:16.246 --> 00:00:17.726\n{json.dumps(cue)}\n", "teams")
    assert [(t["speaker"], t["text"]) for t in call["turns"]] == [
        ("Alex", "My parcel never arrived.")]
    unnamed = vtt_call("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\n<v Jo>my bill\n\n"
                       "00:00:02.000 --> 00:00:03.000\nis wrong again\n", "teams")
    assert [(t["speaker"], t["text"]) for t in unnamed["turns"]] == [
        ("Jo", "my bill is wrong again")]
    zoom = vtt_call("WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nKim Lee: Hello there\n\n"
                    "2\n00:00:02.500 --> 00:00:04.000\nJo: my bill is wrong\n", "zoom")
    assert [(t["speaker"], t["text"]) for t in zoom["turns"]] == [
        ("Kim Lee", "Hello there"), ("Jo", "my bill is wrong")]


def test_vtt_without_header_or_speaker_is_quarantined(tmp_path: Path) -> None:
    (tmp_path / "plain.vtt").write_text("00:00:01.000 --> 00:00:02.000\nhello\n", "utf-8")
    (tmp_path / "nameless.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\njust words\n", "utf-8")
    (tmp_path / "silent.vtt").write_text("WEBVTT\n\nNOTE nothing was said\n", "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert transcripts == []
    assert sorted((q.call_id, q.reason) for q in quarantined) == [
        ("nameless", "bad turn: the first cue names no speaker"),
        ("plain", "unsupported file type: no WEBVTT header"), ("silent", "no turns")]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=40)), max_size=6))
def test_vtt_parser_never_raises(cues: list[tuple[str, str]]) -> None:
    text = "WEBVTT\n\n" + "\n\n".join(
        f"00:00:0{i}.000 --> 00:00:0{i}.500\n<v {name}>{said}</v>"
        for i, (name, said) in enumerate(cues))
    try:
        call = vtt_call(text, "p")
    except InvalidRecord as e:
        assert e.reason == "bad turn: the first cue names no speaker"
        return
    assert all(turn["text"].strip() and turn["speaker"] for turn in call["turns"])


def test_clock_seconds_reads_cue_and_line_times() -> None:
    assert clock_seconds("0:0:5.320") == pytest.approx(5.32)
    assert clock_seconds("01:02:03,5") == pytest.approx(3723.5)
    assert clock_seconds("soon") is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["speaker", "start", "text", "items", "channels",
                                       "alternatives", "words", "transcript", "type",
                                       "start_time", "content", "segments", "speaker_label",
                                       "channel_labels", "speaker_labels", "audio_segments"]),
                      children, max_size=4),
    max_leaves=12)


@settings(max_examples=300, deadline=None)
@given(st.sampled_from([
    lambda body: {"results": body, "metadata": {}},  # Deepgram
    lambda body: {"results": {"items": [], **(body if isinstance(body, dict) else {})}},
    lambda body: {"audio_segments": [body]},
    lambda body: {"utterances": [body]},
]), _JSON)
def test_diarised_odd_shapes_read_or_raise_invalid_record(shape, body) -> None:
    # A file shaped like a platform's but malformed is a quarantine reason, never a crash.
    obj = shape(body)
    if isinstance(obj.get("results"), dict) and "channels" not in obj["results"] and \
            "utterances" not in obj["results"] and "items" not in obj["results"]:
        obj["results"]["channels"] = [body]
    try:
        call = diarised_call(obj, "x")
    except InvalidRecord as e:
        assert e.reason.startswith("bad turn: malformed ")
        return
    if call is not None:
        assert all(isinstance(t["text"], str) and t["text"] for t in call["turns"])


def test_diarised_transcribe_audio_segments_preferred() -> None:
    # Newer Transcribe jobs write audio_segments beside the words: one turn per run of them.
    job = {"jobName": "new", "results": {"items": [{"bogus": True}], "audio_segments": [
        {"id": 0, "transcript": "Thanks for calling.", "start_time": "0.5", "end_time": "1.9",
         "speaker_label": "spk_0", "items": [0, 1, 2]},
        {"id": 1, "transcript": "My order is late.", "start_time": "2.1", "end_time": "3.4",
         "speaker_label": "spk_1", "items": [3, 4, 5]},
        {"id": 2, "transcript": "Again.", "start_time": "3.5", "end_time": "4.0",
         "speaker_label": "spk_1", "items": [6]}]}}
    call = diarised_call(job, "stem")
    assert [(t["speaker"], t["text"], t["start_s"], t["end_s"]) for t in call["turns"]] == [
        ("spk_0", "Thanks for calling.", 0.5, 1.9),
        ("spk_1", "My order is late. Again.", 2.1, 4.0)]


def test_diarised_malformed_file_is_quarantined_by_the_source(tmp_path: Path) -> None:
    (tmp_path / "job.json").write_text(json.dumps(
        {"jobName": "j", "results": {"items": [], "speaker_labels": ["not an object"]}}), "utf-8")
    (tmp_path / "quiet.json").write_text(json.dumps(
        {"id": "aai-1", "utterances": [{"speaker": "A", "text": ""}]}), "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert transcripts == []
    assert sorted((Path(q.source).name, q.call_id, q.reason.split(" (")[0])
                  for q in quarantined) == [
        ("job.json:1", None, "bad turn: malformed Amazon Transcribe transcript"),
        ("quiet.json:1", "aai-1", "no turns")]


def test_diarised_configured_roles_override_the_text() -> None:
    call = diarised_call(load("bda-standard.json"), "bda-standard")
    # Deliberately the opposite of what the text says: the deployment knows better.
    configured = with_inferred_roles(call, {"spk_0": AGENT, "spk_1": CUSTOMER})
    assert configured["turns"][0]["speaker"] == CUSTOMER  # spk_1's greeting
    assert configured["metadata"] == {"speaker_labels": {"spk_1": CUSTOMER, "spk_0": AGENT},
                                      "speaker_roles": "configured"}
    # a mapping that leaves a label out does not apply: the roles are inferred
    partial = with_inferred_roles(call, {"spk_0": AGENT})
    assert partial["metadata"]["speaker_roles"] == "inferred from the text"
    assert partial["turns"][0]["speaker"] == AGENT


def test_diarised_segments_read_by_channel_where_the_channels_are_configured() -> None:
    def segment(speaker: str, channel: str, start: int, text: str) -> dict:
        return {"speaker": {"speaker_label": speaker}, "channel": {"channel_label": channel},
                "start_timestamp_millis": start, "end_timestamp_millis": start + 900,
                "text": text}

    # Two voices on the customer's line (a speakerphone): one channel, two speaker labels.
    bedrock = {"audio_segments": [
        segment("spk_1", "ch_1", 0, "Thank you for calling, how can I help you today?"),
        segment("spk_0", "ch_0", 1000, "My order never arrived."),
        segment("spk_2", "ch_0", 2000, "And nobody answered our emails.")]}
    stereo = {"ch_0": CUSTOMER, "ch_1": AGENT}
    call = with_inferred_roles(diarised_call(bedrock, "stereo", stereo), stereo)
    assert [(t["speaker"], t["text"]) for t in call["turns"]] == [
        (AGENT, "Thank you for calling, how can I help you today?"),
        (CUSTOMER, "My order never arrived. And nobody answered our emails.")]
    assert call["metadata"] == {"speaker_labels": {"ch_1": AGENT, "ch_0": CUSTOMER},
                                "speaker_roles": "configured"}
    # Unconfigured, or configured by speaker label, the speaker labels stay.
    assert [t["speaker"] for t in diarised_call(bedrock, "stereo", {})["turns"]] == [
        "spk_1", "spk_0", "spk_2"]
    by_speaker = {"spk_0": CUSTOMER, "spk_1": AGENT, "spk_2": CUSTOMER, **stereo}
    assert len(diarised_call(bedrock, "stereo", by_speaker)["turns"]) == 3


def test_diarised_configured_roles_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "bda.json").write_bytes((DIARISED / "bda-standard.json").read_bytes())
    monkeypatch.setenv("CALLINSIGHT_SPEAKER_ROLES", '{"spk_0": "Rep", "spk_1": "caller"}')
    (transcript,), _ = read_all(tmp_path)
    assert [t.speaker for t in transcript.turns[:2]] == [CUSTOMER, AGENT]
    assert json.loads(transcript.metadata_json)["speaker_roles"] == "configured"
    # The agent's channel of stereo recordings: Bedrock's segments are read by channel.
    monkeypatch.setenv("CALLINSIGHT_SPEAKER_ROLES", '{"ch_0": "agent", "ch_1": "customer"}')
    (transcript,), _ = read_all(tmp_path)
    assert [t.speaker for t in transcript.turns[:2]] == [CUSTOMER, AGENT]
    assert json.loads(transcript.metadata_json)["speaker_labels"] == {"ch_1": CUSTOMER,
                                                                      "ch_0": AGENT}
    monkeypatch.setenv("CALLINSIGHT_SPEAKER_ROLES", '{"ch_0": "boss"}')
    with pytest.raises(ValueError, match="not a role: boss"):
        Settings()


# --------------------------------------------------------------------------- anonymous labels

WHISPERX_SRT = """1
00:00:00,500 --> 00:00:03,200
[SPEAKER_00]: Thanks for calling Northwind, this is Ana, how can I help?

2
00:00:03,900 --> 00:00:08,000
[SPEAKER_01]: Hi, I was billed twice this month and I want the extra charge refunded.

3
00:00:08,300 --> 00:00:11,000
[SPEAKER_00]: I'm sorry about that. Let me check your account right now.
"""


def test_srt_speaker_prefixes_become_turns_with_roles(tmp_path: Path) -> None:
    (tmp_path / "call-9.srt").write_text(WHISPERX_SRT, "utf-8")
    (tmp_path / "bare.srt").write_text("1\n00:00:01,000 --> 00:00:02,000\nhello\n", "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert [(q.call_id, q.reason) for q in quarantined] == [
        ("bare", "bad turn: the first cue names no speaker")]
    (call,) = transcripts
    assert [(t.speaker, t.start_s) for t in call.turns] == [
        (AGENT, 0.5), (CUSTOMER, 3.9), (AGENT, 8.3)]
    assert json.loads(call.metadata_json)["speaker_labels"] == {
        "[SPEAKER_00]": AGENT, "[SPEAKER_01]": CUSTOMER}


def test_txt_anonymous_labels_get_roles_named_ones_as_the_contract_says(tmp_path: Path) -> None:
    anonymous = ("Speaker 1: Thank you for calling, how may I help you today?\n"
                 "Speaker 2: My parcel never arrived and nobody answers my emails.\n"
                 "Speaker 1: I'm sorry to hear that, let me track it for you.\n")
    (tmp_path / "otter.txt").write_text(anonymous, "utf-8")
    (tmp_path / "names.txt").write_text(anonymous.replace("Speaker 1", "Dana")
                                        .replace("Speaker 2", "Sam"), "utf-8")
    (tmp_path / "mixed.txt").write_text(anonymous.replace("Speaker 1", "Agent"), "utf-8")
    transcripts, quarantined = read_all(tmp_path)
    assert quarantined == []
    by_id = {t.call_id: t for t in transcripts}
    assert [t.speaker for t in by_id["otter"].turns] == [AGENT, CUSTOMER, AGENT]
    assert json.loads(by_id["otter"].metadata_json)["speaker_roles"] == "inferred from the text"
    # named people and a half-named call stay as CONTRACT §1 reads them
    assert [t.speaker for t in by_id["names"].turns] == ["other"] * 3
    assert [t.speaker for t in by_id["mixed"].turns] == [AGENT, "other", AGENT]
    assert by_id["names"].metadata_json is None
