"""Screen configuration: TOML + overrides, messages that name the bad key."""

from pathlib import Path

import pytest

from kiosk.core.config import ConfigError, ScreenConfig, load_config


def test_defaults_without_a_file():
    config = load_config(None, {})
    assert config == ScreenConfig()


def test_file_then_overrides(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('server = "http://10.0.0.5:8080"\nscreen = "lobby"\npoll_seconds = 30\n')
    config = load_config(path, {"screen": "hall", "windowed": None})
    assert config.server == "http://10.0.0.5:8080"
    assert config.screen == "hall" and config.poll_seconds == 30 and config.windowed is False


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("colour = 'red'\n", "colour"),
        ("poll_seconds = 0\n", "poll_seconds"),
        ("screen = '../etc'\n", "screen"),
        ("screen = 'all'\n", "screen"),
    ],
)
def test_bad_settings_name_the_key(tmp_path, text, key):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=key):
        load_config(path, {})


def test_unreadable_or_invalid_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read"):
        load_config(tmp_path / "missing.toml", {})
    bad = tmp_path / "bad.toml"
    bad.write_text("server = \n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, {})


def test_every_setting_has_help():
    for name, field in ScreenConfig.model_fields.items():
        assert field.description, name


def test_readme_documents_every_setting():
    readme = (Path(__file__).parents[3] / "README.md").read_text(encoding="utf-8")
    for name in ScreenConfig.model_fields:
        assert f"`{name}`" in readme, name


def test_a_misspelt_key_gets_a_suggestion(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("poll_second = 30\n")
    with pytest.raises(
        ConfigError, match=r"'poll_second' is not a setting \(did you mean 'poll_seconds'\?\)"
    ):
        load_config(path, {})


def test_every_bad_key_is_named_at_once(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('scren = "hall"\nwindowed = "yes"\npoll_seconds = 0\n')
    with pytest.raises(ConfigError) as raised:
        load_config(path, {})
    message = str(raised.value)
    assert message.startswith(f"bad 3 settings in {path}: ")
    assert "did you mean 'screen'?" in message
    assert "'windowed' must be true or false (without quotes), not 'yes'" in message
    assert "'poll_seconds'" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "text",
    ['windowed = "yes"\n', "windowed = 1\n", 'push = "false"\n', 'poll_seconds = "30"\n',
     'max_downloads = "2"\n'],
)  # fmt: skip
def test_values_are_taken_as_typed_not_coerced(tmp_path, text):
    path = tmp_path / "kiosk.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=text.split(" ")[0]):
        load_config(path, {})


def test_integers_are_fine_where_seconds_are_expected(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text("poll_seconds = 30\nidle_seconds = 90\nwindowed = true\n")
    config = load_config(path, {})
    assert (config.poll_seconds, config.idle_seconds, config.windowed) == (30, 90, True)


def test_server_keys_must_be_public_keys(tmp_path):
    path = tmp_path / "kiosk.toml"
    path.write_text('server_keys = ["not-a-key"]\n')
    with pytest.raises(ConfigError, match=r"'server_keys': .*not an Ed25519 public key"):
        load_config(path, {})
    path.write_text(f'server_keys = ["{"A" * 43}="]\n')
    assert load_config(path, {}).server_keys == ["A" * 43 + "="]
