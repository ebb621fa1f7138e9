import pytest

from recorder.errors import InvalidMetadata
from recorder.metadata import parse_metadata
from recorder.settings import RecorderSettings
from storage.errors import InvalidQuery
from storage.search_query import Phrase, Word, parse_query


def test_metadata_defaults_when_absent():
    metadata = parse_metadata(None)
    assert metadata.source == "api" and metadata.external_id is None


def test_metadata_parses_known_fields():
    metadata = parse_metadata(
        '{"external_id": "abc", "source": "asterisk", "direction": "inbound", "started_at": "2026-11-01T10:00:00Z",'
        ' "channel_roles": ["customer", "agent"], "language": "he"}'
    )
    assert metadata.channel_roles == ["customer", "agent"]
    assert metadata.started_at.year == 2026


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "must be a JSON object"),
        ('{"direction": "sideways"}', "direction"),
        ('{"channel_roles": ["boss"]}', "channel_roles"),
        ('{"unknown_field": 1}', "unknown_field"),
        ('{"language": "english"}', "language"),
        ('{"extra": ' + '{"a": ' * 10 + "1" + "}" * 10 + "}", "nest at most 8 levels"),
        ('{"extra": ' + '{"a": ' * 900 + "1" + "}" * 900 + "}", "more than 32 levels"),
        ('{"extra": {' + ", ".join(f'"k{i}": 1' for i in range(201)) + "}}", "at most 200 keys"),
    ],
)
def test_bad_metadata_is_refused_with_the_field_named(raw, reason):
    with pytest.raises(InvalidMetadata, match=reason):
        parse_metadata(raw)


def test_extra_within_the_bounds_is_kept():
    nested = '{"extra": {"cdr": {"legs": [{"a": 1}, {"b": [1, 2]}]}, "queue": "sales"}}'
    assert parse_metadata(nested).extra == {"cdr": {"legs": [{"a": 1}, {"b": [1, 2]}]}, "queue": "sales"}


def test_channel_roles_per_source_override_the_default():
    settings = RecorderSettings(source_channel_roles={"asterisk": ["customer", "agent"]})
    assert settings.roles_for("asterisk") == ["customer", "agent"]
    assert settings.roles_for("twilio") == ["agent", "customer"]


def test_query_parses_words_and_phrases_in_search_form():
    parsed = parse_query('Refund "Charged  Twice"')
    assert parsed.required == (Word("refund"), Phrase(("charged", "twice")))


@pytest.mark.parametrize("query", ['"unclosed', "   ", "!!! ???"])
def test_malformed_queries_are_refused(query):
    with pytest.raises(InvalidQuery):
        parse_query(query)
