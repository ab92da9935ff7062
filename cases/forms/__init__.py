"""The cases app's forms, by subject. Import them from here (``from cases.forms import NoteForm``)."""

from cases.forms.cases import AssignForm, AssignmentViewForm, CorrectionForm, DecisionForm, NoteForm
from cases.forms.common import DATETIME_LOCAL, local_now_for_input, long_text
from cases.forms.concerns import ConcernForm, NoFurtherActionForm, PupilRecordForm
from cases.forms.disclosures import (
    AddPupilForm,
    DisclosureFactsForm,
    DisclosureForm,
    DisclosureForms,
    FactsChangeForm,
    OtherChildRowForm,
    PupilRowForm,
    RemoveChildForm,
    pupil_label,
)
from cases.forms.pupils import PupilEditForm, PupilImportForm, RollFeedForm

__all__ = [
    "DATETIME_LOCAL",
    "AddPupilForm",
    "AssignForm",
    "AssignmentViewForm",
    "ConcernForm",
    "CorrectionForm",
    "DecisionForm",
    "DisclosureFactsForm",
    "DisclosureForm",
    "DisclosureForms",
    "FactsChangeForm",
    "NoFurtherActionForm",
    "NoteForm",
    "OtherChildRowForm",
    "PupilEditForm",
    "PupilImportForm",
    "RollFeedForm",
    "PupilRecordForm",
    "PupilRowForm",
    "RemoveChildForm",
    "local_now_for_input",
    "long_text",
    "pupil_label",
]
