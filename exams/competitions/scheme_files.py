"""Marking schemes to and from YAML and XLSX files (no database; the upload edge limits the size first).

Reading is defensive: a file that cannot be read, has the wrong shape, or breaks a scheme rule is
refused as a whole with every problem found (up to 20), each naming the YAML line or the XLSX row.
Numbers are read as exact decimals: YAML floats are parsed from their text, XLSX numbers from the
shortest text of the stored double (what the user typed), never used as floats.

YAML::

    modules:
      - code: A
        title: 灌浆料制备
        aspects:
          - {code: A1, title: 水料比, kind: measurement, max_marks: 4, unit: "%", nominal: 12,
             direction: both, bands: [[0.2, 4], [0.5, 2]]}
          - {code: A2, title: 搅拌工艺, kind: judgement, max_marks: 3, descriptors: [差, 一般, 良好, 优秀]}

XLSX: one sheet, the header of ``XLSX_COLUMNS`` in row 1, one aspect per row.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import yaml

from exams.competitions.rules import messages as m
from exams.competitions.rules.scheme import (
    AspectKind,
    AspectSpec,
    Band,
    Direction,
    ModuleSpec,
    Scheme,
    SchemeInvalid,
)
from lms.questions.messages import msg

MAX_FILE_BYTES = 512 * 1024
MAX_ROWS = 2000
MAX_ERRORS = 20
MODULE_KEYS = {"code", "title", "aspects"}
ASPECT_KEYS = {"code", "title", "kind", "max_marks", "unit", "nominal", "direction", "bands", "descriptors", "time"}
XLSX_COLUMNS = ("模块代码", "模块名称", "评分项代码", "评分项名称", "类型", "分值", "单位", "标准值", "偏差方向",
                "偏差档", "用时", "0分描述", "1分描述", "2分描述", "3分描述")
KIND_WORDS = {"测量": "measurement", "评价": "judgement", "扣分": "deduction", "安全红线": "safety", "红线": "safety"}
DIRECTION_WORDS = {"双向": "both", "不低于": "at_least", "不高于": "at_most"}
TRUE_WORDS = {"1", "是", "true", "yes", "y", "√"}


class SchemeFileInvalid(SchemeInvalid):
    """A refused file; ``errors`` lists every problem found, each naming where it is."""

    def __init__(self, errors: list[str]) -> None:
        shown = errors[:MAX_ERRORS]
        super().__init__("\n".join(shown))
        self.errors = shown


def _at(where: str, message: str) -> str:
    return msg(m.ERROR_AT, where=where, message=message)


def _decimal(value: object, name: str) -> Decimal | None:
    """Exact number from a YAML/XLSX scalar: Decimal, int, numeric text, or a float's shortest text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise SchemeInvalid(msg(m.NUMBER_INVALID, field=name, value=str(value)))
    if isinstance(value, float):
        value = repr(value)  # shortest round-trip text: what was typed into the spreadsheet
    try:
        number = Decimal(str(value).strip().replace("，", "."))
    except InvalidOperation:
        raise SchemeInvalid(msg(m.NUMBER_INVALID, field=name, value=str(value)[:30])) from None
    if not number.is_finite():
        raise SchemeInvalid(msg(m.NUMBER_INVALID, field=name, value=str(value)[:30]))
    return number


def _bands(value: object) -> tuple[Band, ...]:
    if value is None or value == "":
        return ()
    if isinstance(value, str):  # XLSX: "0.5:4; 1:2"
        pairs = [p.split(":") for p in value.replace("；", ";").replace("：", ":").split(";") if p.strip()]
    elif isinstance(value, list):
        pairs = value
    else:
        raise SchemeInvalid(msg(m.BANDS_TEXT_INVALID))
    bands = []
    for pair in pairs:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise SchemeInvalid(msg(m.BANDS_TEXT_INVALID))
        bands.append(Band(_decimal(pair[0], "bands"), _decimal(pair[1], "bands")))
    return tuple(bands)


def _descriptors(value: object) -> tuple[str, ...]:
    if isinstance(value, dict):
        value = [value.get(k, value.get(str(k))) for k in range(4)]
    if isinstance(value, list | tuple):
        return tuple("" if v is None else str(v) for v in value)
    return ()


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def aspect_from_fields(raw: dict) -> AspectSpec:
    """One aspect from file fields (both formats share the field names); raises SchemeInvalid."""
    kind = _text(raw.get("kind"))
    direction = _text(raw.get("direction"))
    return AspectSpec(
        code=_text(raw.get("code")), title=_text(raw.get("title")), kind=KIND_WORDS.get(kind, kind),
        max_marks=_decimal(raw.get("max_marks"), "max_marks") or Decimal(0), unit=_text(raw.get("unit")),
        nominal=_decimal(raw.get("nominal"), "nominal"),
        direction=DIRECTION_WORDS.get(direction, direction) or Direction.BOTH,
        bands=_bands(raw.get("bands")), descriptors=_descriptors(raw.get("descriptors")),
        is_time=_text(raw.get("time")).lower() in TRUE_WORDS)


