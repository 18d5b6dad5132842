"""A Jinja2 sandbox that also bounds what a template may cost: output size and time.

Jinja2's sandbox stops a template reaching Python internals, but not from spending
the machine: the admin preview of `{{ 'a' * 5*10**8 }}` took 38 s, a 500 MB page and
2.3 GB of memory. Every render (the pipeline's drafts and notices, the admin
preview) goes through `render_bounded`, which stops the template with
`TemplateLimitError` (a Jinja2 TemplateError, so callers report it like any other
template failure) when:

- its output passes `MAX_OUTPUT_CHARS`, or any value it builds would (repeating a
  string or list, `%`/`format` widths, str methods that grow text, the filters that
  do: replace, center, indent, wordwrap, format);
- it runs longer than `MAX_RENDER_SECONDS`, checked at every output chunk, every
  call, attribute and item lookup, operator, and every 256th turn of every loop
  (each `{% for %}` iterates through a counting wrapper added when it is compiled).
"""

from __future__ import annotations

import contextvars
import re
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from jinja2 import Template, nodes
from jinja2.filters import do_center, do_format, do_indent, do_replace, do_wordwrap
from jinja2.runtime import Context
from jinja2.sandbox import SandboxedEnvironment, SecurityError

MAX_OUTPUT_CHARS = 500_000  # a reply or notice is a few kB; this is far beyond any real one
MAX_RENDER_SECONDS = 2.0
_LOOP_FILTER = "_bounded_loop"
# Widths in %-formatting ("%099999999d", "%*d") and str.format specs ("{:>99999999}").
_PERCENT_SPEC = re.compile(r"%[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_FORMAT_SPEC = re.compile(r"\{[^{}]*:([^{}]*)\}")
_NESTED_SPEC = re.compile(r"\{[^{}]*:[^{}]*\{")
_DIGITS = re.compile(r"\d+")


class TemplateLimitError(SecurityError):
    """The template would produce too much or run too long; the text says which."""


@dataclass
class _Budget:
    deadline: float
    max_chars: int

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TemplateLimitError(f"the template ran longer than {MAX_RENDER_SECONDS:g} s")

    def check_size(self, size: int, what: str = "a value") -> None:
        if size > self.max_chars:
            raise TemplateLimitError(
                f"{what} would be over {self.max_chars:,} characters (the limit of a render)"
            )


_BUDGET: contextvars.ContextVar[_Budget | None] = contextvars.ContextVar(
    "template_budget", default=None
)


def _budget() -> _Budget | None:
    budget = _BUDGET.get()
    if budget is not None:
        budget.check_time()
    return budget


def _size(value: Any) -> int:
    return len(value) if isinstance(value, str | bytes | list | tuple) else 0


def _check_widths(numbers: Iterable[str | None], budget: _Budget) -> None:
    for number in numbers:
        if number == "*":
            raise TemplateLimitError("a '*' width in a format is not allowed in templates")
        if number and int(number) > budget.max_chars:
            budget.check_size(int(number), "a formatted value")


def _check_percent(fmt: str, budget: _Budget) -> None:
    for width, precision in _PERCENT_SPEC.findall(fmt):
        _check_widths((width, precision), budget)


def _check_format(fmt: str, budget: _Budget) -> None:
    if _NESTED_SPEC.search(fmt):
        raise TemplateLimitError("a width from an argument ('{:{}}') is not allowed in templates")
    for spec in _FORMAT_SPEC.findall(fmt):
        _check_widths(_DIGITS.findall(spec), budget)


def _grown_size(method: str, text: str, args: tuple[Any, ...]) -> int:
    """The length of `text.<method>(*args)` before computing it (0: does not grow)."""
    if method == "replace" and len(args) >= 2 and isinstance(args[0], str):
        count = text.count(args[0]) if args[0] else len(text) + 1
        if len(args) >= 3 and isinstance(args[2], int) and args[2] >= 0:
            count = min(count, args[2])
        return len(text) + count * max(0, len(str(args[1])) - len(args[0]))
    if method in ("center", "ljust", "rjust", "zfill") and args and isinstance(args[0], int):
        return max(len(text), args[0])
    if method == "expandtabs":
        tab = args[0] if args and isinstance(args[0], int) else 8
        return len(text) + text.count("\t") * max(0, tab)
    return 0


class BoundedSandbox(SandboxedEnvironment):
    """The sandbox with a time and size budget (see the module's docstring)."""

    intercepted_binops = frozenset(["*", "**", "%", "+"])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.filters = {
            **self.filters,
            _LOOP_FILTER: _bounded_loop,
            "replace": _bounded_replace,
            "center": _bounded_center,
            "indent": _bounded_indent,
            "wordwrap": _bounded_wordwrap,
            "format": _bounded_format,
        }

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        """Every loop iterates through `_bounded_loop`, which watches the clock."""
        tree = super()._parse(source, name, filename)
        for loop in tree.find_all(nodes.For):
            loop.iter = nodes.Filter(loop.iter, _LOOP_FILTER, [], [], None, None)
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        budget = _budget()
        if budget is not None:
            self._check_binop(budget, operator, left, right)
        result = super().call_binop(context, operator, left, right)
        if budget is not None:
            budget.check_size(_size(result))
        return result

    @staticmethod
    def _check_binop(budget: _Budget, operator: str, left: Any, right: Any) -> None:
        if operator == "*":
            for seq, times in ((left, right), (right, left)):
                if _size(seq) and isinstance(times, int):
                    budget.check_size(_size(seq) * max(times, 0))
        elif operator == "+":
            budget.check_size(_size(left) + _size(right))
        elif operator == "%" and isinstance(left, str):
            _check_percent(left, budget)
        elif operator == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            # The result's digits: a number too long to print is too long to compute.
            budget.check_size(int(max(abs(left), 2).bit_length() * right * 0.302), "a number")

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        budget = _budget()
        if budget is not None:
            owner = getattr(__obj, "__self__", None)
            method = getattr(__obj, "__name__", "")
            if isinstance(owner, str):
                budget.check_size(_grown_size(method, owner, args))
        result = super().call(__context, __obj, *args, **kwargs)
        if budget is not None:
            budget.check_size(_size(result))
        return result

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        """str.format and format_map, looked up in a template: widths checked first."""
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        fmt = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            budget = _budget()
            if budget is not None:
                _check_format(fmt, budget)
            return wrapped(*args, **kwargs)

        return checked

    def getattr(self, obj: Any, attribute: str) -> Any:
        budget = _budget()
        value = super().getattr(obj, attribute)
        if budget is not None:
            budget.check_size(_size(value))
        return value

    def getitem(self, obj: Any, argument: Any) -> Any:
        _budget()
        return super().getitem(obj, argument)


def _bounded_loop(iterable: Iterable[Any]) -> Iterator[Any]:
    budget = _BUDGET.get()
    for turn, item in enumerate(iterable):
        if budget is not None and turn % 256 == 0:
            budget.check_time()
        yield item


def _checked(size: int) -> None:
    budget = _budget()
    if budget is not None:
        budget.check_size(size)


def _bounded_replace(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    text = str(s)
    _checked(_grown_size("replace", text, (str(old), str(new), -1 if count is None else count)))
    return do_replace(eval_ctx, s, old, new, count)


_bounded_replace.jinja_pass_arg = do_replace.jinja_pass_arg  # type: ignore[attr-defined]


def _bounded_center(value: str, width: int = 80) -> str:
    _checked(max(len(str(value)), int(width)))
    return do_center(value, width)


def _bounded_indent(s: str, width: int | str = 4, first: bool = False, blank: bool = False) -> str:
    pad = width if isinstance(width, int) else len(str(width))
    _checked(len(str(s)) + (str(s).count("\n") + 1) * max(0, pad))
    return do_indent(s, width, first, blank)


def _bounded_wordwrap(
    environment: Any,
    s: str,
    width: int = 79,
    break_long_words: bool = True,
    wrapstring: str | None = None,
    break_on_hyphens: bool = True,
) -> str:
    joiner = wrapstring if wrapstring is not None else environment.newline_sequence
    lines = len(str(s)) // max(1, int(width)) + str(s).count("\n") + 1
    _checked(len(str(s)) + lines * len(str(joiner)))
    return do_wordwrap(environment, s, width, break_long_words, wrapstring, break_on_hyphens)


_bounded_wordwrap.jinja_pass_arg = do_wordwrap.jinja_pass_arg  # type: ignore[attr-defined]


def _bounded_format(value: str, *args: Any, **kwargs: Any) -> str:
    budget = _budget()
    if budget is not None:
        _check_percent(str(value), budget)
    return do_format(value, *args, **kwargs)


def render_bounded(
    template: Template,
    data: dict[str, Any],
    *,
    max_chars: int = MAX_OUTPUT_CHARS,
    seconds: float = MAX_RENDER_SECONDS,
) -> str:
    """Render, stopping with TemplateLimitError past `max_chars` or `seconds`."""
    budget = _Budget(time.monotonic() + seconds, max_chars)
    token = _BUDGET.set(budget)
    try:
        parts: list[str] = []
        total = 0
        for chunk in template.generate(data):
            total += len(chunk)
            budget.check_size(total, "the output")
            budget.check_time()
            parts.append(chunk)
        return "".join(parts)
    finally:
        _BUDGET.reset(token)
