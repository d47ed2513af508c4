"""A cycle's own final-score formula: a small, safe expression language (issue #15).

    0.7 * 定量 + 0.3 * 定性
    min(120, 销售额) * 0.4 + max(上级评, 自评) * 0.6
    round(0.5 * 默认 + 0.5 * 上级评, 1)

Numbers, + − × ÷, parentheses, min(…), max(…), round(x[, places]) and the named components
(`COMPONENTS`, or an indicator's name without spaces). The text is parsed with Python's own parser
(`ast.parse`, never `eval`) and every node is checked against a short list, so nothing but this
arithmetic can run: no attribute, subscript, power, comparison or call of anything else. Arithmetic is in
Decimal; the result is rounded half up to 2 places like every final score.
"""

from __future__ import annotations

import ast
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal, DecimalException, DivisionByZero, InvalidOperation, localcontext

from django.utils.translation import gettext as _

from lodestar.appraisal.domain.scoring import PRECISION, round_score

MAX_LENGTH = 500
MAX_NODES = 200
MAX_RESULT = Decimal(100000)  # no score is that large: a result this size is a mistake in the formula

# Canonical name → every spelling a formula may use.
COMPONENTS: dict[str, tuple[str, ...]] = {
    "default": ("默认", "default"),
    "quantitative": ("定量", "quantitative"),
    "qualitative": ("定性", "qualitative"),
    "self": ("自评", "self"),
    "manager": ("上级评", "manager"),
    "peer": ("跨部门评", "peer"),
}
SPELLINGS = {spelling: name for name, spellings in COMPONENTS.items() for spelling in spellings}
FUNCTIONS = ("min", "max", "round")


class FormulaError(ValueError):
    """The formula is not valid; the message says where, in the user's language."""


class MissingComponent(LookupError):
    """A component the formula reads has no value for this appraisal (e.g. no peer review)."""

    def __init__(self, name: str):
        super().__init__(name)
        self.name = name


def indicator_key(name: str) -> str:
    """How a formula names an indicator: its name without whitespace (客户 留存率 → 客户留存率).

    NFKC-normalised as Python's parser normalises every identifier it reads: an indicator named with
    full-width letters or digits (销售额Ｑ１) is read from a formula as 销售额Q1, and must be known by that key.
    """
    return unicodedata.normalize("NFKC", "".join(name.split()))


