"""The agent profile schema (`bot/agent_profile.yml`): one parser for both runtimes.

Stdlib + PyYAML only, like `masking`, so the action server (agent env, through
`knowledge.profile.get_profile`) and the Rasa server (bot env, through
`connectors.settings.get_settings().profile`) read the file with the same keys, defaults and
checks. An unknown key or a bad value is a `ProfileError` naming the file and the key, one line
per mistake, raised when the profile is first read (at start-up), so a typo never turns into
silently different behaviour. A missing file is the defaults.

The `channels:` section assigns the agent to channels and accounts (`ChannelAssignment`): a
channel or account it is not assigned to gets no AI answers (`connectors/common/assignment.py`
routes those messages to people). Left out: every channel and account, as before.

The `handoff:` section holds `mode` and `max_clarifications` (checked here: the one place the
clarification limit is configured) and the Slack routing keys in `ROUTING_KEYS`, which are kept
as given in `AgentProfile.handoff` and checked by `connectors/slack_handoff/config.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from connectors.common.channel_assignment import ChannelAssignment, parse_channels

ROLES = ("customer support", "marketing specialist", "sales representative")
PERSONALITIES = ("friendly", "professional", "casual", "empathetic", "witty")
HANDOFF_MODES = ("slack", "stay_assigned")
TEXT_KEYS = ("name", "role", "personality", "brand_voice", "avatar_url", "company")
KEYS = (*TEXT_KEYS, "sample_questions", "channels", "handoff")
ROUTING_KEYS = (
    "route",
    "channel",
    "rules",
    "hours",
    "note_prefix",
    "webchat_header",
    "transcript_turns",
)
HANDOFF_KEYS = ("mode", "max_clarifications", *ROUTING_KEYS)
AVATAR_PREFIXES = ("https://", "http://", "/")


class ProfileError(ValueError):
    """The profile file has mistakes; `problems` holds one line per mistake."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(f"{source}: {p}" for p in problems))


@dataclass(frozen=True)
class AgentProfile:
    """Who the agent is and how it hands off (defaults: a friendly support agent "Ava")."""

    name: str = "Ava"
    role: str = "customer support"
    personality: str = "friendly"
    brand_voice: str = ""  # free text; when set it replaces the personality in prompts
    avatar_url: str = ""  # empty: the widget's built-in avatar
    company: str = ""
    sample_questions: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    handoff_mode: str = "stay_assigned"  # never promise a person unless the admin chose Slack
    max_clarifications: int = 2
    handoff: Mapping[str, Any] = field(default_factory=dict)  # the section as given (routing)
    channels: ChannelAssignment = field(default_factory=ChannelAssignment)  # default: all


def _text(data: Mapping[str, Any], key: str, problems: list[str]) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        problems.append(f"{key}: must be text, got {type(value).__name__}")
        return None
    return str(value).strip()


def _samples(raw: Any, problems: list[str]) -> dict[str, tuple[str, ...]]:
    if raw is None:
        return {}
    if not isinstance(raw, Mapping):
        problems.append("sample_questions: must map a language code to a list of questions")
        return {}
    out: dict[str, tuple[str, ...]] = {}
    for lang, questions in raw.items():
        if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
            problems.append(f"sample_questions.{lang}: must be a list of questions")
            continue
        out[str(lang)] = tuple(q.strip() for q in questions if q.strip())
    return out


def _handoff(raw: Any, problems: list[str]) -> tuple[str, int, dict[str, Any]]:
    defaults = AgentProfile()
    if raw is None:
        return defaults.handoff_mode, defaults.max_clarifications, {}
    if not isinstance(raw, Mapping):
        problems.append("handoff: must be a mapping (mode, max_clarifications, routing)")
        return defaults.handoff_mode, defaults.max_clarifications, {}
    for key in raw:
        if key not in HANDOFF_KEYS:
            problems.append(
                f"handoff: unknown key {key!r} (expected one of {', '.join(HANDOFF_KEYS)})"
            )
    mode = str(raw.get("mode") or defaults.handoff_mode).strip().lower()
    if mode not in HANDOFF_MODES:
        problems.append(f"handoff.mode: {mode!r} is not one of {', '.join(HANDOFF_MODES)}")
    limit = raw.get("max_clarifications", defaults.max_clarifications)
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        problems.append(f"handoff.max_clarifications: must be a whole number >= 0, got {limit!r}")
        limit = defaults.max_clarifications
    return mode, limit, dict(raw)


def parse_profile(data: Any, source: str = "agent profile") -> AgentProfile:
    """The profile from a parsed YAML document; every mistake at once in one `ProfileError`."""
    if data is None:
        return AgentProfile()
    if not isinstance(data, Mapping):
        raise ProfileError(source, ["expected a mapping of profile keys"])
    problems = [
        f"unknown key {key!r} (expected one of {', '.join(KEYS)})"
        for key in data
        if key not in KEYS
    ]
    texts = {key: value for key in TEXT_KEYS if (value := _text(data, key, problems)) is not None}
    for key, allowed in (("role", ROLES), ("personality", PERSONALITIES)):
        if key in texts:
            texts[key] = texts[key].lower() or getattr(AgentProfile, key)
            if texts[key] not in allowed:
                problems.append(f"{key}: {texts[key]!r} is not one of {', '.join(allowed)}")
    if "name" in texts and not texts["name"]:
        del texts["name"]  # blank: the default name
    avatar = texts.get("avatar_url", "")
    if avatar and not avatar.startswith(AVATAR_PREFIXES):
        problems.append(f"avatar_url: {avatar!r} must start with https://, http:// or /")
    samples = _samples(data.get("sample_questions"), problems)
    mode, limit, handoff = _handoff(data.get("handoff"), problems)
    channels = parse_channels(data.get("channels"), problems)
    if problems:
        raise ProfileError(source, problems)
    return AgentProfile(
        **texts,
        sample_questions=samples,
        handoff_mode=mode,
        max_clarifications=limit,
        handoff=handoff,
        channels=channels,
    )


def load_profile(path: Path) -> AgentProfile:
    """Read and check the profile file; a missing file gives the defaults."""
    import yaml

    if not path.exists():
        return AgentProfile()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ProfileError(str(path), [f"not valid YAML ({exc})".replace("\n", " ")]) from exc
    return parse_profile(data, str(path))
