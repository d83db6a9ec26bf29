"""Eligibility flags of a roster entry, with the rules as data (``eligibility.yaml`` next to this module).

Pure: ``load_rules`` reads and checks a rules file and raises ``RulesInvalid`` naming the bad key;
``evaluate`` takes one worker's facts and today's date and returns the flags that hold, each with its
reasons as plain values (stored on the entry as JSON); ``describe`` words a stored flag in Chinese.

Flags (codes are stable; the thresholds come from the file):

- ``next_level``: in some skill the best valid certificate is at level N, held at least the rule's years,
  and the completed training hours reach the rule's minimum: level N-1 is reachable (5 = 五级 … 1 = 一级).
- ``renewal_due_<days>``: a valid certificate or special-trade card expires within that many days.
- ``expert_candidate``: a valid certificate at the rule's level or better, or one of its competition
  titles (技术能手 …), and on record for at least its years.

Flags depend on the clock, so they are as of the ``today`` they were evaluated for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import yaml

from core.i18n import lazy
from exams.competitions.rules.messages import AWARD_LABELS
from lms.questions.messages import msg

DEFAULT_PATH = Path(__file__).with_name("eligibility.yaml")
LEVEL_NAMES = {1: "一级/高级技师", 2: "二级/技师", 3: "三级/高级工", 4: "四级/中级工", 5: "五级/初级工"}
NEXT_LEVEL, EXPERT, RENEWAL_PREFIX = "next_level", "expert_candidate", "renewal_due_"
_SECTIONS = {"next_level", "renewal_due", "expert_candidate"}


class RulesInvalid(ValueError):
    """A rules file that cannot be used; ``key`` names the offending entry (``next_level[2].years``)."""

    def __init__(self, where: str, key: str, problem: str) -> None:
        super().__init__(f"{where}: {key}：{problem}" if key else f"{where}: {problem}")
        self.key = key


@dataclass(frozen=True)
class LevelStep:
    level: int
    years: int
    training_hours: float


@dataclass(frozen=True)
class ExpertRule:
    max_level: int | None
    titles: tuple[str, ...]
    min_years: int


@dataclass(frozen=True)
class Rules:
    next_level: tuple[LevelStep, ...] = ()
    renewal_days: tuple[int, ...] = ()
    expert: ExpertRule | None = None

    @property
    def flag_codes(self) -> tuple[str, ...]:
        return ((NEXT_LEVEL,) if self.next_level else ()) + tuple(f"{RENEWAL_PREFIX}{d}" for d in self.renewal_days) \
            + ((EXPERT,) if self.expert else ())


# -- reading and checking the rules ------------------------------------------------------------------------------

def _int(value: object, key: str, low: int, high: int, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise RulesInvalid(where, key, str(lazy("应为 %(low)d 到 %(high)d 之间的整数", low=low, high=high)))
    return value


def _mapping(value: object, key: str, allowed: set[str], where: str) -> Mapping:
    if not isinstance(value, Mapping):
        raise RulesInvalid(where, key, str(lazy("应为键值映射")))
    unknown = sorted(str(k) for k in set(value) - allowed)
    if unknown:
        raise RulesInvalid(where, f"{key}.{unknown[0]}" if key else unknown[0],
                           str(lazy("未知的键，可用：%(keys)s", keys="、".join(sorted(allowed)))))
    return value


def _list(value: object, key: str, where: str) -> list:
    if not isinstance(value, list):
        raise RulesInvalid(where, key, str(lazy("应为列表")))
    return value


def _steps(value: object, where: str) -> tuple[LevelStep, ...]:
    steps = []
    for index, item in enumerate(_list(value, "next_level", where)):
        key = f"next_level[{index}]"
        item = _mapping(item, key, {"level", "years", "training_hours"}, where)
        if "level" not in item:
            raise RulesInvalid(where, f"{key}.level", str(lazy("缺少此项")))
        hours = item.get("training_hours", 0)
        if isinstance(hours, bool) or not isinstance(hours, int | float) or not 0 <= hours <= 10000:
            raise RulesInvalid(where, f"{key}.training_hours", str(lazy("应为 0 到 10000 之间的数")))
        steps.append(LevelStep(_int(item["level"], f"{key}.level", 2, 5, where),
                               _int(item.get("years", 0), f"{key}.years", 0, 50, where), float(hours)))
    return tuple(steps)


def _renewal(value: object, where: str) -> tuple[int, ...]:
    section = _mapping(value, "renewal_due", {"days"}, where)
    days = [_int(d, f"renewal_due.days[{i}]", 1, 3650, where)
            for i, d in enumerate(_list(section.get("days", []), "renewal_due.days", where))]
    return tuple(sorted(set(days)))


def _expert(value: object, where: str) -> ExpertRule:
    section = _mapping(value, "expert_candidate", {"max_level", "titles", "min_years"}, where)
    max_level = section.get("max_level")
    if max_level is not None:
        max_level = _int(max_level, "expert_candidate.max_level", 1, 5, where)
    titles = _list(section.get("titles", []), "expert_candidate.titles", where)
    for index, title in enumerate(titles):
        if not isinstance(title, str) or not title.strip():
            raise RulesInvalid(where, f"expert_candidate.titles[{index}]", str(lazy("应为非空文字")))
    if max_level is None and not titles:
        raise RulesInvalid(where, "expert_candidate", str(lazy("至少需要 max_level 或 titles 之一")))
    return ExpertRule(max_level, tuple(t.strip() for t in titles),
                      _int(section.get("min_years", 0), "expert_candidate.min_years", 0, 60, where))


def rules_from(data: object, where: str = "rules") -> Rules:
    """Rules from parsed YAML; a missing section switches its flag off, anything unknown or malformed raises."""
    data = _mapping({} if data is None else data, "", _SECTIONS, where)
    return Rules(
        next_level=_steps(data["next_level"], where) if data.get("next_level") is not None else (),
        renewal_days=_renewal(data["renewal_due"], where) if data.get("renewal_due") is not None else (),
        expert=_expert(data["expert_candidate"], where) if data.get("expert_candidate") is not None else None,
    )


def load_rules(path: Path = DEFAULT_PATH) -> Rules:
    """Read and check a rules file; ``RulesInvalid`` names the file and the key (or the YAML line)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesInvalid(str(path), "", str(lazy("无法读取：%(e)s", e=exc.strerror or exc))) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        line = getattr(getattr(exc, "problem_mark", None), "line", None)
        where = str(lazy("第 %(n)d 行", n=line + 1)) if line is not None else ""
        raise RulesInvalid(str(path), where, str(lazy("不是有效的 YAML"))) from None
    return rules_from(data, str(path))


