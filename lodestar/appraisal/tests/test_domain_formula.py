"""A cycle's own final-score formula (domain/formula.py): a safe expression language over named components.

Parsing any text, and evaluating a valid formula on any Decimal values, either succeeds or raises the module's
own FormulaError (MissingComponent when a value is None): never a SyntaxError, RecursionError, MemoryError,
OverflowError, decimal signal or TypeError, whatever the input.
"""

import ast
from decimal import Decimal
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from lodestar.appraisal.domain import formula as f
from lodestar.appraisal.domain import scoring

D = Decimal
INDICATORS = ("销售额", "客户留存率", "线索转化率", "方案创新", "团队协作")
NAMES = tuple(f.SPELLINGS) + INDICATORS
# ast.parse warns about token soup such as "1and"; the text is refused or parsed all the same.
pytestmark = pytest.mark.filterwarnings("ignore::SyntaxWarning")
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def check_parse(text: str) -> ast.Expression | None:
    """parse() either returns a tree or raises FormulaError; nothing else escapes."""
    try:
        tree = f.parse(text, INDICATORS)
    except f.FormulaError as exc:
        assert str(exc)  # the message says what is wrong
        return None
    assert isinstance(tree, ast.Expression)
    return tree


def check_evaluate(tree: ast.Expression, text: str, values: dict[str, Decimal]) -> Decimal | None:
    """evaluate() either returns a score (2 places, below 100,000) or raises FormulaError."""
    try:
        result = f.evaluate(tree, text, lambda name: values.get(name, D(1)))
    except f.FormulaError as exc:
        assert str(exc)
        return None
    assert isinstance(result, Decimal)
    assert result.is_finite() and abs(result) < f.MAX_RESULT
    assert result.as_tuple().exponent == -2
    assert not (result.is_zero() and result.is_signed())  # never -0.00
    return result


# --- unit tests ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("0.7 * 定量 + 0.3 * 定性", {"quantitative": D(90), "qualitative": D(80)}, D("87.00")),
        (
            "min(120, 销售额) * 0.4 + max(上级评, 自评) * 0.6",
            {"销售额": D(130), "manager": D(80), "self": D(90)},
            D("102.00"),
        ),
        ("round(0.5 * 默认 + 0.5 * 上级评, 1)", {"default": D("88.95"), "manager": D(81)}, D("85.00")),
        ("round(88.96, 1)", {}, D("89.00")),
        ("round(2.5)", {}, D("3.00")),  # half up, not half even
        ("round(1.005, 2)", {}, D("1.01")),  # the literal is read exactly, not as the float 1.00499…
        ("0.1 + 0.2", {}, D("0.30")),
        ("1 / 3 * 3", {}, D("1.00")),
        ("-default + 100", {"default": D(40)}, D("60.00")),
        ("1_000 / 100", {}, D("10.00")),
        ("default", {"default": D("88.945")}, D("88.95")),  # rounded half up to 2 places
        ("min(1, 2, 3) + max(1, 2, 3)", {}, D("4.00")),
    ],
)
def test_evaluates(text, values, expected):
    result = f.evaluate_text(text, values)
    assert result == expected
    assert result.as_tuple().exponent == -2


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "__import__('os')",
        "0.5 * 销售额 + __import__('os').system('true')",
        "default.__class__",
        "().__class__.__bases__[0].__subclasses__()",
        "(lambda: 1)()",
        "[1, 2][0]",
        "default[0]",
        "9 ** 9 ** 9 ** 9",
        "2 ** 1000000",
        "7 // 2",
        "7 % 2",
        "1 < 2",
        "1 if default else 2",
        "not default",
        "~1",
        "1 & 2",
        "'text'",
        "f'{default}'",
        "True + 1",
        "None",
        "...",
        "1j",
        "0x10",
        "0b101",
        "abs(-1)",
        "pow(2, 3)",
        "min(1)",
        "max()",
        "round()",
        "round(1, 2, 3)",
        "round(1, ndigits=2)",
        "min(*[1, 2])",
        "(x := 1)",
        "未知指标 + 1",
        "default; 1",
        "1 +",
        "(" * 240 + "1" + ")" * 240,  # past the parser's nesting limit (200)
        "-" * 499 + "1",
        "1" + "+1" * 240,
        "1" * 501,
        "1\x00",
        "\ud800",
    ],
)
def test_refuses(text):
    with pytest.raises(f.FormulaError):
        f.parse(text, INDICATORS)


