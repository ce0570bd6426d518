"""TagGroup / TagGroupSet / Taggable / TaggableContent."""

from __future__ import annotations

import pytest

from spine.ops import Taggable, TaggableContent, TagGroup, TagGroupSet
from spine.types import ValidationError


class Article(TaggableContent):
    def __init__(self, title: str) -> None:
        self.title = title


def test_tag_group_cleans_and_dedupes_case_insensitively() -> None:
    g = TagGroup("tickers", (" AAPL ", "MSFT", "aapl", ""))
    assert g.tags == ("AAPL", "MSFT")
    assert "aapl" in g
    assert "GOOG" not in g
    assert 42 not in g


def test_tag_group_set_is_immutable() -> None:
    empty = TagGroupSet()
    tagged = empty.add("tickers", "AAPL")
    assert len(empty) == 0
    assert tagged.tags("tickers") == ("AAPL",)
    assert tagged.add("tickers", "MSFT").tags("tickers") == ("AAPL", "MSFT")
    assert tagged.tags("tickers") == ("AAPL",)


def test_matches_is_and_across_groups_or_within() -> None:
    tags = TagGroupSet().add("tickers", "AAPL", "MSFT").add("sectors", "Technology")
    assert tags.matches(tickers=["GOOG", "MSFT"])
    assert tags.matches(tickers=["MSFT"], sectors=["technology"])
    assert not tags.matches(tickers=["MSFT"], sectors=["Energy"])
    assert not tags.matches(sentiment=["positive"])


def test_remove_tags_and_groups() -> None:
    tags = TagGroupSet().add("tickers", "AAPL", "MSFT").add("sectors", "Tech")
    assert tags.remove("tickers", "aapl").tags("tickers") == ("MSFT",)
    assert tags.remove("sectors").group_names == ("tickers",)
    assert tags.remove("tickers", "AAPL", "MSFT").get("tickers") is None


def test_round_trip_union_equality_hash() -> None:
    a = TagGroupSet().add("tickers", "AAPL")
    b = TagGroupSet().add("tickers", "MSFT").add("event_types", "earnings")
    u = a.union(b)
    assert u.to_dict() == {"tickers": ["AAPL", "MSFT"], "event_types": ["earnings"]}
    assert TagGroupSet.from_dict(u.to_dict()) == u
    assert hash(TagGroupSet.from_dict(u.to_dict())) == hash(u)
    assert u.all_tags() == {("tickers", "AAPL"), ("tickers", "MSFT"), ("event_types", "earnings")}


def test_mixin_gives_tagging_and_satisfies_protocol() -> None:
    art = Article("Apple earnings")
    assert art.tags.to_dict() == {}
    art.add_tags("tickers", "AAPL").add_tags("event_types", "earnings")
    assert isinstance(art, Taggable)
    assert art.has_tag("tickers", "aapl")
    assert art.get_tags("event_types") == ("earnings",)
    assert art.matches_tags(tickers=["AAPL"], event_types=["earnings"])
    art.remove_tags("tickers")
    assert not art.has_tag("tickers", "AAPL")
    other = Article("other")
    assert other.tags.to_dict() == {}  # no state shared between instances


@pytest.mark.parametrize("bad", ["", "  "])
def test_bad_group_name_rejected(bad: str) -> None:
    with pytest.raises(ValidationError):
        TagGroup(bad, ("x",))


def test_non_string_tag_rejected() -> None:
    with pytest.raises(ValidationError):
        TagGroupSet().add("tickers", 42)  # type: ignore[arg-type]
