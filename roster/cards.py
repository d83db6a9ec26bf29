"""Special-trade cards (特种作业操作资格证书) entered by training bases, and the authorities that issue them.

Validity is data: each authority row holds the months a card is valid from its issue date and the months
before expiry in which it is due for renewal (seeded: the provincial 住房和城乡建设厅, 24 and 3, DESIGN.md
§5; other authorities are added with their own terms). A card's last valid day (``expires_on``) is the
one printed on it when given, else the authority's rule: issued 2024-03-15, valid 24 months → 2026-03-14.
Its status on a day: ``expired`` after that day, ``renewal_due`` inside the window, ``valid`` before.

Cards are entered one at a time or as a file, always for a registered worker matched by ID number (keyed
hash, the number is never stored here) and name. An import is all-or-nothing: every row is checked before
anything is written, and any problem refuses the file with messages naming each row. Every entry and every
import writes an audit row without personal data. Services flush, never commit.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import func, select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from certificates.issuance import CHINA
from certificates.policy import add_months
from core import audit
from core.accounts import normalize_name
from core.crypto import PiiCipher
from core.demo import ORGS, WORKERS, demo_id_number
from core.errors import ValidationFailed
from core.i18n import lazy
from core.identity import IdentifierInvalid, normalize_id_number
from core.models import Organisation, OrgKind, User
from roster.card_file import LABELS, CardRow, cell_date, cell_text, id_number_problem
from roster.models import TradeAuthority, TradeCard

# (name, region, validity months, renewal window months): the authorities every deployment starts with.
DEFAULT_AUTHORITIES = (("云南省住房和城乡建设厅", "云南省", 24, 3),)
MAX_ERRORS = 20
_ID_PURPOSE = "id_number"


class CardStatus(StrEnum):
    VALID = "valid"
    RENEWAL_DUE = "renewal_due"
    EXPIRED = "expired"


TONES = {CardStatus.VALID: "ok", CardStatus.RENEWAL_DUE: "warn", CardStatus.EXPIRED: "off"}


def status_label(status: CardStatus) -> str:
    return str({CardStatus.VALID: lazy("有效"), CardStatus.RENEWAL_DUE: lazy("待复审"),
                CardStatus.EXPIRED: lazy("已过期")}[CardStatus(status)])


# -- the validity rule (pure) -----------------------------------------------------------------------------------

def local_today(now: datetime) -> date:
    return now.astimezone(CHINA).date()


def expiry_for(authority: TradeAuthority, issued_on: date) -> date:
    """The last valid day under the authority's rule: the day before the ``validity_months`` anniversary."""
    return add_months(issued_on, authority.validity_months) - timedelta(days=1)


def renewal_opens_on(authority: TradeAuthority, expires_on: date) -> date | None:
    """First day of the renewal window (the last ``renewal_window_months`` up to expiry); None without one."""
    if not authority.renewal_window_months:
        return None
    return add_months(expires_on, -authority.renewal_window_months) + timedelta(days=1)


def card_status(authority: TradeAuthority, expires_on: date, today: date) -> CardStatus:
    if today > expires_on:
        return CardStatus.EXPIRED
    opens = renewal_opens_on(authority, expires_on)
    return CardStatus.RENEWAL_DUE if opens is not None and today >= opens else CardStatus.VALID


# -- authorities ------------------------------------------------------------------------------------------------

def authorities(session: Session) -> list[TradeAuthority]:
    return list(session.scalars(select(TradeAuthority).order_by(TradeAuthority.name)))


def ensure_default_authorities(session: Session, *, now: datetime) -> list[TradeAuthority]:
    """Create the ``DEFAULT_AUTHORITIES`` that are missing (idempotent; the migration seeds them too)."""
    existing = {a.name for a in authorities(session)}
    for name, region, months, window in DEFAULT_AUTHORITIES:
        if name not in existing:
            session.add(TradeAuthority(name=name, region=region, validity_months=months,
                                       renewal_window_months=window, created_at=now))
    session.flush()
    return authorities(session)


AUTHORITY_FIELDS = {"name": lazy("发证机关"), "region": lazy("地区"), "validity_months": lazy("有效期（月）"),
                    "renewal_window_months": lazy("复审期（到期前月数）")}


