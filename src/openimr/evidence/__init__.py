"""Evidence: facts read from the case documents, with their spans, assertion status and dates."""
