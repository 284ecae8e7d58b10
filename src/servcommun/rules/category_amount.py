"""``category-amount``: a fixed amount by category of member — a commune, an EPCI in its
own name, an association, a CCAS — the categories being yes/no attributes or values of a
choice attribute the tariff declares (``ccas``, ``body=association``)."""

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING, ClassVar, Literal

from pydantic import Field

from servcommun.engine.context import MissingData
from servcommun.message import msg
from servcommun.money import ZERO
from servcommun.rules.base import PartRule
from servcommun.terms import Category, Money, category_parts, holds_category

if TYPE_CHECKING:
    from servcommun.diagnostics import Diagnostic
    from servcommun.engine.context import OfferYear
    from servcommun.engine.result import Line
    from servcommun.reader import Document, Path_
    from servcommun.tariff import Offer, Tariff


class CategoryAmountPart(PartRule):
    """``amounts``: category → amount. A member pays the amount of each category it holds
    (categories the tariff declares exclusive are held one at most, ``check`` says so);
    holding none, ``otherwise`` if given, else it needs review."""

    rule: Literal["category-amount"]
    amounts: dict[Category, Money] = Field(
        min_length=1,
        description=(
            "category (a yes/no attribute: 'ccas'; a choice's value: 'body=association') → "
            "its amount"
        ),
    )
    otherwise: Money | None = Field(
        default=None,
        description="the amount of a member of none of the categories (absent: it needs review)",
    )

    PRORATED: ClassVar[bool] = True

    def lines(self, context: "OfferYear", before: "Sequence[Line]") -> "list[Line]":
        """The amounts of the member's categories, summed; none held: ``otherwise``."""
        attributes = context.member.attributes
        held = [category for category in self.amounts if holds_category(attributes, category)]
        if not held:
            if self.otherwise is None:
                raise MissingData(
                    msg(
                        "the roster gives none of the categories of {label} ({categories})",
                        label=self.label,
                        categories=", ".join(self.amounts),
                    )
                )
            basis = msg("none of the categories {categories}", categories=", ".join(self.amounts))
            return [context.prorated(context.line(self, self.otherwise, basis), self.otherwise)]
        amount = sum((self.amounts[category] for category in held), ZERO)
        basis = msg("category {categories}", categories=" + ".join(held))
        return [context.prorated(context.line(self, amount, basis), amount)]

    def problems(
        self, doc: "Document", here: "Path_", offer: "Offer", tariff: "Tariff"
    ) -> "Iterator[Diagnostic]":
        """Each category is a yes/no attribute the tariff declares, or a value of one of
        its choice attributes."""
        for category in self.amounts:
            yield from category_problems(doc, (*here, "amounts", category), category, tariff)


def category_problems(
    doc: "Document", here: "Path_", category: str, tariff: "Tariff", *, key: bool = True
) -> "Iterator[Diagnostic]":
    """A category names a declared yes/no attribute, or a declared choice attribute and
    one of its values."""
    attribute_id, value = category_parts(category)
    attribute = tariff.attribute(attribute_id)
    if value is None and (attribute is None or attribute.type != "boolean"):
        known = [a.id for a in tariff.attributes if a.type == "boolean"]
        yield doc.diagnostic(
            here,
            "unknown-category",
            msg(
                "'{category}' is not a yes/no attribute the tariff declares (yes/no "
                "attributes: {known}; a choice's value is written 'attribute=value')",
                category=category,
                known=", ".join(known) or "-",
            ),
            key=key,
        )
    elif value is not None and (
        attribute is None or attribute.type != "choice" or value not in attribute.choices
    ):
        choices = [
            f"{a.id}={choice}"
            for a in tariff.attributes
            if a.type == "choice"
            for choice in a.choices
        ]
        yield doc.diagnostic(
            here,
            "unknown-category",
            msg(
                "'{category}' is not a value of a choice attribute the tariff declares "
                "(choices: {known})",
                category=category,
                known=", ".join(choices) or "-",
            ),
            key=key,
        )


RULE = CategoryAmountPart
