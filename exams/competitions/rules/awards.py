"""Awards as data: which ranks earn what, and how many competitors an event needs before medals.

A scheme is stored as JSON on the event:

```
{"min_competitors_for_medals": 6,
 "tiers": [{"code": "gold", "count": 1, "medal": true}, {"code": "silver", "count": 2, "medal": true},
           {"code": "bronze", "count": 3, "medal": true}, {"code": "excellence", "count": 4}],
 "titles": [{"code": "technical_expert", "top": 3}]}
```

- `tiers` are exclusive and consumed in order by rank: a competitor at rank r gets the first tier whose
  cumulative count reaches r. Competitors sharing a rank share the award (ranks skip after a tie, so
  places are not created out of nothing).
- With fewer ranked competitors than `min_competitors_for_medals`, medal tiers are not awarded at all
  and the remaining tiers start from rank 1 (a four-competitor event gives 优胜奖, not gold).
- `titles` are additive: every competitor ranked within `top` also receives the title (技术能手).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from exams.competitions.rules import messages as m
from lms.questions.messages import msg


class AwardsInvalid(ValueError):
    def __init__(self, detail: str) -> None:
        super().__init__(msg(m.AWARDS_INVALID, detail=detail))


@dataclass(frozen=True)
class Tier:
    code: str
    count: int
    medal: bool = False


@dataclass(frozen=True)
class Title:
    code: str
    top: int


@dataclass(frozen=True)
class AwardScheme:
    tiers: tuple[Tier, ...]
    titles: tuple[Title, ...] = ()
    min_competitors_for_medals: int = 0


DEFAULT_AWARDS = {
    "min_competitors_for_medals": 6,
    "tiers": [{"code": "gold", "count": 1, "medal": True}, {"code": "silver", "count": 2, "medal": True},
              {"code": "bronze", "count": 3, "medal": True}, {"code": "excellence", "count": 4}],
    "titles": [{"code": "technical_expert", "top": 3}],
}


def _count(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise AwardsInvalid(msg(m.AWARDS_COUNT, name=name))
    return value


def _code(value: object) -> str:
    if not isinstance(value, str) or not value.strip() or len(value) > 30:
        raise AwardsInvalid(msg(m.AWARDS_CODE))
    return value.strip()


def scheme_from_dict(data: Mapping) -> AwardScheme:
    """Read the stored JSON; raises AwardsInvalid (a ValueError) naming the bad part."""
    if not isinstance(data, Mapping):
        raise AwardsInvalid(msg(m.AWARDS_SHAPE))
    tiers = tuple(Tier(_code(t.get("code")), _count(t.get("count"), "count"), bool(t.get("medal", False)))
                  for t in data.get("tiers", []) if isinstance(t, Mapping))
    titles = tuple(Title(_code(t.get("code")), _count(t.get("top"), "top"))
                   for t in data.get("titles", []) if isinstance(t, Mapping))
    codes = [t.code for t in tiers] + [t.code for t in titles]
    if len(set(codes)) != len(codes):
        raise AwardsInvalid(msg(m.AWARDS_DUPLICATE))
    return AwardScheme(tiers, titles, _count(data.get("min_competitors_for_medals", 0), "min_competitors_for_medals"))


def medals_withheld(scheme: AwardScheme, competitors: int) -> bool:
    return competitors < scheme.min_competitors_for_medals


def assign_awards(ranks: Sequence[tuple[str, int]], scheme: AwardScheme) -> dict[str, tuple[str, ...]]:
    """Awards per key for `(key, rank)` pairs of one event; see the module docstring for the rules."""
    tiers = [t for t in scheme.tiers if not (t.medal and medals_withheld(scheme, len(ranks)))]
    out: dict[str, tuple[str, ...]] = {}
    for key, rank in ranks:
        awards: list[str] = []
        reach = 0
        for tier in tiers:
            reach += tier.count
            if rank <= reach:
                awards.append(tier.code)
                break
        awards.extend(title.code for title in scheme.titles if rank <= title.top)
        out[key] = tuple(awards)
    return out
