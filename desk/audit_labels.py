"""How the desk app's audit actions read to a head teacher (see desk.reports.labels)."""

from __future__ import annotations

ACTION_WORDS = {
    "desk.staff.left": "Deactivated someone who left, and handed over their work",
    "desk.trust_report.viewed": "Looked at the trust report (every school's figures, no one named)",
}
