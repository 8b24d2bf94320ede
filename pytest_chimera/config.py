"""Agents (model configurations) and personas (system prompts with expectations), from files.

Each file is checked twice: against its JSON Schema in schemas/ (the contract editors and other
tools can use) and by the pydantic model that the rest of the code works with. Every problem is
a :class:`ConfigError` naming the file, the key and the reason.
"""

from __future__ import annotations

import json
import tomllib
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any, Literal

import jsonschema
import jsonschema.protocols
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from referencing import Registry, Resource

from .language import language_code


class ConfigError(Exception):
    """A configuration file or value is wrong; the message names the file, key and reason."""


class OllamaOptions(BaseModel):
    """The Ollama options an agent may set; one left unset means the server's default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    num_gpu: int | None = Field(None, ge=0, le=1000, description="layers offloaded to the GPU")
    num_ctx: int | None = Field(None, ge=128, le=1_048_576, description="context window, tokens")
    temperature: float | None = Field(None, ge=0.0, le=5.0)
    top_p: float | None = Field(None, gt=0.0, le=1.0)
    top_k: int | None = Field(None, ge=1, le=100_000)
    repeat_penalty: float | None = Field(None, gt=0.0, le=10.0)
    num_predict: int | None = Field(None, ge=1, le=1_000_000, description="most tokens to generate")
    seed: int | None = Field(None, ge=0, le=2**32 - 1)

    def as_dict(self) -> dict[str, Any]:
        return self.model_dump(exclude_none=True)


class AgentConfig(BaseModel):
    """One agent: a name, the model it asks for, and the options it sends."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[A-Za-z0-9_.-]+$")
    model: str = Field(min_length=1)
    description: str = ""
    options: OllamaOptions = OllamaOptions()


class Expectations(BaseModel):
    """The structure a persona's report must have. Unset means "not checked"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sections: list[Annotated[str, Field(min_length=1)]] = Field(
        default_factory=list, description="required section titles")
    min_words: int | None = Field(None, ge=0)
    max_words: int | None = Field(None, ge=1)
    min_numbered_sections: int | None = Field(None, ge=0)
    min_table_rows: int | None = Field(None, ge=0)
    min_bullets: int | None = Field(None, ge=0)
    min_items: dict[str, Annotated[int, Field(ge=1)]] = Field(
        default_factory=dict, description="section title → least bullets or numbered items"
    )
    language: str | None = Field(
        "en", description="the language the report is asked for: a code the checker can tell, "
                          "as --language takes it (en, EN, en-GB); kept as the code (en)")

    @field_validator("language")
    @classmethod
    def _known_language(cls, tag: str | None) -> str | None:
        # A language the detector cannot name would have every line of every report read as
        # drifted into another language. The code alone is kept: the report's language is
        # compared with what the detector names, which is never "en-GB" or "EN".
        return None if tag is None else language_code(tag)

    @model_validator(mode="after")
    def _word_range(self) -> Expectations:
        if (self.min_words is not None and self.max_words is not None
                and self.min_words > self.max_words):
            raise ValueError(f"min_words ({self.min_words}) is above max_words "
                             f"({self.max_words})")
        return self


class Persona(BaseModel):
    """A system prompt, the outline the report should follow, and what it is checked against."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str = Field(min_length=1)
    prompt: str = Field(min_length=20)
    outline: list[Annotated[str, Field(min_length=1)]] = Field(
        min_length=1, description="section headings, in order")
    expect: Expectations = Expectations()
    source: str = Field("", exclude=True)


