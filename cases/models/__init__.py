"""The cases app's models, by subject. Import them from here (``from cases.models import Case``)."""

from cases.models.assessments import Assessment, AssessmentTrigger, Decision, DecisionChoice
from cases.models.attachments import Attachment, _attachment_path, _attachment_storage
from cases.models.cases import (
    OUTCOME_CHOICES,
    AssignmentEnd,
    Case,
    CaseAssignment,
    CaseChild,
    CaseGroupObjectPermission,
    CaseReview,
    CaseStatus,
    CaseStatusChange,
    CaseUserObjectPermission,
    ChildPart,
    Correction,
    Note,
)
from cases.models.concerns import Concern, ConcernPupil, ConcernStatus, DisclosureDraft
from cases.models.disclosures import (
    NARRATIVE_LABELS,
    NARRATIVE_MAX,
    AdultInvolvement,
    AgeBandChoice,
    AnswerChoice,
    CasePlatform,
    Disclosure,
    DisclosureMethod,
    FactChange,
    HarassmentKind,
    ImageryChoice,
    ImageryKindChoice,
    OtherChild,
)
from cases.models.pupils import Pupil, PupilChange, PupilImport
from cases.models.search import SearchEntry, SearchKind

__all__ = [
    "NARRATIVE_LABELS",
    "NARRATIVE_MAX",
    "OUTCOME_CHOICES",
    "AdultInvolvement",
    "AgeBandChoice",
    "AnswerChoice",
    "Assessment",
    "AssignmentEnd",
    "AssessmentTrigger",
    "Attachment",
    "Case",
    "CaseAssignment",
    "CaseChild",
    "CaseGroupObjectPermission",
    "CasePlatform",
    "CaseReview",
    "CaseStatus",
    "CaseStatusChange",
    "CaseUserObjectPermission",
    "ChildPart",
    "Concern",
    "ConcernPupil",
    "ConcernStatus",
    "Correction",
    "Decision",
    "DecisionChoice",
    "Disclosure",
    "DisclosureDraft",
    "DisclosureMethod",
    "FactChange",
    "HarassmentKind",
    "ImageryChoice",
    "ImageryKindChoice",
    "Note",
    "OtherChild",
    "Pupil",
    "PupilChange",
    "PupilImport",
    "SearchEntry",
    "SearchKind",
    "_attachment_path",  # named by migration 0006
    "_attachment_storage",  # named by migration 0006
]