_cache: dict[Path, tuple[float, Rules]] = {}


def current_rules(path: Path = DEFAULT_PATH) -> Rules:
    """``load_rules`` re-read only when the file changed (pages list the flags on every request)."""
    mtime = path.stat().st_mtime
    hit = _cache.get(path)
    if hit is None or hit[0] != mtime:
        hit = _cache[path] = (mtime, load_rules(path))
    return hit[1]


# -- evaluating -------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class HeldLevel:
    """A currently valid skill-level certificate."""

    skill_code: str
    skill_name: str
    level: int
    since: date


@dataclass(frozen=True)
class Expiring:
    """A currently valid certificate or special-trade card that has an expiry date (its last valid day)."""

    kind: str  # "certificate" or "card"
    name: str
    expires_on: date


@dataclass(frozen=True)
class WorkerFacts:
    levels: tuple[HeldLevel, ...] = ()
    expiring: tuple[Expiring, ...] = ()
    training_minutes: int = 0
    titles: frozenset[str] = frozenset()
    on_record_since: date | None = None


def full_years(since: date, today: date) -> int:
    return today.year - since.year - ((today.month, today.day) < (since.month, since.day))


def _next_level_reasons(rules: Rules, facts: WorkerFacts, today: date) -> list[dict]:
    best: dict[str, HeldLevel] = {}
    for held in facts.levels:  # per skill: the best level, and the earliest certificate at that level
        current = best.get(held.skill_code)
        if current is None or (held.level, held.since) < (current.level, current.since):
            best[held.skill_code] = held
    reasons = []
    for held in sorted(best.values(), key=lambda h: h.skill_code):
        years = full_years(held.since, today)
        if any(step.level == held.level and years >= step.years and facts.training_minutes >= step.training_hours * 60
               for step in rules.next_level):
            reasons.append({"skill": held.skill_name, "level": held.level, "to_level": held.level - 1,
                            "years": years, "hours": round(facts.training_minutes / 60, 1)})
    return reasons


