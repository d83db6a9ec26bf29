"""回避: a judge never scores a competitor from their own enterprise or training base.

A judge's organisations are every organisation in which they hold a role; a competitor's are the
enterprise and training base recorded on the competitor. Any overlap is a conflict of interest. Only the
chief judge can override one, with a written reason (e.g. the only qualified judge left), and the
override is recorded.

Each competitor's panel for a module is the first `size` eligible judges in the module's assignment
order (eligible: no conflict, or a recorded override); judges see only the stations they are on the
panel for.
"""

from collections.abc import Collection, Iterable, Sequence


def conflicting_orgs(judge_org_ids: Iterable[int], competitor_org_ids: Iterable[int | None]) -> frozenset[int]:
    return frozenset(judge_org_ids) & frozenset(o for o in competitor_org_ids if o is not None)


def panel_for(judges_in_order: Sequence[int], conflicted: Collection[int], overridden: Collection[int],
              size: int) -> tuple[int, ...]:
    """The competitor's panel: the first `size` judges without an unresolved conflict (may be short)."""
    eligible = [j for j in judges_in_order if j not in conflicted or j in overridden]
    return tuple(eligible[:size])
