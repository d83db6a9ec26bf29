"""Judge analytics: leniency against the leave-one-out panel mean, and the re-vote rate.

For every completed judgement (one competitor, one aspect, the final round) each judge's deviation is
their score minus the mean of the *other* judges' scores on that panel; leaving the judge out keeps a
harsh judge from pulling their own reference down. A judge's leniency is the mean deviation (positive:
more generous than colleagues). The re-vote rate is the share of a judge's judged panels that needed a
re-vote.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True)
class JudgeStats:
    judge_id: int
    panels: int
    leniency: Fraction | None  # None without a panel of two or more
    revotes: int

    @property
    def revote_rate(self) -> Fraction:
        return Fraction(self.revotes, self.panels) if self.panels else Fraction(0)


def judge_stats(panels: Sequence[Mapping[int, int]], revoted: Sequence[bool]) -> list[JudgeStats]:
    """`panels[i]` maps judge id → score of one judged aspect; `revoted[i]` says whether it needed a re-vote."""
    if len(panels) != len(revoted):
        raise ValueError("one revote flag per panel")
    deviations: dict[int, list[Fraction]] = {}
    counts: dict[int, int] = {}
    revotes: dict[int, int] = {}
    for scores, was_revoted in zip(panels, revoted, strict=True):
        for judge, score in scores.items():
            counts[judge] = counts.get(judge, 0) + 1
            revotes[judge] = revotes.get(judge, 0) + int(was_revoted)
            others = [s for j, s in scores.items() if j != judge]
            if others:
                deviations.setdefault(judge, []).append(Fraction(score) - Fraction(sum(others), len(others)))
    return [JudgeStats(judge, counts[judge],
                       sum(deviations[judge], Fraction(0)) / len(deviations[judge]) if judge in deviations else None,
                       revotes[judge])
            for judge in sorted(counts)]
