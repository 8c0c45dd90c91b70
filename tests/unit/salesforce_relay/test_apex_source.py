"""The reader of Apex literals that the relay's drift checks rely on."""

from __future__ import annotations

import pytest

from tests.unit.salesforce_relay.apex_source import (
    integer_constant,
    string_constant,
    string_list_constant,
    unescape,
)

SOURCE = r"""
public class Example {
    private static final String JOINED =
        '{"a":' +
        '"it\'s \\ \u00e9"}';
    public static final Long BIG = 1700000000L;
    public static final Integer SMALL = 17;
    public static final List<String> NAMES = new List<String>{ 'One', 'Two' };
    private static final String NOT_A_LITERAL = String.valueOf(1);
}
"""


def test_joined_literals_read_as_one_string_with_their_escapes():
    assert string_constant(SOURCE, "JOINED") == '{"a":"it\'s \\ é"}'


def test_numbers_and_lists():
    assert integer_constant(SOURCE, "BIG") == 1_700_000_000
    assert integer_constant(SOURCE, "SMALL") == 17
    assert string_list_constant(SOURCE, "NAMES") == ["One", "Two"]


def test_a_constant_that_is_not_a_literal_is_not_read():
    with pytest.raises(LookupError):
        string_constant(SOURCE, "NOT_A_LITERAL")


@pytest.mark.parametrize(("literal", "value"), [(r"'\n'", "\n"), (r"'\''", "'"), (r"'\u0041'", "A")])
def test_escapes(literal, value):
    assert unescape(literal) == value
