"""Finding what was checked before (DESIGN §6): search documents, matching, the fact-check archive, merging."""