def _number(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation as exc:
        raise FormulaError(_("“%(text)s” is not a number.") % {"text": text}) from exc
    if not value.is_finite():
        raise FormulaError(_("“%(text)s” is not a number.") % {"text": text})
    return value


def parse(text: str, allowed_names: Iterable[str]) -> ast.Expression:
    """Parse and validate a formula; raises FormulaError naming the first problem."""
    text = (text or "").strip()
    if not text:
        raise FormulaError(_("The formula is empty."))
    if len(text) > MAX_LENGTH:
        raise FormulaError(_("The formula can be at most %(max)s characters.") % {"max": MAX_LENGTH})
    if "\x00" in text:
        raise FormulaError(_("The formula contains a character that is not allowed."))
    try:
        tree = ast.parse(text, mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise FormulaError(_("The formula is not a valid expression.")) from exc
    allowed = {unicodedata.normalize("NFKC", name) for name in allowed_names} | set(SPELLINGS)
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_NODES:
        raise FormulaError(_("The formula is too long."))
    # The name of a called function (min, max, round) is checked with its call, not as a component.
    called = {id(n.func) for n in nodes if isinstance(n, ast.Call)}
    for node in nodes:
        if id(node) not in called:
            _check(node, text, allowed)
    return tree


def _check(node: ast.AST, text: str, allowed: set[str]) -> None:
    if isinstance(node, ast.Expression | ast.Load):
        return
    if isinstance(node, ast.BinOp):
        if not isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
            raise FormulaError(_("Only + - * / are allowed between values."))
        return
    if isinstance(node, ast.operator | ast.unaryop):
        return
    if isinstance(node, ast.UnaryOp):
        if not isinstance(node.op, ast.UAdd | ast.USub):
            raise FormulaError(_("Only + - * / are allowed between values."))
        return
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaError(_("Only numbers and component names are allowed."))
        _number(ast.get_source_segment(text, node) or str(node.value))
        return
    if isinstance(node, ast.Name):
        if node.id not in allowed:
            raise FormulaError(_("Unknown name “%(name)s”.") % {"name": node.id})
        return
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS or node.keywords:
            raise FormulaError(_("Only min(…), max(…) and round(…) can be called."))
        if node.func.id == "round" and len(node.args) not in (1, 2):
            raise FormulaError(_("round takes a value and, optionally, a number of places."))
        if node.func.id in ("min", "max") and len(node.args) < 2:
            raise FormulaError(_("min and max take at least two values."))
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise FormulaError(_("Only numbers and component names are allowed."))
        return
    raise FormulaError(_("Only numbers and component names are allowed."))


def names_in(tree: ast.Expression) -> set[str]:
    """The component and indicator names a parsed formula reads (functions excluded)."""
    calls = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and id(n) not in calls}


def evaluate(tree: ast.Expression, text: str, value_of: Callable[[str], Decimal | None]) -> Decimal:
    """Evaluate a parsed formula; `value_of(name)` gives a component's value (None → MissingComponent).

    Raises FormulaError on a division by zero, on a result that is not a finite number below 100,000 in size
    and on round(…) with places that are not a whole number from 0 to 6; never another exception whatever
    Decimal `value_of` returns (NaN, infinities and huge exponents included). The result is rounded half up to
    2 places, and a zero result is 0.00, never -0.00.
    """
    # The positions in `tree` are those of the stripped text `parse` read.
    text = (text or "").strip()

    def run(node: ast.AST) -> Decimal:
        if isinstance(node, ast.Expression):
            return run(node.body)
        if isinstance(node, ast.Constant):
            return _number(ast.get_source_segment(text, node) or str(node.value))
        if isinstance(node, ast.Name):
            value = value_of(SPELLINGS.get(node.id, node.id))
            if value is None:
                raise MissingComponent(node.id)
            return value
        if isinstance(node, ast.UnaryOp):
            operand = run(node.operand)
            return -operand if isinstance(node.op, ast.USub) else operand
        if isinstance(node, ast.BinOp):
            left, right = run(node.left), run(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if right == 0:
                raise FormulaError(_("The formula divides by zero."))
            return left / right
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            args = [run(arg) for arg in node.args]
            if node.func.id == "min":
                return min(args)
            if node.func.id == "max":
                return max(args)
            # Range-checked before int(): int() of a literal like 1e99999999 would build a huge integer.
            if len(args) == 2 and not (0 <= args[1] <= 6 and args[1] == args[1].to_integral_value()):
                raise FormulaError(_("round keeps 0 to 6 places."))
            places = int(args[1]) if len(args) == 2 else 0
            return args[0].quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
        raise FormulaError(_("Only numbers and component names are allowed."))

    with localcontext(PRECISION) as ctx:
        ctx.traps[DivisionByZero] = True
        try:
            result = run(tree)
        except (DecimalException, OverflowError) as exc:  # InvalidOperation, Overflow (1e999999 * 1e999999)
            raise FormulaError(_("The formula's result is not a number.")) from exc
    # copy_abs, not abs(): abs() rounds in the current context, and overflows on 1e999999999 (a literal, or a
    # value returned as is) instead of saying the result is not a score.
    if not result.is_finite() or result.copy_abs() >= MAX_RESULT:
        raise FormulaError(_("The formula's result is not a score."))
    final = round_score(result)
    if final.copy_abs() >= MAX_RESULT:  # 99999.996 rounds to 100000.00
        raise FormulaError(_("The formula's result is not a score."))
    return final.copy_abs() if final.is_zero() else final  # -0.001 → 0.00, not -0.00


def evaluate_text(text: str, values: Mapping[str, Decimal | None]) -> Decimal:
    """Parse and evaluate in one go (tests, previews): names are the keys of `values` and the components."""
    by_key = {unicodedata.normalize("NFKC", name): value for name, value in values.items()}
    tree = parse(text, by_key.keys())
    return evaluate(tree, text, by_key.get)
