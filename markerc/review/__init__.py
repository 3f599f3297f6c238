"""Review: ``markerc diff`` and ``markerc report`` over hub changes."""
