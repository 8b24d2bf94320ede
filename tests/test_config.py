"""Agents files and personas: the shipped ones load, broken ones fail naming file and key."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from pytest_chimera.config import (
    AgentConfig,
    ConfigError,
    Persona,
    load_persona,
    load_personas,
    load_suite,
    schema_validator,
)

REPO = Path(__file__).resolve().parent.parent
KNOWN = "ar, de, el, en, es, fr, he, hi, it, ja, ko, nl, pt, ru, th, zh"
SUITE = REPO / "suites" / "chimera.toml"

PERSONA = """\
id = "{id}"
title = "A persona"
prompt = "You are a careful analyst who reports only what the data shows."
outline = ["Summary", "Details"]
"""


# -- the shipped suite -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("agent", "options"),
    [
        ("A", {"num_gpu": 80, "num_ctx": 512, "temperature": 0.6}),
        ("B", {"num_gpu": 100, "num_ctx": 1024, "temperature": 1.0}),
        ("baseline", {}),
    ],
)
def test_shipped_agents_have_exactly_the_specified_options(agent: str, options: dict[str, Any]
                                                           ) -> None:
    suite = load_suite(SUITE)
    assert list(suite.agents) == ["A", "B", "baseline"]
    assert suite.agents[agent].model == "gemma3"
    assert suite.agents[agent].options.as_dict() == options


def test_shipped_suite_paths_resolve_next_to_the_file() -> None:
    suite = load_suite(SUITE)
    assert suite.personas_dir == (REPO / "suites" / "personas").resolve()
    assert suite.corpus == (REPO / "suites" / "corpus").resolve()
    assert suite.cassettes == (REPO / "suites" / "cassettes").resolve()


def test_shipped_personas_load_sorted_by_id() -> None:
    personas = load_personas(REPO / "suites" / "personas")
    assert [p.id for p in personas] == ["inventory-analyst", "ops-insight"]
    ops = personas[1]
    assert ops.expect.min_numbered_sections == 3
    assert ops.expect.min_items == {"Recommendations": 3}
    assert ops.source.endswith("ops-insight.toml")
    assert ops.prompt.startswith("You are an LLM-operations specialist")


def test_pyproject_tool_chimera_table_is_read(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.chimera]\npersonas = "p"\n[tool.chimera.agents.X]\nmodel = "m"\n'
                    'options = { num_ctx = 2048 }\n', "utf-8")
    suite = load_suite(path, table="tool.chimera")
    assert suite.agents["X"].options.num_ctx == 2048
    assert suite.personas_dir == (tmp_path / "p").resolve()


# -- broken agents files ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        pytest.param('[agents.A]\nmodel = "g"\noptions = { num_gpux = 1 }\n',
                     "agents.A.options", "'num_gpux' was unexpected", id="unknown-option"),
        pytest.param('[agents.A]\nmodel = "g"\noptions = { num_ctx = "big" }\n',
                     "agents.A.options.num_ctx", "not of type 'integer'", id="bad-type"),
        pytest.param('[agents.A]\nmodel = "g"\noptions = { num_gpu = true }\n',
                     "agents.A.options.num_gpu", "not of type 'integer'", id="bool-for-int"),
        pytest.param('[agents.A]\nmodel = "g"\noptions = { temperature = 9.0 }\n',
                     "agents.A.options.temperature", "maximum of 5", id="out-of-range"),
        pytest.param('[agents.A]\nmodel = "g"\noptions = { num_ctx = 64 }\n',
                     "agents.A.options.num_ctx", "minimum of 128", id="below-range"),
        pytest.param('[agents.A]\nmodel = "g"\nmodle = "x"\n',
                     "agents.A", "'modle' was unexpected", id="unknown-agent-key"),
        pytest.param('[agents.A]\ndescription = "no model"\n',
                     "agents.A", "'model' is a required property", id="missing-model"),
        pytest.param('personas = "p"\n', "(top level)", "'agents' is a required property",
                     id="no-agents"),
        pytest.param('[agents."a b"]\nmodel = "g"\n', "agents", "does not match",
                     id="bad-agent-name"),
        pytest.param('[agents.A\nmodel = "g"\n', "not valid TOML", "line 1", id="broken-toml"),
    ],
)
def test_bad_agents_file_names_file_and_key(tmp_path: Path, text: str, where: str,
                                            reason: str) -> None:
    path = tmp_path / "chimera.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_suite(path)
    message = str(info.value)
    assert message.startswith(f"{path}: ")
    assert where in message
    assert reason in message


def test_bad_option_in_pyproject_names_the_tool_chimera_path(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.chimera.agents.A]\nmodel = "g"\noptions = { top_k = 0 }\n', "utf-8")
    with pytest.raises(ConfigError, match=r"tool\.chimera\.agents\.A\.options\.top_k: 0 is less"):
        load_suite(path, table="tool.chimera")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param('tool = "x"\n', "tool: expected a table, found a string", id="tool-a-string"),
        pytest.param("tool = [1]\n", "tool: expected a table, found an array", id="tool-an-array"),
        pytest.param("[tool]\nchimera = 5\n", "tool.chimera: expected a table, found an integer",
                     id="chimera-a-number"),
        pytest.param('[tool.black]\nline-length = 99\n', "tool.chimera: no [tool.chimera] "
                     "table in this file", id="no-chimera-table"),
        pytest.param('[project]\nname = "x"\n', "tool.chimera: no [tool.chimera] table in "
                     "this file", id="no-tool-table"),
    ],
)
def test_a_pyproject_without_a_tool_chimera_table_names_the_key(tmp_path: Path, text: str,
                                                                message: str) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_suite(path, table="tool.chimera")
    assert str(info.value) == f"{path}: {message}"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: None, "file not found", id="missing"),
        pytest.param(lambda p: p.mkdir(), "is a folder", id="folder"),
        pytest.param(lambda p: p.write_bytes(b'[agents.A]\nmodel = "\xff"\n'), "not UTF-8",
                     id="not-utf8"),
    ],
)
def test_unreadable_agents_file(tmp_path: Path, make: Any, reason: str) -> None:
    path = tmp_path / "chimera.toml"
    make(path)
    with pytest.raises(ConfigError, match=rf"^{path}: .*{reason}"):
        load_suite(path)


# -- broken personas -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "where", "reason"),
    [
        pytest.param('id = "x"\ntitle = "t"\nprompt = "long enough to be a real prompt"\n',
                     "(top level)", "'outline' is a required property", id="missing-outline"),
        pytest.param('title = "t"\nprompt = "long enough to be a real prompt"\noutline = ["A"]\n',
                     "(top level)", "'id' is a required property", id="missing-id"),
        pytest.param(PERSONA.format(id="Bad Id"), "id", "does not match", id="bad-id"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nmin_wordz = 3\n", "expect",
                     "'min_wordz' was unexpected", id="unknown-expect-key"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nmin_items = { R = 0 }\n",
                     "expect.min_items.R", "minimum of 1", id="min-items-zero"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nmin_words = 50\nmax_words = 10\n",
                     "expect", "min_words (50) is above max_words (10)", id="word-range"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nlanguage = \"English\"\n",
                     "expect.language", "does not match", id="bad-language"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nlanguage = \"xx\"\n",
                     "expect.language", "'xx' is not a language the checker can tell; known: "
                     f"{KNOWN}", id="unknown-language"),
        pytest.param(PERSONA.format(id="x") + "[expect]\nlanguage = \"zz-US\"\n",
                     "expect.language", "'zz-US' is not a language the checker can tell; "
                     f"known: {KNOWN}", id="unknown-language-with-region"),
    ],
)
def test_bad_persona_names_file_and_key(tmp_path: Path, text: str, where: str,
                                        reason: str) -> None:
    path = tmp_path / "p.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ConfigError) as info:
        load_persona(path)
    message = str(info.value)
    assert message.startswith(f"{path}: {where}")
    assert reason in message
    assert "Value error" not in message  # pydantic's wrapping of a validator's reason


@pytest.mark.parametrize(("tag", "code"), [
    ("de", "de"), ("EN", "en"), ("en-US", "en"), ("pt-BR", "pt"), ("zh-Hant-TW", "zh")])
def test_a_persona_language_is_taken_as_the_cli_takes_it(tmp_path: Path, tag: str,
                                                          code: str) -> None:
    # The forms `chimera verify --language` accepts; the code alone is kept, since the report's
    # language is compared with what the detector names ("en", never "en-US").
    path = tmp_path / "p.toml"
    path.write_text(PERSONA.format(id="x") + f'[expect]\nlanguage = "{tag}"\n', "utf-8")
    assert load_persona(path).expect.language == code


def test_duplicate_persona_ids_name_both_files(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text(PERSONA.format(id="same"), "utf-8")
    (tmp_path / "b.toml").write_text(PERSONA.format(id="same"), "utf-8")
    with pytest.raises(ConfigError) as info:
        load_personas(tmp_path)
    assert str(info.value) == (f"{tmp_path / 'b.toml'}: id 'same' is also used by "
                               f"{tmp_path / 'a.toml'}")


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        pytest.param(lambda p: None, "personas folder not found", id="missing"),
        pytest.param(lambda p: p.mkdir(), "no persona files", id="empty"),
    ],
)
def test_personas_folder_problems(tmp_path: Path, make: Any, reason: str) -> None:
    folder = tmp_path / "personas"
    make(folder)
    with pytest.raises(ConfigError, match=rf"^{folder}: {reason}"):
        load_personas(folder)


# -- the committed schemas and the pydantic models agree ---------------------------------------

GOOD_PERSONA: dict[str, Any] = {"id": "p", "title": "t", "prompt": "x" * 20, "outline": ["A"]}


def _persona(**changes: Any) -> dict[str, Any]:
    document = {**GOOD_PERSONA, **changes}
    return {k: v for k, v in document.items() if v is not None}


AGENT_DOCUMENTS = [
    pytest.param({"model": "g"}, True, id="minimal"),
    pytest.param({"model": "g", "description": "d", "options": {
        "num_gpu": 0, "num_ctx": 128, "temperature": 0, "top_p": 1, "top_k": 1,
        "repeat_penalty": 10, "num_predict": 1, "seed": 2**32 - 1}}, True, id="every-option-edge"),
    pytest.param({"model": ""}, False, id="empty-model"),
    pytest.param({}, False, id="no-model"),
    pytest.param({"model": 5}, False, id="model-not-text"),
    pytest.param({"model": "g", "extra": 1}, False, id="unknown-key"),
    pytest.param({"model": "g", "options": {"num_gpu": -1}}, False, id="num-gpu-negative"),
    pytest.param({"model": "g", "options": {"num_gpu": 1001}}, False, id="num-gpu-high"),
    pytest.param({"model": "g", "options": {"num_ctx": 127}}, False, id="num-ctx-low"),
    pytest.param({"model": "g", "options": {"num_ctx": 512.5}}, False, id="num-ctx-fraction"),
    pytest.param({"model": "g", "options": {"temperature": 5.01}}, False, id="temperature-high"),
    pytest.param({"model": "g", "options": {"top_p": 0}}, False, id="top-p-zero"),
    pytest.param({"model": "g", "options": {"repeat_penalty": 0}}, False, id="penalty-zero"),
    pytest.param({"model": "g", "options": {"seed": 2**32}}, False, id="seed-high"),
    pytest.param({"model": "g", "options": {"num_gpu": True}}, False, id="bool-for-int"),
    pytest.param({"model": "g", "options": {"temperature": "1"}}, False, id="text-for-number"),
    pytest.param({"model": "g", "options": {"mirostat": 1}}, False, id="unknown-option"),
]


@pytest.mark.parametrize(("document", "valid"), AGENT_DOCUMENTS)
def test_agent_schema_agrees_with_model(document: dict[str, Any], valid: bool) -> None:
    assert schema_validator("agent").is_valid(document) is valid
    # Strict: a TOML file carries real types, so the model must not accept what the schema
    # would not by coercing it.
    assert _accepts(AgentConfig, {"name": "x", **document}) is valid


PERSONA_DOCUMENTS = [
    pytest.param(_persona(), True, id="minimal"),
    pytest.param(_persona(expect={"sections": ["A"], "min_words": 0, "max_words": 1,
                                  "min_numbered_sections": 0, "min_table_rows": 0,
                                  "min_bullets": 0, "min_items": {"A": 1}, "language": "de"}),
                 True, id="every-expectation"),
    pytest.param(_persona(expect={"language": None}), True, id="language-unchecked"),
    pytest.param(_persona(id="Upper"), False, id="id-uppercase"),
    pytest.param(_persona(id="-dash"), False, id="id-leading-dash"),
    pytest.param(_persona(title=""), False, id="empty-title"),
    pytest.param(_persona(prompt="x" * 19), False, id="prompt-short"),
    pytest.param(_persona(outline=[]), False, id="outline-empty"),
    pytest.param(_persona(outline=[""]), False, id="outline-blank-heading"),
    pytest.param(_persona(outline="A"), False, id="outline-not-list"),
    pytest.param(_persona(expect={"sections": [""]}), False, id="blank-required-section"),
    pytest.param(_persona(expect={"min_items": {"A": 0}}), False, id="min-items-zero"),
    pytest.param(_persona(expect={"max_words": 0}), False, id="max-words-zero"),
    pytest.param(_persona(expect={"min_words": -1}), False, id="min-words-negative"),
    pytest.param(_persona(expect={"language": "EN"}), True, id="language-uppercase"),
    pytest.param(_persona(expect={"language": "en-GB"}), True, id="language-region"),
    pytest.param(_persona(expect={"language": "en_GB"}), False, id="language-underscore"),
    pytest.param(_persona(expect={"language": ""}), False, id="language-empty"),
    pytest.param(_persona(expect={"bullets": 3}), False, id="unknown-expectation"),
    pytest.param(_persona(extra="x"), False, id="unknown-key"),
]


@pytest.mark.parametrize(("document", "valid"), PERSONA_DOCUMENTS)
def test_persona_schema_agrees_with_model(document: dict[str, Any], valid: bool) -> None:
    assert schema_validator("persona").is_valid(document) is valid
    assert _accepts(Persona, document) is valid


SUITE_DOCUMENTS = [
    pytest.param({"agents": {"A": {"model": "g"}}}, True, id="minimal"),
    pytest.param({"personas": "p", "corpus": "c", "cassettes": "k",
                  "agents": {"a.b_c-1": {"model": "g"}}}, True, id="every-key"),
    pytest.param({"agents": {}}, False, id="no-agents"),
    pytest.param({"agents": {"a b": {"model": "g"}}}, False, id="agent-name-space"),
    pytest.param({"agents": {"A": {"model": "g", "options": {"num_ctx": 1}}}}, False,
                 id="bad-agent"),
]


@pytest.mark.parametrize(("document", "valid"), SUITE_DOCUMENTS)
def test_suite_schema_agrees_with_models(document: dict[str, Any], valid: bool) -> None:
    assert schema_validator("suite").is_valid(document) is valid
    agents = document["agents"]
    models_accept = bool(agents) and all(
        _accepts(AgentConfig, {"name": name, **body}) for name, body in agents.items())
    assert models_accept is valid


@pytest.mark.parametrize("expect", [
    pytest.param({"min_words": 50, "max_words": 10}, id="word-range"),
    pytest.param({"language": "xx"}, id="unknown-language"),
])
def test_schemas_and_models_differ_only_on_the_word_range_and_known_languages(
        expect: dict[str, Any]) -> None:
    # A cross-field rule JSON Schema cannot state, and the languages the detector can tell,
    # which live in code (a list copied into the schema would go stale): the loader applies
    # the model after the schema.
    document = _persona(expect=expect)
    assert schema_validator("persona").is_valid(document)
    assert not _accepts(Persona, document)


def _accepts(model: type[AgentConfig] | type[Persona], document: dict[str, Any]) -> bool:
    try:
        model.model_validate(document, strict=True)
    except ValidationError:
        return False
    return True