def _renewal_reasons(days: int, facts: WorkerFacts, today: date) -> list[dict]:
    last = today + timedelta(days=days)
    return [{"kind": e.kind, "name": e.name, "expires_on": e.expires_on.isoformat(),
             "days_left": (e.expires_on - today).days}
            for e in sorted(facts.expiring, key=lambda e: (e.expires_on, e.name)) if today <= e.expires_on <= last]


def _expert_reasons(rule: ExpertRule, facts: WorkerFacts, today: date) -> list[dict]:
    years = full_years(facts.on_record_since, today) if facts.on_record_since else 0
    if years < rule.min_years:
        return []
    top = min((h.level for h in facts.levels), default=None)
    by_level = rule.max_level is not None and top is not None and top <= rule.max_level
    titles = sorted(set(rule.titles) & facts.titles)
    if not by_level and not titles:
        return []
    return [{"level": top if by_level else None, "title": titles[0] if titles else None, "years": years}]


def evaluate(rules: Rules, facts: WorkerFacts, today: date) -> list[dict]:
    """``[{"code", "reasons": [...]}]`` for every flag that holds, in the rules' order; JSON-ready."""
    found = [(NEXT_LEVEL, _next_level_reasons(rules, facts, today))]
    found += [(f"{RENEWAL_PREFIX}{d}", _renewal_reasons(d, facts, today)) for d in rules.renewal_days]
    if rules.expert is not None:
        found.append((EXPERT, _expert_reasons(rules.expert, facts, today)))
    return [{"code": code, "reasons": reasons} for code, reasons in found if reasons]


# -- wording ----------------------------------------------------------------------------------------------------

def flag_label(code: str) -> str:
    if code == NEXT_LEVEL:
        return str(lazy("可申报高一级"))
    if code == EXPERT:
        return str(lazy("专家库候选"))
    if code.startswith(RENEWAL_PREFIX) and code[len(RENEWAL_PREFIX):].isdigit():
        return str(lazy("%(d)s 天内到期", d=code[len(RENEWAL_PREFIX):]))
    return code


def award_label(code: str) -> str:
    return msg(AWARD_LABELS[code]) if code in AWARD_LABELS else code


def _reason(code: str, r: dict) -> str:
    if code == NEXT_LEVEL:
        return str(lazy("%(skill)s：持有%(level)s证书 %(years)d 年，已完成培训 %(hours)s 学时，可申报%(to)s",
                        skill=r["skill"], level=LEVEL_NAMES[r["level"]], years=r["years"], hours=r["hours"],
                        to=LEVEL_NAMES[r["to_level"]]))
    if code == EXPERT:
        held = (str(lazy("持有%(level)s证书", level=LEVEL_NAMES[r["level"]])) if r["level"]
                else str(lazy("获“%(title)s”称号", title=award_label(r["title"]))))
        return str(lazy("%(held)s，在库记录 %(years)d 年", held=held, years=r["years"]))
    what = str(lazy("特种作业操作证")) if r["kind"] == "card" else str(lazy("证书"))
    return str(lazy("%(name)s（%(what)s）%(date)s 到期，还剩 %(n)d 天", name=r["name"], what=what,
                    date=r["expires_on"], n=r["days_left"]))


def describe(flag: dict) -> tuple[str, list[str]]:
    """A stored flag as (label, reasons in words) for the record page."""
    code = flag["code"]
    return flag_label(code), [_reason(code, r) for r in flag.get("reasons", [])]
