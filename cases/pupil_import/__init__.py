"""Reading a school's MIS export of pupils: pure parsing and planning, no database.

A DSL downloads the pupil list from the school's management information system (SIMS, Arbor,
Bromcom…) as a CSV file. This module reads it into plain records, checks every row, and compares
them with the pupils already on Safeguard to make a plan: each row *added*, *changed* (field by
field, old → new), *unchanged* or *refused*, with every reason in words a DSL understands.
:mod:`cases.services.pupils` stores the plan as the dry-run report, and applies it only when no
row is refused, so a pupil list is never half-imported.

The vulnerability flags read here are the facts criterion C5 computes from ("already recognised
as vulnerable by children's social care or the police", docs/domain.md): they are never asked again
per case, so a wrong flag matters. Nothing here guesses: a value that is not clearly yes or no, a
date that is not clearly a date, refuses the row.
"""

from cases.pupil_import.parse import (
    ParsedFile,
    ParsedRow,
    PupilRecord,
    accepted_headings,
    decode_upload,
    display_value,
    parse_csv,
)
from cases.pupil_import.plan import (
    Change,
    ImportPlan,
    RowPlan,
    plan_import,
)
from cases.pupil_import.report import (
    Report,
    report_from_json,
    with_reassessed,
)
from cases.pupil_import.values import (
    ACTIONS,
    ADDED,
    CHANGED,
    EDITABLE_FIELDS,
    FIELD_LABELS,
    FLAG_FIELDS,
    HEADER_ALIASES,
    IDENTITY_FIELDS,
    LEFT_ON_FIELD,
    MAX_BYTES,
    MAX_ROWS,
    MAX_YEAR_GROUP,
    MIS_PRESET_LABELS,
    MIS_PRESETS,
    NAME_MAX,
    REASSESS_FIELDS,
    RECEPTION,
    REFUSED,
    REQUIRED_FIELDS,
    UNCHANGED,
    ImportRefused,
    date_of_birth_problem,
    format_date,
    is_upn,
    normalise_header,
    normalise_name,
    normalise_upn,
    parse_date_of_birth,
    parse_flag,
    parse_leaving_date,
    parse_year_group,
    sentence,
    year_group_label,
)

__all__ = [
    "REQUIRED_FIELDS",
    "MIS_PRESETS",
    "MIS_PRESET_LABELS",
    "HEADER_ALIASES",
    "ACTIONS",
    "ADDED",
    "CHANGED",
    "Change",
    "EDITABLE_FIELDS",
    "FIELD_LABELS",
    "FLAG_FIELDS",
    "IDENTITY_FIELDS",
    "LEFT_ON_FIELD",
    "ImportPlan",
    "ImportRefused",
    "MAX_BYTES",
    "MAX_ROWS",
    "MAX_YEAR_GROUP",
    "NAME_MAX",
    "ParsedFile",
    "ParsedRow",
    "PupilRecord",
    "REASSESS_FIELDS",
    "RECEPTION",
    "REFUSED",
    "Report",
    "RowPlan",
    "UNCHANGED",
    "accepted_headings",
    "date_of_birth_problem",
    "decode_upload",
    "display_value",
    "format_date",
    "is_upn",
    "normalise_header",
    "normalise_name",
    "normalise_upn",
    "parse_csv",
    "parse_date_of_birth",
    "parse_flag",
    "parse_leaving_date",
    "parse_year_group",
    "plan_import",
    "report_from_json",
    "sentence",
    "with_reassessed",
    "year_group_label",
]
