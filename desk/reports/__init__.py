"""The head teacher's audit reports: volume, timeliness, decisions against the criteria, access.

Pure modules (periods, labels, charts, csv) hold the rules and the markup; ``selectors`` holds
the aggregate queries; ``services`` the writes (the audit of each export, the chain check).
"""