def test_division_by_zero_is_the_modules_error_with_a_clear_message():
    for text, values in (("1 / 0", {}), ("0 / 0", {}), ("100 / (default - default)", {"default": D(5)})):
        with translation.override("en"), pytest.raises(f.FormulaError, match="The formula divides by zero"):
            f.evaluate_text(text, values)


def test_a_component_with_no_value_is_missing_not_zero():
    with pytest.raises(f.MissingComponent) as exc:
        f.evaluate_text("0.5 * 定量 + 0.5 * 跨部门评", {"quantitative": D(90), "peer": None})
    assert exc.value.name == "跨部门评"


@pytest.mark.parametrize(
    "text",
    ["1e999999999999999999", "1e999999 * 1e999999", "100000", "-100000", "99999.996", "round(1e40, 6)"],
)
def test_a_result_that_is_not_a_score_is_refused(text):
    with pytest.raises(f.FormulaError):
        f.evaluate_text(text, {})


def test_names_in_excludes_functions():
    tree = f.parse("min(销售额, 120) + round(默认, 1) + max(自评, 1)", INDICATORS)
    assert f.names_in(tree) == {"销售额", "默认", "自评"}


# --- fixes (each found by the property tests below) ---------------------------------------------------------


def test_leading_whitespace_does_not_shift_the_numbers():
    # parse() strips the text; evaluate() read the numbers' positions in the unstripped text (" 1*2" → "“ ”
    # is not a number"; "\n1+2" likewise), so a formula given with a leading space or line failed.
    assert f.evaluate_text("  12 + 3", {}) == D("15.00")
    assert f.evaluate_text(
        "\n 0.7 * 定量 + 0.3 * 定性\n", {"quantitative": D(90), "qualitative": D(80)}
    ) == D("87.00")
    text = "   round(88.955, 2) "
    assert f.evaluate(f.parse(text, ()), text, lambda name: None) == D("88.96")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1e999999999999999999", None),  # a literal beyond the context's exponent range
        ("default", D("1E+5000000")),  # a value returned as is
        ("default", D("-1E+5000000")),
        ("min(default, 1) + 0", D("-1E+5000000")),
    ],
)
def test_a_huge_exponent_is_the_modules_error_not_decimal_overflow(text, value):
    # The size check ran abs() outside the evaluation's context: decimal.Overflow leaked.
    with pytest.raises(f.FormulaError):
        f.evaluate_text(text, {"default": value})


@pytest.mark.parametrize("places", ["2.5", "0.5", "1e-1"])
def test_round_places_must_be_a_whole_number(places):
    # round(1, 2.5) kept 2 places silently (int(2.5)).
    with translation.override("en"), pytest.raises(f.FormulaError, match="0 to 6 places"):
        f.evaluate_text(f"round(1.2345, {places})", {})
    assert f.evaluate_text("round(1.2345, 2.0)", {}) == D("1.23")


@pytest.mark.parametrize("text", ["default * 0", "0 - 0.001", "-0", "round(-0.004, 2)"])
def test_a_zero_result_is_not_negative_zero(text):
    # A negative value times 0, or a tiny negative rounding to 0, gave "-0.00" as a final score.
    result = f.evaluate_text(text, {"default": D(-5)})
    assert result == 0 and str(result) == "0.00"


def test_an_indicator_with_full_width_characters_can_be_named():
    # Python's parser reads identifiers NFKC-normalised (销售额Ｑ１ → 销售额Q1): the indicator's key must be too,
    # or the formula naming it is refused as "unknown name" (and its value never found).
    key = f.indicator_key("销售额 Ｑ１")
    assert key == "销售额Q1"
    assert f.parse("0.5 * 销售额Ｑ１", {key}) is not None
    assert f.evaluate_text("0.5 * 销售额Ｑ１ + 0.5 * 销售额Q1", {"销售额Ｑ１": D(90)}) == D("90.00")


# --- property tests: parsing never raises anything but FormulaError -------------------------------------------

