"""Interoperability: FHIR R4 export and import of a patient's course, and CDS Hooks cards."""
