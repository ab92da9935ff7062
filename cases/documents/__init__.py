"""Looking inside the documents Safeguard accepts, one module per family of formats.

Each module checks that a file is whole and exactly what it claims to be (a file that also
holds something else — a photo behind a PDF header — is refused), finds every picture, video
and sound inside it, and can take them out. Pure: bytes in, findings out; no ORM, no request.
The words the DSL reads are in :mod:`cases.attachments`; these modules speak in reason codes.
"""
