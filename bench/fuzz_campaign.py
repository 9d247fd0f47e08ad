"""Fuzz campaign: the property tests of tests/fuzz/, run for many more examples than CI does.

Prints, per property, the examples run, the seconds taken and the failures found (with the
shrunk falsifying input), then the totals. docs/reliability.md records what it printed.

    python bench/fuzz_campaign.py                       # 2,000 examples per property
    python bench/fuzz_campaign.py --examples 200 --only urls
    python bench/fuzz_campaign.py --seed 7              # reproducible
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests" / "fuzz"))

from fuzz_properties import (  # noqa: E402 - needs the path above
    check_extract,
    check_feed,
    check_render,
    check_url_properties,
)
from fuzz_strategies import (  # noqa: E402
    ANY_FEED,
    ANY_URL,
    CONTENT_TYPES,
    TAG_SOUP,
    TEXT,
    encoded_page,
    mutated_page,
)
from hypothesis import HealthCheck, given, seed, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from newsvault.records import Block  # noqa: E402

BLOCKS = st.lists(
    st.builds(
        Block,
        kind=st.sampled_from(("p", "h", "li", "quote", "pre", "row")),
        text=TEXT,
        level=st.integers(-3, 9),
        ordered=st.booleans(),
        cells=st.lists(TEXT, max_size=3).map(tuple),
        header=st.booleans(),
    ),
    max_size=12,
)

#: name: (strategy, property). Each property takes one drawn value.
PROPERTIES: dict[str, tuple[st.SearchStrategy[Any], Callable[[Any], object]]] = {
    "extract/tag-soup": (TAG_SOUP, lambda html: check_extract(html, soup=True)),
    "extract/mutated-pages": (mutated_page(), check_extract),
    "extract/encodings": (encoded_page(), lambda page: check_extract(page[0])),
    "render/to_html": (BLOCKS, check_render),
    "urls/check-canonicalize": (ANY_URL, check_url_properties),
    "feeds/parse": (st.tuples(ANY_FEED, CONTENT_TYPES), lambda pair: check_feed(*pair)),
}


@dataclass
class Outcome:
    name: str
    examples: int
    seconds: float
    failure: str | None


def campaign(name: str, examples: int, chosen_seed: int) -> Outcome:
    strategy, check = PROPERTIES[name]
    count = [0]

    @seed(chosen_seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(strategy)
    def prop(value: Any) -> None:
        count[0] += 1
        check(value)

    started = time.monotonic()
    failure = None
    try:
        prop()
    except Exception as exc:  # a falsified property: report it and go on with the others
        failure = f"{type(exc).__name__}: {str(exc)[:300]}"
    return Outcome(name, count[0], time.monotonic() - started, failure)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--examples", type=int, default=2000, help="per property")
    parser.add_argument("--seed", type=int, default=20261125)
    parser.add_argument("--only", default="", help="run the properties whose name has this")
    args = parser.parse_args()
    warnings.simplefilter("ignore", DeprecationWarning)
    print(f"# fuzz campaign: {args.examples} examples per property, seed {args.seed}")
    print(f"# python {platform.python_version()}, {platform.machine()}, {platform.system()}")
    print(f"{'property':28} {'examples':>9} {'seconds':>8}  failure")
    outcomes = []
    for name in PROPERTIES:
        if args.only in name:
            outcome = campaign(name, args.examples, args.seed)
            outcomes.append(outcome)
            shown = outcome.failure or "none"
            print(f"{name:28} {outcome.examples:>9} {outcome.seconds:>8.1f}  {shown}", flush=True)
    total = sum(o.examples for o in outcomes)
    seconds = sum(o.seconds for o in outcomes)
    failed = sum(1 for o in outcomes if o.failure)
    print(f"{'total':28} {total:>9} {seconds:>8.1f}  {failed} properties falsified")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
