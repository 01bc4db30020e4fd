"""The default tip taxonomy, as data: codes, English and Spanish labels, descriptions."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CategoryDef:
    """One tip category; ``code`` is the stable identifier stored on tips."""

    code: str
    label_en: str
    label_es: str
    description: str


DEFAULT_CATEGORIES: tuple[CategoryDef, ...] = (
    CategoryDef("homicide", "Homicide", "Homicidio", "A killing or information about one."),
    CategoryDef("shooting", "Shooting", "Tiroteo", "Shots fired, people shot."),
    CategoryDef(
        "weapons", "Weapons", "Armas", "Illegal guns, weapon stashes, gun sales, armed people."
    ),
    CategoryDef("assault", "Assault", "Agresión", "Fights, beatings, stabbings, attacks."),
    CategoryDef(
        "domestic_violence",
        "Domestic violence",
        "Violencia doméstica",
        "Violence or abuse by a partner, ex-partner or family member.",
    ),
    CategoryDef(
        "sexual_assault", "Sexual assault", "Agresión sexual", "Rape, sexual abuse, groping."
    ),
    CategoryDef(
        "child_abuse",
        "Child abuse or neglect",
        "Abuso o abandono infantil",
        "Harm to, neglect or exploitation of a child.",
    ),
    CategoryDef(
        "human_trafficking",
        "Human trafficking",
        "Trata de personas",
        "Forced labour or forced prostitution, people held against their will.",
    ),
    CategoryDef("robbery", "Robbery", "Robo con violencia", "Theft by force or threat, muggings."),
    CategoryDef("burglary", "Burglary", "Robo en vivienda", "Break-ins to homes, shops, cars."),
    CategoryDef("theft", "Theft", "Hurto", "Stealing without force: shoplifting, packages."),
    CategoryDef(
        "vehicle_theft", "Vehicle theft", "Robo de vehículo", "Stolen cars, motorbikes, chop shops."
    ),
    CategoryDef("drugs", "Drugs", "Drogas", "Drug dealing, drug houses, overdoses."),
    CategoryDef("gang", "Gang activity", "Pandillas", "Gang activity, recruitment, turf."),
    CategoryDef("fraud", "Fraud or scam", "Fraude o estafa", "Scams, identity theft, fake checks."),
    CategoryDef("vandalism", "Vandalism", "Vandalismo", "Graffiti, damaged property."),
    CategoryDef("arson", "Arson", "Incendio provocado", "Fires set on purpose."),
    CategoryDef(
        "fugitive", "Wanted person", "Persona buscada", "Where a wanted person or escapee is."
    ),
    CategoryDef(
        "missing_person", "Missing person", "Persona desaparecida", "Someone missing or a runaway."
    ),
    CategoryDef(
        "threat", "Threat", "Amenaza", "Threats of violence, school threats, bomb threats."
    ),
    CategoryDef(
        "traffic", "Traffic", "Tráfico", "Reckless or drunk driving, street racing, hit and run."
    ),
    CategoryDef(
        "quality_of_life",
        "Quality of life",
        "Calidad de vida",
        "Noise, loitering, public drinking, dumping, abandoned property.",
    ),
    CategoryDef(
        "officer_conduct",
        "Officer conduct",
        "Conducta policial",
        "Complaints about or commendations of department staff.",
    ),
    CategoryDef("other", "Other", "Otro", "Anything that fits no other category."),
)

DEFAULT_CODES: frozenset[str] = frozenset(c.code for c in DEFAULT_CATEGORIES)


def category_by_code(code: str) -> CategoryDef | None:
    """Return the default category with this code, or None."""
    for category in DEFAULT_CATEGORIES:
        if category.code == code:
            return category
    return None