def _months(raw: Mapping[str, object], field: str, low: int, high: int) -> int:
    text = str(raw.get(field) or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise _bad(field, str(lazy("%(f)s应为 %(lo)d 到 %(hi)d 之间的整数。", f=AUTHORITY_FIELDS[field], lo=low,
                                    hi=high)))
    return int(text)


def save_authority(session: Session, raw: Mapping[str, object], *, actor_id: int, now: datetime) -> TradeAuthority:
    """Add an issuing authority or change its validity rule (matched by name). The rule is data: a changed
    renewal window moves every card's status at once; a changed validity applies to cards entered afterwards
    (a card keeps the expiry it was entered with)."""
    name = str(raw.get("name") or "").strip()
    if not name:
        raise _bad("name", str(lazy("请填写%(f)s。", f=AUTHORITY_FIELDS["name"])))
    if len(name) > 120:
        raise _bad("name", str(lazy("%(f)s最多 %(n)d 个字。", f=AUTHORITY_FIELDS["name"], n=120)))
    region = str(raw.get("region") or "").strip()[:60]
    validity = _months(raw, "validity_months", 1, 240)
    window = _months(raw, "renewal_window_months", 0, 239)
    if window >= validity:
        raise _bad("renewal_window_months", str(lazy("复审期应短于有效期。")))
    authority = session.scalar(select(TradeAuthority).where(TradeAuthority.name == name))
    before = None if authority is None else [authority.validity_months, authority.renewal_window_months]
    if authority is None:
        authority = TradeAuthority(name=name, created_at=now)
        session.add(authority)
    authority.region, authority.validity_months, authority.renewal_window_months = region, validity, window
    session.flush()
    audit.record(session, action="roster.authority_saved", now=now, actor_id=actor_id,
                 target=f"trade_authority:{authority.id}",
                 details={"name": name, "validity_months": validity, "renewal_window_months": window,
                          "before": before})
    return authority


def training_bases(session: Session, ids: set[int] | None = None) -> list[Organisation]:
    """Training bases by name: all of them, or those among ``ids``."""
    query = select(Organisation).where(Organisation.kind == OrgKind.TRAINING_BASE)
    if ids is not None:
        query = query.where(Organisation.id.in_(ids or {-1}))
    return list(session.scalars(query.order_by(Organisation.name)))


# -- checking one card ------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CardDraft:
    """A checked card, before the worker is matched and duplicates are looked for."""

    row: int
    name: str
    id_hash: str
    trade_name: str
    card_number: str
    authority: TradeAuthority
    issued_on: date
    stated_expiry: date | None


def _bad(field: str, message: str) -> ValidationFailed:
    return ValidationFailed("invalid_" + field, message, field)


def _text(raw: Mapping[str, object], field: str, limit: int) -> str:
    value = cell_text(raw.get(field))
    if not value:
        raise _bad(field, str(lazy("请填写%(f)s。", f=LABELS[field])))
    if len(value) > limit:
        raise _bad(field, str(lazy("%(f)s最多 %(n)d 个字。", f=LABELS[field], n=limit)))
    return value


def _date(raw: Mapping[str, object], field: str) -> date | None:
    try:
        value = cell_date(raw.get(field))
    except ValueError:
        raise _bad(field, str(lazy("%(f)s应为日期，例如 2024-03-15。", f=LABELS[field]))) from None
    if value is not None and value.year < 1980:
        raise _bad(field, str(lazy("%(f)s不合理。", f=LABELS[field])))
    return value


def _id_hash(cipher: PiiCipher, value: object, today: date) -> str:
    problem = id_number_problem(value)
    if problem:
        raise _bad("id_number", problem)
    try:
        id_number = normalize_id_number(cell_text(value), today=today)
    except IdentifierInvalid as exc:
        raise _bad("id_number", exc.message) from None
    return cipher.lookup_hash(id_number, purpose=_ID_PURPOSE)


def check_card(cipher: PiiCipher, raw: Mapping[str, object], *, authorities_by_name: Mapping[str, TradeAuthority],
               today: date, row: int = 0) -> CardDraft:
    """One card's values (form fields or file cells) checked; ``ValidationFailed`` names the field."""
    try:
        name = normalize_name(cell_text(raw.get("name")))
    except ValidationFailed as exc:
        raise _bad("name", exc.message) from None
    id_hash = _id_hash(cipher, raw.get("id_number"), today)
    trade_name = _text(raw, "trade_name", 60)
    card_number = "".join(_text(raw, "card_number", 40).split()).upper()
    authority = authorities_by_name.get(cell_text(raw.get("authority")))
    if authority is None:
        raise _bad("authority", str(lazy("发证机关应为以下之一：%(names)s。", names="、".join(authorities_by_name)
                                         or str(lazy("（尚未设置发证机关）")))))
    issued_on = _date(raw, "issued_on")
    if issued_on is None:
        raise _bad("issued_on", str(lazy("请填写发证日期。")))
    if issued_on > today:
        raise _bad("issued_on", str(lazy("发证日期不能晚于今天。")))
    stated = _date(raw, "expires_on")
    if stated is not None and stated <= issued_on:
        raise _bad("expires_on", str(lazy("有效期至应晚于发证日期。")))
    return CardDraft(row, name, id_hash, trade_name, card_number, authority, issued_on, stated)


def _holders(session: Session, drafts: list[CardDraft]) -> dict[str, User]:
    hashes = list({d.id_hash for d in drafts})
    found: dict[str, User] = {}
    for start in range(0, len(hashes), 500):
        for user in session.scalars(select(User).where(User.id_number_hash.in_(hashes[start:start + 500]))):
            found[user.id_number_hash] = user
    return found


def _taken(session: Session, drafts: list[CardDraft]) -> set[tuple[int, str]]:
    keys = list({(d.authority.id, d.card_number) for d in drafts})
    taken: set[tuple[int, str]] = set()
    for start in range(0, len(keys), 500):
        taken.update(session.execute(select(TradeCard.authority_id, TradeCard.card_number).where(
            tuple_(TradeCard.authority_id, TradeCard.card_number).in_(keys[start:start + 500]))).tuples())
    return taken


def _matched(session: Session, drafts: list[CardDraft]) -> list[tuple[CardDraft, User | ValidationFailed]]:
    """Each draft with its registered worker, or the problem: no worker with that ID number and name, or the
    card number already recorded for that authority (in the database or on an earlier row of the same file)."""
    holders, taken, seen = _holders(session, drafts), _taken(session, drafts), {}
    out: list[tuple[CardDraft, User | ValidationFailed]] = []
    for draft in drafts:
        user, key = holders.get(draft.id_hash), (draft.authority.id, draft.card_number)
        if user is None or user.name != draft.name:
            out.append((draft, _bad("id_number", str(lazy("没有身份证号与姓名都相符的已注册工人。")))))
        elif key in taken:
            out.append((draft, _bad("card_number", str(lazy("该发证机关的这个证书编号已经登记过。")))))
        elif key in seen:
            out.append((draft, _bad("card_number", str(lazy("与第 %(n)d 行的证书编号重复。", n=seen[key])))))
        else:
            seen[key] = draft.row
            out.append((draft, user))
    return out


def _card(draft: CardDraft, user: User, *, base_org_id: int, actor_id: int | None, now: datetime) -> TradeCard:
    return TradeCard(user_id=user.id, trade_name=draft.trade_name, card_number=draft.card_number,
                     authority_id=draft.authority.id, issued_on=draft.issued_on,
                     expires_on=draft.stated_expiry or expiry_for(draft.authority, draft.issued_on),
                     has_stated_expiry=draft.stated_expiry is not None, base_org_id=base_org_id,
                     entered_by_id=actor_id, created_at=now)


# -- entering cards ---------------------------------------------------------------------------------------------

def _insert(session: Session, new_cards: list[TradeCard]) -> None:
    """Add and flush; a card number another request recorded meanwhile is refused like any duplicate (the
    caller's transaction rolls the whole entry back)."""
    session.add_all(new_cards)
    try:
        session.flush()
    except IntegrityError:
        raise _bad("card_number", str(lazy("该发证机关的这个证书编号刚刚已被登记，请刷新后核对。"))) from None


def add_card(session: Session, cipher: PiiCipher, raw: Mapping[str, object], *, base_org_id: int,
             actor_id: int | None, now: datetime, ip: str = "") -> TradeCard:
    """Enter one card for a registered worker; ``ValidationFailed`` names the field at fault."""
    by_name = {a.name: a for a in authorities(session)}
    draft = check_card(cipher, raw, authorities_by_name=by_name, today=local_today(now))
    [(draft, holder)] = _matched(session, [draft])
    if isinstance(holder, ValidationFailed):
        raise holder
    card = _card(draft, holder, base_org_id=base_org_id, actor_id=actor_id, now=now)
    _insert(session, [card])
    audit.record(session, action="roster.trade_card.add", now=now, actor_id=actor_id, org_id=base_org_id,
                 target=f"trade_card:{card.id}", details={"user_id": holder.id, "authority_id": card.authority_id},
                 ip=ip)
    return card


class CardImportFailed(ValidationFailed):
    """A refused file: ``errors`` lists the problems found (up to ``MAX_ERRORS``), each naming its row."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("invalid_rows", "\n".join(errors[:MAX_ERRORS]), "file")
        self.errors = errors[:MAX_ERRORS]


def _row_error(row: int, exc: ValidationFailed) -> tuple[int, str]:
    column = LABELS.get(exc.field or "", "")
    return row, str(lazy("第 %(row)d 行（%(col)s）：%(msg)s", row=row, col=column, msg=exc.message))


def import_cards(session: Session, cipher: PiiCipher, rows: list[CardRow], *, base_org_id: int, actor_id: int,
                 now: datetime, ip: str = "") -> list[TradeCard]:
    """Enter every card of a file, or none: ``CardImportFailed`` lists the bad rows and nothing is written."""
    by_name, today = {a.name: a for a in authorities(session)}, local_today(now)
    drafts, errors = [], []
    for row in rows:
        try:
            drafts.append(check_card(cipher, row.values, authorities_by_name=by_name, today=today, row=row.row))
        except ValidationFailed as exc:
            errors.append(_row_error(row.row, exc))
    matched = _matched(session, drafts)
    errors += [_row_error(d.row, problem) for d, problem in matched if isinstance(problem, ValidationFailed)]
    if errors:
        raise CardImportFailed([message for _row, message in sorted(errors)])
    cards = [_card(d, user, base_org_id=base_org_id, actor_id=actor_id, now=now) for d, user in matched]
    _insert(session, cards)
    audit.record(session, action="roster.trade_card.import", now=now, actor_id=actor_id, org_id=base_org_id,
                 target=f"org:{base_org_id}", details={"cards": len(cards)}, ip=ip)
    return cards


# -- reading ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CardLine:
    card: TradeCard
    authority: TradeAuthority
    holder_name: str
    holder_id_masked: str
    status: CardStatus

    @property
    def status_label(self) -> str:
        return status_label(self.status)

    @property
    def tone(self) -> str:
        return TONES[self.status]


def card_lines(session: Session, *, today: date, base_org_id: int | None = None, user_id: int | None = None,
               limit: int = 500) -> list[CardLine]:
    """Cards entered by a base, or held by a worker, newest first, with their status on ``today``."""
    query = (select(TradeCard, TradeAuthority, User.name, User.id_number_masked)
             .join(TradeAuthority, TradeAuthority.id == TradeCard.authority_id)
             .join(User, User.id == TradeCard.user_id))
    if base_org_id is not None:
        query = query.where(TradeCard.base_org_id == base_org_id)
    if user_id is not None:
        query = query.where(TradeCard.user_id == user_id)
    rows = session.execute(query.order_by(TradeCard.id.desc()).limit(limit))
    return [CardLine(card, authority, name, masked or "", card_status(authority, card.expires_on, today))
            for card, authority, name, masked in rows]


def card_count(session: Session, base_org_id: int) -> int:
    return session.scalar(select(func.count(TradeCard.id)).where(TradeCard.base_org_id == base_org_id)) or 0


# -- demo -------------------------------------------------------------------------------------------------------

def seed_demo_cards(session: Session, cipher: PiiCipher, *, now: datetime) -> list[str]:
    """The default authorities and two cards of the demo workers, entered by the demo base (idempotent):
    one well inside its validity, one inside its renewal window. For ``flask demo seed``."""
    ensure_default_authorities(session, now=now)
    base = session.scalar(select(Organisation).where(Organisation.name == ORGS[1][1]))
    authority = authorities(session)[0]
    if base is None or session.scalar(select(TradeCard.id).where(TradeCard.base_org_id == base.id).limit(1)):
        return []
    today, lines = local_today(now), []
    for (phone, name, first17), issued_on in zip(WORKERS[:2], (today - timedelta(days=200), today - timedelta(
            days=680)), strict=True):
        raw = {"name": name, "id_number": demo_id_number(first17), "trade_name": "建筑起重信号司索工",
               "card_number": f"云A0420{issued_on:%Y}{phone[-4:]}", "authority": authority.name,
               "issued_on": issued_on}
        card = add_card(session, cipher, raw, base_org_id=base.id, actor_id=None, now=now)
        lines.append(f"demo special-trade card {card.card_number} for {name}, valid to {card.expires_on}")
    return lines