def _collect(errors: list[str], where: str, build: Callable[[], object]):
    try:
        return build()
    except SchemeInvalid as exc:
        errors.append(_at(where, exc.message))
        return None


def _finish(errors: list[str], modules: list[ModuleSpec]) -> Scheme:
    if errors:
        raise SchemeFileInvalid(errors)
    try:
        return Scheme(tuple(modules))
    except SchemeInvalid as exc:
        raise SchemeFileInvalid([exc.message]) from None


def _check_size(data: bytes) -> None:
    if len(data) > MAX_FILE_BYTES:
        raise SchemeFileInvalid([msg(m.FILE_TOO_LARGE, max=MAX_FILE_BYTES // 1024)])


# -- YAML ----------------------------------------------------------------------------------------------------

class _Loader(yaml.SafeLoader):
    """Safe loader that keeps each mapping's line (``__line__``) and reads floats as exact decimals."""


def _mapping_with_line(loader: _Loader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


def _float_as_decimal(loader: _Loader, node: yaml.ScalarNode) -> object:
    text = loader.construct_scalar(node).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        return text  # .inf / .nan: refused later as "not a valid number"


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)
_Loader.add_constructor("tag:yaml.org,2002:float", _float_as_decimal)


def read_yaml(data: bytes) -> Scheme:
    """Parse a YAML scheme; raises SchemeFileInvalid naming every bad line."""
    _check_size(data)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise SchemeFileInvalid([msg(m.FILE_NOT_UTF8)]) from None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        line = (exc.problem_mark.line + 1) if exc.problem_mark else 1
        raise SchemeFileInvalid([msg(m.YAML_SYNTAX, line=line, problem=str(exc.problem or "")[:80])]) from None
    except yaml.YAMLError:
        raise SchemeFileInvalid([msg(m.YAML_SYNTAX, line=1, problem="")]) from None
    if not isinstance(doc, dict) or "modules" not in doc:
        raise SchemeFileInvalid([msg(m.YAML_NOT_MAPPING)])
    if not isinstance(doc["modules"], list):
        raise SchemeFileInvalid([msg(m.YAML_MODULES_NOT_LIST)])
    errors: list[str] = []
    modules = [mod for raw in doc["modules"] if (mod := _yaml_module(raw, errors, doc["__line__"])) is not None]
    return _finish(errors, modules)


def _unknown(raw: dict, allowed: set[str], line: int, errors: list[str]) -> bool:
    extra = sorted(str(k) for k in raw if k not in allowed and k != "__line__")
    if extra:
        errors.append(msg(m.YAML_UNKNOWN_KEYS, line=line, keys=", ".join(extra)[:80]))
    return bool(extra)


def _yaml_module(raw: object, errors: list[str], parent_line: int) -> ModuleSpec | None:
    if not isinstance(raw, dict):
        errors.append(msg(m.YAML_ENTRY_NOT_MAPPING, line=parent_line))
        return None
    line = raw["__line__"]
    if _unknown(raw, MODULE_KEYS, line, errors):
        return None
    if not isinstance(raw.get("aspects"), list):
        errors.append(msg(m.YAML_ASPECTS_NOT_LIST, line=line))
        return None
    aspects = []
    for item in raw["aspects"]:
        if not isinstance(item, dict):
            errors.append(msg(m.YAML_ENTRY_NOT_MAPPING, line=line))
            continue
        where = msg(m.WHERE_LINE, line=item["__line__"])
        if not _unknown(item, ASPECT_KEYS, item["__line__"], errors):
            aspect = _collect(errors, where, lambda item=item: aspect_from_fields(item))
            aspects.append(aspect)
    if None in aspects:
        return None
    return _collect(errors, msg(m.WHERE_LINE, line=line),
                    lambda: ModuleSpec(_text(raw.get("code")), _text(raw.get("title")), tuple(aspects)))


class _Dumper(yaml.SafeDumper):
    pass


def _represent_decimal(dumper: _Dumper, value: Decimal):
    text = format(value.normalize(), "f") if value == value.to_integral_value() else format(value, "f")
    tag = "tag:yaml.org,2002:int" if "." not in text else "tag:yaml.org,2002:float"
    return dumper.represent_scalar(tag, text)


_Dumper.add_representer(Decimal, _represent_decimal)


def _aspect_dict(aspect: AspectSpec) -> dict:
    out: dict = {"code": aspect.code, "title": aspect.title, "kind": str(aspect.kind), "max_marks": aspect.max_marks}
    if aspect.kind is AspectKind.MEASUREMENT:
        out.update(unit=aspect.unit, nominal=aspect.nominal, direction=str(aspect.direction),
                   bands=[[b.max_deviation, b.marks] for b in aspect.bands])
        if aspect.is_time:
            out["time"] = True
    elif aspect.kind is AspectKind.JUDGEMENT:
        out["descriptors"] = list(aspect.descriptors)
    elif aspect.unit:
        out["unit"] = aspect.unit
    return out


def write_yaml(scheme: Scheme) -> bytes:
    doc = {"modules": [{"code": mod.code, "title": mod.title, "aspects": [_aspect_dict(a) for a in mod.aspects]}
                       for mod in scheme.modules]}
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120).encode("utf-8")


# -- XLSX ----------------------------------------------------------------------------------------------------

def _xlsx_rows(data: bytes) -> list[tuple]:
    from openpyxl import load_workbook

    _check_size(data)
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a zip that is not a workbook, a broken one, anything openpyxl cannot open
        raise SchemeFileInvalid([msg(m.XLSX_UNREADABLE)]) from None
    try:
        if not book.worksheets:
            raise SchemeFileInvalid([msg(m.XLSX_NO_SHEET)])
        rows = []
        for row in book.worksheets[0].iter_rows(max_col=len(XLSX_COLUMNS), values_only=True):
            rows.append(tuple(row))
            if len(rows) > MAX_ROWS + 1:
                raise SchemeFileInvalid([msg(m.XLSX_TOO_MANY_ROWS, max=MAX_ROWS)])
        return rows
    finally:
        book.close()


def read_xlsx(data: bytes) -> Scheme:
    """Parse an XLSX scheme; raises SchemeFileInvalid naming every bad row."""
    rows = _xlsx_rows(data)
    header = [_text(c) for c in (rows[0] if rows else ())]
    missing = [c for c in XLSX_COLUMNS[:6] if c not in header]
    if missing:
        raise SchemeFileInvalid([msg(m.XLSX_HEADER, columns="、".join(missing))])
    index = {name: header.index(name) for name in XLSX_COLUMNS if name in header}
    errors: list[str] = []
    grouped: dict[str, tuple[str, int, list]] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(_text(c) for c in row):
            continue
        cell = {name: (row[i] if i < len(row) else None) for name, i in index.items()}
        where = msg(m.WHERE_ROW, row=number)
        fields = {"code": cell.get("评分项代码"), "title": cell.get("评分项名称"), "kind": cell.get("类型"),
                  "max_marks": cell.get("分值"), "unit": cell.get("单位"), "nominal": cell.get("标准值"),
                  "direction": cell.get("偏差方向"), "bands": _text(cell.get("偏差档")), "time": cell.get("用时"),
                  "descriptors": [cell.get(f"{n}分描述") for n in range(4)] if cell.get("0分描述") else ()}
        aspect = _collect(errors, where, lambda fields=fields: aspect_from_fields(fields))
        code, title = _text(cell.get("模块代码")), _text(cell.get("模块名称"))
        entry = grouped.setdefault(code, (title, number, []))
        if entry[0] != title:
            errors.append(_at(where, msg(m.XLSX_MODULE_CHANGED, code=code)))
        entry[2].append(aspect)
    modules = []
    for code, (title, number, aspects) in grouped.items():
        if None not in aspects:
            module = _collect(errors, msg(m.WHERE_ROW, row=number), lambda c=code, t=title, a=aspects: ModuleSpec(
                c, t, tuple(a)))
            modules.append(module)
    return _finish(errors, modules)


def write_xlsx(scheme: Scheme) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = "评分标准"
    sheet.append(list(XLSX_COLUMNS))
    for mod in scheme.modules:
        for a in mod.aspects:
            bands = "; ".join(f"{b.max_deviation}:{b.marks}" for b in a.bands)
            descriptors = list(a.descriptors) or ["", "", "", ""]
            sheet.append([mod.code, mod.title, a.code, a.title, str(a.kind), a.max_marks, a.unit or None,
                          a.nominal, str(a.direction) if a.kind is AspectKind.MEASUREMENT else None, bands or None,
                          "是" if a.is_time else None, *descriptors])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def read_scheme(filename: str, data: bytes) -> Scheme:
    """Pick the reader by extension (.yaml/.yml or .xlsx); any other file is refused."""
    name = (filename or "").lower()
    if name.endswith((".yaml", ".yml")):
        return read_yaml(data)
    if name.endswith(".xlsx"):
        return read_xlsx(data)
    raise SchemeFileInvalid([msg(m.FILE_KIND)])
