"""Property tests: extract() on tag soup, mutated real pages and random encodings."""

from __future__ import annotations

import pytest

# Without hypothesis (an install without the test extras) these tests are skipped.
pytest.importorskip("hypothesis")

from fuzz_properties import check_extract, check_render
from fuzz_strategies import PAGES, TAG_SOUP, TEXT, encoded_page, mutated_page
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from newsvault.records import Block

#: Hypothesis touches mypy_extensions.TypedDict while reporting a falsifying example; with
#: warnings as errors, that deprecation would hide the example behind an INTERNALERROR.
pytestmark = pytest.mark.filterwarnings(
    "ignore:mypy_extensions.TypedDict is deprecated:DeprecationWarning"
)
#: CI runs a bounded number of examples (bench/fuzz_campaign.py runs many more); no
#: per-example deadline from hypothesis, since check_extract enforces its own time bound.
CI = settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@CI
@given(TAG_SOUP)
def test_tag_soup(html: str) -> None:
    check_extract(html, soup=True)


@CI
@given(TAG_SOUP)
def test_tag_soup_as_bytes(html: str) -> None:
    check_extract(html.encode("utf-8"), soup=True)


@settings(CI, max_examples=25)
@given(mutated_page())
@example(b"\x01" + PAGES[-1].read_bytes())  # found by fuzzing: lxml refused the \x01 later
@example(PAGES[0].read_bytes().replace(b"<p>", b"<p>\x0c\x1b", 3))
def test_mutated_fixture_pages(data: bytes) -> None:
    check_extract(data)


@settings(CI, max_examples=25)
@given(encoded_page())
def test_random_encodings(page: tuple[bytes, str | None]) -> None:
    check_extract(page[0])


BLOCKS = st.lists(
    st.builds(
        Block,
        kind=st.sampled_from(("p", "h", "li", "quote", "pre", "row")),
        text=st.one_of(TEXT, st.sampled_from(("<script>x</script>", '"><img onerror=x>'))),
        level=st.integers(-3, 9),
        ordered=st.booleans(),
        cells=st.lists(st.one_of(TEXT, st.just("<b onclick=x>")), max_size=3).map(tuple),
        header=st.booleans(),
    ),
    max_size=12,
)


@CI
@given(BLOCKS)
def test_rendered_html_is_only_our_tags(blocks: list[Block]) -> None:
    check_render(blocks)
