"""The child's file as a document (issue 18, part 1): every case, concern and record of one pupil,
in time order, as a PDF, a preview page and documented JSON, other children lettered.

- ``records.child_file``: the records, read once (the selector).
- ``pseudonyms``: "Child B", "Child C"... (pure functions).
- ``render``: the page, the PDF, the JSON, and a file received from another school.
- ``services.child_file_made``: the audit event.
"""