class SuiteConfig(BaseModel):
    """What an agents file holds: the agents, and where personas and the corpus live."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    agents: dict[str, AgentConfig]
    personas_dir: Path
    corpus: Path
    cassettes: Path
    source: Path


@cache
def load_schema(name: str) -> dict[str, Any]:
    """One of the JSON Schemas in schemas/, e.g. ``load_schema("agent")``."""
    text = files("pytest_chimera.schemas").joinpath(f"{name}.schema.json").read_text("utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema


@cache
def _registry() -> Registry[Any]:
    # The schemas refer to each other by file name ("$ref": "agent.schema.json").
    folder = files("pytest_chimera.schemas")
    resources = []
    for entry in folder.iterdir():
        if entry.name.endswith(".schema.json"):
            contents = json.loads(entry.read_text("utf-8"))
            resources.append((entry.name, Resource.from_contents(contents)))
    return Registry().with_resources(resources)


def schema_validator(name: str) -> jsonschema.protocols.Validator:
    """A Draft 2020-12 validator for one schema, resolving references to its siblings."""
    return jsonschema.Draft202012Validator(load_schema(name), registry=_registry())


def _where(path: Any) -> str:
    parts = [str(p) for p in path]
    return ".".join(parts) if parts else "(top level)"


def check_schema(document: Any, schema_name: str, source: str, prefix: str = "") -> None:
    """Raise ConfigError listing every place ``document`` breaks the named schema."""
    validator = schema_validator(schema_name)
    errors = sorted(validator.iter_errors(document), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{source}: {prefix}{_where(e.absolute_path)}: {e.message}" for e in errors]
        raise ConfigError("\n".join(lines))


def _pydantic_error(exc: ValidationError, source: str, prefix: str = "") -> ConfigError:
    # A validator's own ValueError reads "Value error, <reason>": the reason is the message.
    lines = [f"{source}: {prefix}{_where(err['loc'])}: {err['msg'].removeprefix('Value error, ')}"
             for err in exc.errors()]
    return ConfigError("\n".join(lines))


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a folder, expected a TOML file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None


def load_suite(path: Path, *, table: Literal["top", "tool.chimera"] = "top") -> SuiteConfig:
    """Read an agents file (``chimera.toml``) or the ``[tool.chimera]`` table of pyproject.toml."""
    document = read_toml(path)
    where = ""
    if table == "tool.chimera":
        document = _tool_chimera(document, path)
        where = "tool.chimera."
    check_schema(document, "suite", str(path), where)
    agents: dict[str, AgentConfig] = {}
    for name, body in document["agents"].items():
        try:
            agents[name] = AgentConfig(name=name, **body)
        except ValidationError as exc:
            raise _pydantic_error(exc, str(path), f"{where}agents.{name}.") from None
    base = path.parent
    return SuiteConfig(
        agents=agents,
        personas_dir=(base / document.get("personas", "personas")).resolve(),
        corpus=(base / document.get("corpus", "corpus")).resolve(),
        cassettes=(base / document.get("cassettes", "cassettes")).resolve(),
        source=path,
    )


def _tool_chimera(document: dict[str, Any], path: Path) -> dict[str, Any]:
    # pyproject.toml belongs to many tools: check each step of the way down to our table, so a
    # stray "tool = ..." is reported as the key it is, not met as the wrong type further on.
    tool = document.get("tool")
    if tool is None:
        raise ConfigError(f"{path}: tool.chimera: no [tool.chimera] table in this file")
    if not isinstance(tool, dict):
        raise ConfigError(f"{path}: tool: expected a table, found {_toml_kind(tool)}")
    chimera = tool.get("chimera")
    if chimera is None:
        raise ConfigError(f"{path}: tool.chimera: no [tool.chimera] table in this file")
    if not isinstance(chimera, dict):
        raise ConfigError(f"{path}: tool.chimera: expected a table, found {_toml_kind(chimera)}")
    return chimera


def _toml_kind(value: Any) -> str:
    kinds = {bool: "a boolean", int: "an integer", float: "a float", str: "a string",
             list: "an array"}
    return kinds.get(type(value), f"a {type(value).__name__} value")


def load_persona(path: Path) -> Persona:
    document = read_toml(path)
    check_schema(document, "persona", str(path))
    try:
        return Persona(source=str(path), **document)
    except ValidationError as exc:
        raise _pydantic_error(exc, str(path)) from None


def load_personas(folder: Path) -> list[Persona]:
    """Every ``*.toml`` persona in ``folder``, sorted by id; ids must be unique."""
    if not folder.is_dir():
        raise ConfigError(f"{folder}: personas folder not found")
    personas = [load_persona(p) for p in sorted(folder.glob("*.toml"))]
    if not personas:
        raise ConfigError(f"{folder}: no persona files (*.toml) in it")
    seen: dict[str, str] = {}
    for persona in personas:
        if persona.id in seen:
            raise ConfigError(
                f"{persona.source}: id {persona.id!r} is also used by {seen[persona.id]}")
        seen[persona.id] = persona.source
    return sorted(personas, key=lambda p: p.id)
