"""Custom ``field:asc`` / ``field:desc`` ranking rules from the ``rankingRules`` setting.

They order like an entry of the ``sort`` parameter (``lumi.search.ranking.sort``): numbers
before strings, best value of an array, documents without the field last; the field does
not have to be sortable, naming it in the ranking rules is what gives it facet structures.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from lumi.index.settings import ranking_rules
from lumi.search.ranking.base import RuleFactory
from lumi.search.ranking.sort import FieldSortRule


def asc_desc_factories(settings: dict[str, Any]) -> dict[str, RuleFactory]:
    """``{"price:asc": factory}`` for every custom rule of the settings."""
    factories: dict[str, RuleFactory] = {}
    for rule in ranking_rules(settings):
        if rule.field is None:
            continue
        ascending = rule.kind == "asc"
        name = f"{rule.field}:{rule.kind}"
        factories[name] = partial(FieldSortRule, rule.field, ascending)
    return factories
