"""Who bills whom, and where the money is booked: identities and imputations as data.

The issuer of a service (``servcommun.toml``: ``[services.<id>.issuer]``), each debtor's
identity (a roster member's or a party's SIRET, address, addressee, Chorus Pro service
code, engagement number, its own adhesion deliberation) and each offer's accounting
imputation (M57 nature account, chapter, function, analytic code) with its tax mention.
A titre de recettes needs them all (``servcommun.titres``). SIREN and SIRET are checked
for their length and their Luhn key, where a typo shows.
"""

from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, Field, model_validator

from servcommun.message import msg
from servcommun.terms import Frozen, Text, refusal


def luhn_valid(digits: str) -> bool:
    """The Luhn key of a SIREN or SIRET: from the right, every second digit doubled (its
    digits summed), the total a multiple of ten. (La Poste's establishments follow
    another rule: not told apart here.)"""
    total = 0
    for position, character in enumerate(reversed(digits)):
        digit = int(character)
        if position % 2:
            digit = digit * 2 - 9 if digit > 4 else digit * 2
        total += digit
    return total % 10 == 0


def siret_of(siren: str, establishment: str = "0001") -> str:
    """The SIRET of ``siren``'s establishment numbered ``establishment`` (four digits),
    with the fifth digit of its NIC chosen so that the Luhn key holds: an illustrative
    SIRET, for examples whose establishments are not known."""
    return next(
        candidate for key in "0123456789" if luhn_valid(candidate := f"{siren}{establishment}{key}")
    )


def _siren(value: str) -> str:
    if not (len(value) == 9 and value.isdigit()):
        raise refusal(
            "siren",
            msg(
                "'{value}' is not a SIREN number: 9 digits, written as text (\"243500741\")",
                value=value,
            ),
        )
    if not luhn_valid(value):
        raise refusal(
            "siren",
            msg(
                "SIREN {value} has a wrong check digit (Luhn key): a digit is mistyped; "
                "copy it from the SIRENE register (annuaire-entreprises.data.gouv.fr)",
                value=value,
            ),
        )
    return value


def _siret(value: str) -> str:
    if not (len(value) == 14 and value.isdigit()):
        raise refusal(
            "siret",
            msg(
                "'{value}' is not a SIRET number: 14 digits (the SIREN and the 5 digits of "
                'the establishment), written as text ("24350074100018")',
                value=value,
            ),
        )
    if not luhn_valid(value):
        raise refusal(
            "siret",
            msg(
                "SIRET {value} has a wrong check digit (Luhn key): a digit is mistyped; "
                "copy it from the SIRENE register (annuaire-entreprises.data.gouv.fr)",
                value=value,
            ),
        )
    return value


Siren = Annotated[
    str,
    AfterValidator(_siren),
    Field(description="SIREN number (9 digits with a valid Luhn key), as text"),
]
Siret = Annotated[
    str,
    AfterValidator(_siret),
    Field(description="SIRET number (14 digits with a valid Luhn key), as text"),
]
PostCode = Annotated[str, Field(pattern=r"^\d{5}$", description="French post code, 5 digits")]
Account = Annotated[
    str,
    Field(pattern=r"^\d{2,8}$", description='an account of the M57 nomenclature ("70875")'),
]


class Address(Frozen):
    """A postal address: its lines (building, street, box), post code and city."""

    lines: tuple[Text, ...] = Field(min_length=1, max_length=4)
    postcode: PostCode
    city: Text

    def one_line(self) -> str:
        """``3 rue Charles Sillard, 35600 Redon``: the address on one line."""
        return ", ".join((*self.lines, f"{self.postcode} {self.city}"))


class Signatory(Frozen):
    """Who signs: the ordonnateur's title (« Le Président ») and name."""

    title: Text
    name: Text


class PublicAccountant(Frozen):
    """The comptable public the titres are payable to (a service de gestion comptable)."""

    name: Text
    address: Address | None = None


class Appeal(Frozen):
    """How a titre is contested: before ``court`` within ``months`` of its notification
    (CGCT art. L1617-5, 2°)."""

    court: Text = Field(description="« Tribunal administratif de Rennes »")
    months: int = Field(default=2, ge=1, le=12)
    article: Text = "CGCT art. L1617-5"


class Issuer(Frozen):
    """The body that issues a service's titres de recettes and statements: its name and
    SIRET (its SIREN is the SIRET's first nine digits), address, place of issue,
    ordonnateur, comptable public, payment terms and the appeal mention. ``illustrative``:
    an example's identity, marked so on every file written from it."""

    name: Text
    siren: Siren | None = None
    siret: Siret
    address: Address
    place: Text | None = Field(default=None, description="where titres are issued (« Redon »)")
    ordonnateur: Signatory
    comptable: PublicAccountant
    payment_terms: Text = Field(
        description="« à réception de l'avis des sommes à payer, auprès du comptable public »"
    )
    appeal: Appeal
    illustrative: bool = False

    @model_validator(mode="after")
    def _siren_heads_siret(self) -> "Issuer":
        if self.siren is not None and not self.siret.startswith(self.siren):
            raise refusal(
                "siret-siren",
                msg(
                    "SIRET {siret} is not an establishment of SIREN {siren}: a SIRET begins "
                    "with its SIREN",
                    siret=self.siret,
                    siren=self.siren,
                ),
            )
        return self

    @property
    def siren_number(self) -> str:
        return self.siren or self.siret[:9]


class TaxRegime(StrEnum):
    # services communs between public bodies: outside the scope of VAT (CGI art. 256 B)
    OUTSIDE_SCOPE = "outside-scope"


class TaxMention(Frozen):
    """The tax of a titre and its mention: outside the scope of VAT, amounts excluding
    tax equal to the total, tax nil."""

    regime: TaxRegime = TaxRegime.OUTSIDE_SCOPE
    mention: Text = Field(description="« TVA non applicable, article 256 B du CGI »")
    article: Text


class Imputation(Frozen):
    """Where an offer's revenue is booked (M57 nomenclature): the nature account, its
    chapter, the function and an optional analytic code, the tax mention, the source it
    is cited from; ``debtors``: another nature account for some debtors (a CCAS is not a
    member commune: 70878 rather than 70875); ``to_confirm``: an assumption the
    comptable public has still to confirm, said wherever it is used."""

    nature: Account
    chapter: Annotated[str, Field(pattern=r"^\d{2,3}$", description='"70", "013"')]
    function: Annotated[str, Field(pattern=r"^\d{1,4}$", description='"020"')]
    analytic: Text | None = None
    debtors: dict[Text, Account] = Field(
        default_factory=dict, description="member id → its own nature account"
    )
    tax: TaxMention
    article: Text
    to_confirm: bool = False

    def nature_for(self, debtor: str) -> str:
        """The nature account the revenue of ``debtor`` is booked to."""
        return self.debtors.get(debtor, self.nature)
