"""Where sound can go: an ALSA card, a PulseAudio or PipeWire server, or nowhere."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.media import vlc_player
from kiosk.media.sound import sound_output_available
from kiosk.media.vlc_player import VlcOptions


def _proc(tmp_path: Path, cards: str | None) -> Path:
    proc = tmp_path / "proc"
    (proc / "asound").mkdir(parents=True, exist_ok=True)
    if cards is not None:
        (proc / "asound" / "cards").write_text(cards)
    return proc


def test_no_procfs_entry_and_no_server_means_no_sound(tmp_path):
    assert not sound_output_available(tmp_path / "nowhere", env={})
    assert not sound_output_available(_proc(tmp_path, None), env={})


def test_alsa_saying_no_cards_means_no_sound(tmp_path):
    assert not sound_output_available(_proc(tmp_path, "--- no soundcards ---\n"), env={})


def test_an_alsa_card_is_enough(tmp_path):
    cards = " 0 [PCH            ]: HDA-Intel - HDA Intel PCH\n"
    assert sound_output_available(_proc(tmp_path, cards), env={})


@pytest.mark.parametrize("socket", ["pulse/native", "pipewire-0"])
def test_a_sound_server_in_the_runtime_dir_is_enough(tmp_path, socket):
    runtime = tmp_path / "run"
    (runtime / socket).parent.mkdir(parents=True, exist_ok=True)
    (runtime / socket).touch()
    env = {"XDG_RUNTIME_DIR": str(runtime)}
    assert sound_output_available(_proc(tmp_path, None), env=env)
    assert sound_output_available(_proc(tmp_path, None), env={"PULSE_SERVER": "tcp:10.0.0.9"})


def test_without_sound_the_player_uses_the_dummy_output_and_says_so_once(monkeypatch, caplog):
    monkeypatch.setattr(vlc_player, "sound_output_available", lambda: False)
    monkeypatch.setattr(vlc_player, "_no_sound_logged", False)
    first = VlcOptions.embedded().instance_args()
    second = VlcOptions.embedded().instance_args()
    assert "--aout=dummy" in first and first == second
    said = [r for r in caplog.records if getattr(r, "event", None) == "no_sound_output"]
    assert len(said) == 1


def test_with_sound_libvlc_chooses_and_a_chosen_output_is_kept(monkeypatch):
    monkeypatch.setattr(vlc_player, "sound_output_available", lambda: True)
    assert not any(a.startswith("--aout") for a in VlcOptions.embedded().instance_args())
    assert "--aout=pulse" in VlcOptions.embedded(audio_output="pulse").instance_args()