NUMBERS = st.one_of(
    st.integers(-(10**6), 10**6).map(str),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.sampled_from(
        ["0", "00", "1_000", ".5", "5.", "1e999999999", "1e-999999999", "9" * 400, "0x1f", "0b1", "0o7", "1j"]
    ),
    st.integers(0, 10**6).map(lambda n: f"1e{n}"),
)
TOKENS = st.one_of(
    NUMBERS,
    st.sampled_from(NAMES),
    st.sampled_from(["min", "max", "round", "abs", "pow", "eval", "exec", "open", "len", "未知指标"]),
    st.sampled_from(["+", "-", "*", "/", "**", "//", "%", "@", "<", "==", "~", "^", "&", "|", "<<", ">>"]),
    st.sampled_from(["(", ")", "(", ")", ",", "[", "]", "{", "}", ".", ":", "=", ":=", ";", "*", "**"]),
    st.sampled_from(["and", "or", "not", "if", "else", "lambda", "lambda x:", "for", "in", "yield", "await"]),
    st.sampled_from(
        ["__import__", "__class__", "__builtins__", "'os'", '"x"', "f'{1}'", "b'x'", "...", "None"]
    ),
    st.sampled_from([".__class__", ".real", "[0]", "[::-1]", "(1)", "()", "(*[1])", "(x=1)"]),
    st.sampled_from(
        [" ", "\n", "\t", "\\", "#", "\r", "\x0c", "\x00", "…", "（", "）", "＋", "ｄｅｆａｕｌｔ"]
    ),
)
GRAMMAR_TEXT = st.lists(TOKENS, max_size=60).map("".join) | st.lists(TOKENS, max_size=60).map(" ".join)


@st.composite
def nested(draw) -> str:
    """Deep or long shapes: nesting, unary chains, long sums, long calls, huge exponents, long input."""
    n = draw(st.integers(0, 2000))
    atom = draw(st.sampled_from(["1", "default", "销售额", "1e999999", "min(1, 2)"]))
    shape = draw(
        st.sampled_from(
            [
                "(" * n + atom + ")" * n,
                "-" * n + atom,
                "+-" * n + atom,
                atom + " + 1" * n,
                " * ".join([atom] + ["2"] * n),
                "min(" * n + atom + ", 1)" * n,
                "round(" * n + atom + ")" * n,
                "max(" + ", ".join([atom] * (n + 1)) + ")",
                "9" + " ** 9" * min(n, 50),
                "2 ** " + "9" * n,
                "[" * n + atom + "]" * n,
                "lambda: " * n + atom,
                atom + ".real" * n,
                " " * n + atom,
                atom + " " * n,
            ]
        )
    )
    return shape


@FUZZ
@given(text=st.text())
@example(text="\ud800")
@example(text="1\x00")
def test_parse_arbitrary_text(text):
    check_parse(text)


@FUZZ
@given(text=GRAMMAR_TEXT)
def test_parse_token_soup(text):
    tree = check_parse(text)
    if tree is not None:
        check_evaluate(tree, text, {})


@FUZZ
@given(text=nested())
def test_parse_deep_and_long_shapes(text):
    tree = check_parse(text)
    if tree is not None:
        check_evaluate(tree, text, {})


def test_length_and_size_are_bounded():
    # n additions are 3n + 2 nodes (the expression, n BinOp, n Add, n + 1 constants)
    assert check_parse("1" + " + 1" * 66) is not None  # 200 nodes
    assert check_parse("1" + " + 1" * 67) is None  # 203: too many
    assert check_parse("1" * f.MAX_LENGTH) is not None
    assert check_parse("1" * (f.MAX_LENGTH + 1)) is None


# --- property tests: evaluating a valid formula on any Decimal values -----------------------------------------

ANY_DECIMAL = st.decimals() | st.sampled_from(
    [
        D("NaN"),
        D("-NaN"),
        D("sNaN"),
        D("Infinity"),
        D("-Infinity"),
        D("1E+5000000"),
        D("-1E-5000000"),
        D("-0"),
    ]
)


PLAIN_NUMBERS = NUMBERS.filter(lambda s: not s.startswith(("0x", "0b", "0o")) and "j" not in s)
SMALL_NUMBERS = st.decimals(-1000, 1000, places=2).map(str)


