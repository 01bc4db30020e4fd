"""built-in queues and default categories

The service depends on the triage, oversight and homicide queues and on the default taxonomy, so
the schema brings them: `flask db upgrade` alone leaves a working service (`flask intake init` still
adds what a later taxonomy introduces). The rows are frozen here as they stood at this revision.

Revision ID: 3f6a2c9e41d7
Revises: 9d0ce8deab0f
Create Date: 2026-12-02 06:20:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '3f6a2c9e41d7'
down_revision = '9d0ce8deab0f'
branch_labels = None
depends_on = None

QUEUES = (
    ('triage', 'Triage', 'triage'),
    ('oversight', 'Oversight (officer conduct)', 'oversight'),
    ('homicide', 'Homicide unit', 'unit'),
)
# (code, label_en, label_es, description, queue_code, sort_order)
CATEGORIES = (
    ('homicide', 'Homicide', 'Homicidio', 'A killing or information about one.', 'homicide', 0),
    ('shooting', 'Shooting', 'Tiroteo', 'Shots fired, people shot.', None, 1),
    ('weapons', 'Weapons', 'Armas', 'Illegal guns, weapon stashes, gun sales, armed people.', None, 2),
    ('assault', 'Assault', 'Agresión', 'Fights, beatings, stabbings, attacks.', None, 3),
    ('domestic_violence', 'Domestic violence', 'Violencia doméstica', 'Violence or abuse by a partner, ex-partner or family member.', None, 4),
    ('sexual_assault', 'Sexual assault', 'Agresión sexual', 'Rape, sexual abuse, groping.', None, 5),
    ('child_abuse', 'Child abuse or neglect', 'Abuso o abandono infantil', 'Harm to, neglect or exploitation of a child.', None, 6),
    ('human_trafficking', 'Human trafficking', 'Trata de personas', 'Forced labour or forced prostitution, people held against their will.', None, 7),
    ('robbery', 'Robbery', 'Robo con violencia', 'Theft by force or threat, muggings.', None, 8),
    ('burglary', 'Burglary', 'Robo en vivienda', 'Break-ins to homes, shops, cars.', None, 9),
    ('theft', 'Theft', 'Hurto', 'Stealing without force: shoplifting, packages.', None, 10),
    ('vehicle_theft', 'Vehicle theft', 'Robo de vehículo', 'Stolen cars, motorbikes, chop shops.', None, 11),
    ('drugs', 'Drugs', 'Drogas', 'Drug dealing, drug houses, overdoses.', None, 12),
    ('gang', 'Gang activity', 'Pandillas', 'Gang activity, recruitment, turf.', None, 13),
    ('fraud', 'Fraud or scam', 'Fraude o estafa', 'Scams, identity theft, fake checks.', None, 14),
    ('vandalism', 'Vandalism', 'Vandalismo', 'Graffiti, damaged property.', None, 15),
    ('arson', 'Arson', 'Incendio provocado', 'Fires set on purpose.', None, 16),
    ('fugitive', 'Wanted person', 'Persona buscada', 'Where a wanted person or escapee is.', None, 17),
    ('missing_person', 'Missing person', 'Persona desaparecida', 'Someone missing or a runaway.', None, 18),
    ('threat', 'Threat', 'Amenaza', 'Threats of violence, school threats, bomb threats.', None, 19),
    ('traffic', 'Traffic', 'Tráfico', 'Reckless or drunk driving, street racing, hit and run.', None, 20),
    ('quality_of_life', 'Quality of life', 'Calidad de vida', 'Noise, loitering, public drinking, dumping, abandoned property.', None, 21),
    ('officer_conduct', 'Officer conduct', 'Conducta policial', 'Complaints about or commendations of department staff.', 'oversight', 22),
    ('other', 'Other', 'Otro', 'Anything that fits no other category.', None, 23),
)


def upgrade():
    connection = op.get_bind()
    queue = sa.table(
        "queue",
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("kind", sa.String),
        sa.column("is_active", sa.Boolean),
        sa.column("created_at", sa.DateTime(timezone=True)),
    )
    category = sa.table(
        "category",
        sa.column("code", sa.String),
        sa.column("label_en", sa.String),
        sa.column("label_es", sa.String),
        sa.column("description", sa.String),
        sa.column("queue_code", sa.String),
        sa.column("keywords", sa.JSON),
        sa.column("sort_order", sa.Integer),
        sa.column("is_active", sa.Boolean),
    )
    now = datetime.now(timezone.utc)
    if connection.dialect.name == "sqlite":
        now = now.replace(tzinfo=None)  # stored as naive UTC there, like the models' UTCDateTime
    have_queues = set(connection.scalars(sa.select(queue.c.code)))
    new_queues = [
        {"code": code, "name": name, "kind": kind, "is_active": True, "created_at": now}
        for code, name, kind in QUEUES
        if code not in have_queues
    ]
    if new_queues:
        op.bulk_insert(queue, new_queues)
    have_categories = set(connection.scalars(sa.select(category.c.code)))
    new_categories = [
        {
            "code": code,
            "label_en": label_en,
            "label_es": label_es,
            "description": description,
            "queue_code": queue_code,
            "keywords": [],
            "sort_order": order,
            "is_active": True,
        }
        for code, label_en, label_es, description, queue_code, order in CATEGORIES
        if code not in have_categories
    ]
    if new_categories:
        op.bulk_insert(category, new_categories)


def downgrade():
    # Reference rows stay: tips, memberships and routing refer to them, and an older revision's
    # schema holds them just as well.
    pass