def expressions(names=NAMES, numbers=PLAIN_NUMBERS):
    leaves = st.sampled_from(names) | numbers

    def extend(inner):
        return st.one_of(
            st.tuples(inner, st.sampled_from(["+", "-", "*", "/"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"+({e})"),
            st.tuples(st.sampled_from(["min", "max"]), st.lists(inner, min_size=2, max_size=4)).map(
                lambda t: f"{t[0]}({', '.join(t[1])})"
            ),
            inner.map(lambda e: f"round({e})"),
            st.tuples(inner, st.integers(0, 6) | NUMBERS).map(lambda t: f"round({t[0]}, {t[1]})"),
        )

    return st.recursive(leaves, extend, max_leaves=20)


@FUZZ
@given(text=expressions(), values=st.fixed_dictionaries({name: ANY_DECIMAL for name in NAMES}))
@example(text="default", values={name: D("1E+5000000") for name in NAMES})
@example(text="min(default, 1)", values={name: D("sNaN") for name in NAMES})
@example(text="(default / 定量)", values={name: D(0) for name in NAMES})
def test_evaluating_a_valid_formula_on_any_values(text, values):
    tree = check_parse(text)
    if tree is None:  # only when the expression grew past the size limits
        return
    by_name = {f.SPELLINGS.get(name, name): value for name, value in values.items()}
    check_evaluate(tree, text, by_name)


@FUZZ
@given(
    text=expressions(("default", "定量", "销售额"), SMALL_NUMBERS),
    values=st.fixed_dictionaries(
        {name: st.decimals(-1000, 1000, places=2) for name in ("default", "quantitative", "销售额")}
    ),
)
def test_evaluation_is_exact_where_decimal_is(text, values):
    """Without division, rounding to 34 digits never shows at 2 places for small inputs: compare with Fractions."""
    if "/" in text or "round" in text:
        return
    tree = check_parse(text)
    if tree is None:
        return

    class TooLong(Exception):
        pass

    def exact(node):
        value = exact_(node)
        if len(str(value.numerator)) > 30:  # past what Decimal keeps (34 digits): not exact there
            raise TooLong
        return value

    def exact_(node):
        match node:
            case ast.Expression(body=body):
                return exact(body)
            case ast.Constant():
                return Fraction(ast.get_source_segment(text, node))
            case ast.Name(id=name):
                return Fraction(values[f.SPELLINGS.get(name, name)])
            case ast.UnaryOp(op=ast.USub(), operand=operand):
                return -exact(operand)
            case ast.UnaryOp(operand=operand):
                return exact(operand)
            case ast.BinOp(left=left, op=op, right=right):
                a, b = exact(left), exact(right)
                return a + b if isinstance(op, ast.Add) else a - b if isinstance(op, ast.Sub) else a * b
            case ast.Call(func=ast.Name(id=fn), args=args):
                return (min if fn == "min" else max)(exact(arg) for arg in args)
        raise AssertionError(node)

    try:
        value = exact(tree)
    except TooLong:
        return
    if abs(value) >= f.MAX_RESULT:
        return
    cents = (abs(value) * 100 + Fraction(1, 2)).__floor__()
    expected = D(cents if value >= 0 else -cents) / 100
    result = check_evaluate(tree, text, values)
    assert result == expected


# --- the default rule expressed as a formula -----------------------------------------------------------------


def test_worked_example_as_a_formula_equals_the_default_rule():
    """DOMAIN.md's 市场岗 example: 0.40×96 + 0.20×120 + 0.10×0 + 0.15×82 + 0.15×95 = 88.95 either way."""
    parts = [(D(40), D(96)), (D(20), D(120)), (D(10), D(0)), (D(15), D(82)), (D(15), D(95))]
    values = dict(zip(INDICATORS, (score for _w, score in parts), strict=True))
    text = "0.40 * 销售额 + 0.20 * 客户留存率 + 0.10 * 线索转化率 + 0.15 * 方案创新 + 0.15 * 团队协作"
    assert f.evaluate_text(text, values) == scoring.final_score(parts) == D("88.95")
    assert f.evaluate_text("默认", {"default": scoring.weighted_sum(parts)}) == D("88.95")


@st.composite
def weighted_indicators(draw):
    """Indicator weights (whole percents summing to 100) and scores with up to 4 decimals, as stored."""
    count = draw(st.integers(1, 8))
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)))
    weights = [b - a for a, b in zip([0, *cuts], [*cuts, 100], strict=True)]
    scores = draw(st.lists(st.decimals(0, 120, places=4), min_size=count, max_size=count))
    return [(D(w), s) for w, s in zip(weights, scores, strict=True)]


@FUZZ
@given(parts=weighted_indicators())
def test_the_default_rule_as_a_formula_equals_the_default_rule(parts):
    names = [f"指标{i}" for i in range(len(parts))]
    text = " + ".join(f"{w / 100} * {name}" for (w, _s), name in zip(parts, names, strict=True))
    values = {name: s for (_w, s), name in zip(parts, names, strict=True)}
    expected = scoring.final_score(parts)
    assert f.evaluate_text(text, values) == expected
    assert f.evaluate_text("default", {"default": scoring.weighted_sum(parts)}) == expected
    assert f.evaluate_text("默认", {"default": scoring.weighted_sum(parts)}) == expected
